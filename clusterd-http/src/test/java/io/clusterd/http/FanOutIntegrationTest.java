package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.FanOutResult;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fan-out to a nested cluster of 50 instances behind real elektrad stand-ins on loopback sockets: success, some
 * hosts stopped, convergence by the reconciler once they return, and per-instance order under concurrent writes.
 */
class FanOutIntegrationTest {
  private static final int SERVERS = 10;
  private static final int PER_SERVER = 5;

  @TempDir
  Path dir;

  private final List<ElektradServer> servers = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<List<KeyDatabase>> databases = new ArrayList<>();
  private Clusterd clusterd;

  @BeforeEach
  void start() {
    for (int s = 0; s < SERVERS; s++) {
      ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
      List<KeyDatabase> dbs = new ArrayList<>();
      for (int i = 0; i < PER_SERVER; i++) {
        KeyDatabase db = new KeyDatabase();
        dbs.add(db);
        b.mount("/i/" + i, db);
      }
      ElektradServer server = b.start();
      servers.add(server);
      ports.add(server.port());
      databases.add(dbs);
    }
    clusterd = Clusterd.builder()
        .store(SqliteStore.open(dir))
        .discoverTransports(getClass().getClassLoader())
        .connectTimeout(Duration.ofMillis(500))
        .responseTimeout(Duration.ofSeconds(5))
        .retryBackoff(Duration.ofMillis(10))
        .reconcileEvery(Duration.ofMillis(200))
        .build();
    // root > region-0..1 > zone-0..4 (each zone holds the five instances of one server)
    clusterd.createCluster(ClusterSpec.of("root").withId("root"));
    for (int r = 0; r < 2; r++) {
      clusterd.createCluster(ClusterSpec.of("region " + r).withId("region-" + r).withParent("root"));
    }
    for (int s = 0; s < SERVERS; s++) {
      List<String> members = new ArrayList<>();
      for (int i = 0; i < PER_SERVER; i++) {
        String id = "h" + s + "-" + i;
        clusterd.registerInstance(InstanceSpec.of(id, servers.get(s).url("/i/" + i).toString()).withId(id));
        members.add(id);
      }
      clusterd.createCluster(ClusterSpec.of("zone " + s).withId("zone-" + s).withParent("region-" + (s % 2))
          .withMembers(members));
    }
  }

  @AfterEach
  void stop() {
    clusterd.close();
    servers.forEach(ElektradServer::close);
  }

  private String value(int server, int instance, String key) {
    return databases.get(server).get(instance).lookup(KeyName.parse(key), 0).value();
  }

  @Test
  void pin_onRoot_reachesAllFiftyInstances() {
    FanOutResult r = clusterd.pin("root", KeyName.parse("user:/app/level"), "debug");
    assertEquals(200, r.status());
    assertEquals(new FanOutResult.Summary(50, 50, 0), r.summary());
    for (int s = 0; s < SERVERS; s++) {
      for (int i = 0; i < PER_SERVER; i++) {
        assertEquals("debug", value(s, i, "user:/app/level"));
      }
    }
  }

  @Test
  void pin_withStoppedHosts_is207AndReconcilerConvergesAfterRestart() throws Exception {
    servers.get(3).close();
    servers.get(7).close();
    FanOutResult r = clusterd.pin("root", KeyName.parse("user:/app/level"), "warn");
    assertEquals(207, r.status());
    assertEquals(new FanOutResult.Summary(50, 40, 10), r.summary());
    for (InstanceOutcome o : r.results()) {
      boolean stopped = o.instance().startsWith("h3-") || o.instance().startsWith("h7-");
      assertEquals(!stopped, o.succeeded(), o.toString());
      if (stopped) {
        assertEquals("INSTANCE_UNREACHABLE", o.error().orElseThrow().code().token());
      }
    }
    assertEquals(InstanceState.Status.PENDING, clusterd.status("h3-0").status());

    for (int s : new int[] {3, 7}) {
      ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(ports.get(s));
      for (int i = 0; i < PER_SERVER; i++) {
        b.mount("/i/" + i, databases.get(s).get(i));
      }
      servers.set(s, b.start());
    }
    // no further request: the background reconciler delivers what the restarted hosts missed
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && !convergedAfterRestart()) {
      Thread.sleep(50);
    }
    for (int s : new int[] {3, 7}) {
      for (int i = 0; i < PER_SERVER; i++) {
        assertEquals("warn", value(s, i, "user:/app/level"), "h" + s + "-" + i);
        assertEquals(InstanceState.Status.IN_SYNC, clusterd.status("h" + s + "-" + i).status());
      }
    }
  }

  private boolean convergedAfterRestart() {
    for (int s : new int[] {3, 7}) {
      for (int i = 0; i < PER_SERVER; i++) {
        if (clusterd.status("h" + s + "-" + i).status() != InstanceState.Status.IN_SYNC) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void concurrentWrites_fromTwoClustersOnThePath_arriveInAcceptedOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      writers.add(pool.submit(() -> {
        for (int n = 0; n < 25; n++) {
          String cluster = thread % 2 == 0 ? "root" : "region-1";
          String key = thread % 2 == 0 ? "user:/order/root" : "user:/order/region";
          clusterd.apply(new Change.WriteCluster(cluster, KeyOperation.set(KeyName.parse(key), thread + ":" + n),
              false)).join();
        }
        return null;
      }));
    }
    for (Future<?> w : writers) {
      w.get();
    }
    pool.shutdown();
    CompletableFuture.allOf().join();
    String rootWant = clusterd.pins("root").get(0).value();
    String regionWant = clusterd.pins("region-1").get(0).value();
    for (int s = 0; s < SERVERS; s++) {
      for (int i = 0; i < PER_SERVER; i++) {
        assertEquals(rootWant, value(s, i, "user:/order/root"), "h" + s + "-" + i);
        if (s % 2 == 1) {
          assertEquals(regionWant, value(s, i, "user:/order/region"), "h" + s + "-" + i);
        }
      }
    }
  }
}

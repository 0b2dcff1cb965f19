package io.clusterd.http.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.KeyName;
import io.clusterd.core.testing.LocalPostgres;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import io.clusterd.http.ha.Daemons.Answer;
import io.clusterd.http.ha.Daemons.Daemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Several daemons, one clusterd (issue #15), as an operator runs it: three daemons as child processes on one
 * PostgreSQL database that the test starts, thirty stand-in instances. Writes and reads through every daemon;
 * two daemons racing to attach one instance to two clusters; the leader killed with kill -9 twenty times in the
 * middle of a stream of cluster writes; the database stopped under the daemons and started again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeveralDaemonsIT {
  private static final int INSTANCES = 30;
  private static final int KILLS = Integer.getInteger("clusterd.ha.kills", 20);
  private static final Pattern WRITE = Pattern.compile("/ha/w(\\d+)$");

  private static Path dir;
  private static ElektradServer standIns;
  private static final Map<String, KeyDatabase> databases = new LinkedHashMap<>();
  /** Per instance, the numbers of the stream's writes in the order the instance applied them. */
  private static final Map<String, List<Long>> applied = new ConcurrentHashMap<>();
  private static Daemons daemons;
  private static final List<Daemon> running = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startEverything() throws Exception {
    String store = LocalPostgres.shared().newDatabase();
    dir = Files.createTempDirectory("clusterd-ha-");
    ElektradServer.Builder b = ElektradServer.builder().onWrite((mount, method, path, body) -> {
      Matcher m = WRITE.matcher(path);
      if (method.equals("PUT") && m.find()) {
        applied.computeIfAbsent(mount, k -> Collections.synchronizedList(new ArrayList<>()))
            .add(Long.parseLong(m.group(1)));
      }
    });
    for (int i = 1; i <= INSTANCES; i++) {
      KeyDatabase db = new KeyDatabase();
      databases.put("web-" + i, db);
      b.mount("/i/web-" + i, db);
    }
    standIns = b.start();
    daemons = new Daemons(store, dir);
    for (int i = 1; i <= 3; i++) {
      running.add(daemons.start("d" + i));
    }
  }

  @AfterAll
  static void stopEverything() {
    if (daemons != null) {
      daemons.close();
    }
    if (standIns != null) {
      standIns.close();
    }
  }

  private static Daemon leader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (Daemon d : running) {
        if (d.leads()) {
          return d;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no daemon leads");
  }

  private static void eventually(String what, long seconds, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AssertionError last = null;
    while (System.nanoTime() < deadline) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        last = e;
        Thread.sleep(25);
      }
    }
    throw new AssertionError(what + " not within " + seconds + " s", last);
  }

  interface Call {
    Answer send() throws Exception;
  }

  /** The answer, or null when the daemon stopped itself (a leader that lost its lease); else retried. */
  private static Answer answerOrHalted(Daemon d, Call call) throws Exception {
    try {
      return call.send();
    } catch (java.io.IOException e) {
      if (d.process.waitFor(200, TimeUnit.MILLISECONDS)) {
        return null;
      }
      throw new AssertionError(d + " gave no answer and runs on", e);
    }
  }

  interface Check {
    void run() throws Exception;
  }

  @Test
  @Order(1)
  void writesThroughEveryDaemon_areReadThroughEveryDaemon() throws Exception {
    assertEquals(1, running.stream().filter(Daemon::leads).count(), "exactly one leader");
    for (int i = 1; i <= INSTANCES; i++) {
      Daemon via = running.get(i % 3);
      Answer a = daemons.postJson(via, "/api/instances", "{\"id\":\"web-" + i + "\",\"name\":\"web " + i
          + "\",\"host\":\"" + standIns.url("/i/web-" + i) + "\"}");
      assertEquals(201, a.status(), via + ": " + a.body());
      // read-your-writes at the daemon that answered
      assertEquals(200, daemons.get(via, "/api/instances/web-" + i).status(), via.toString());
    }
    StringBuilder members = new StringBuilder();
    for (int i = 1; i <= INSTANCES; i++) {
      members.append(i == 1 ? "" : ",").append("\"web-").append(i).append('"');
    }
    Answer cluster = daemons.postJson(running.get(2), "/api/clusters",
        "{\"id\":\"ha\",\"name\":\"HA\",\"instances\":[" + members + "]}");
    assertEquals(201, cluster.status(), cluster.body());
    for (Daemon d : running) {
      Answer pin = daemons.putText(d, "/api/clusters/ha/kdb/user%3A/app/by", d.id);
      assertTrue(pin.status() == 200, d + ": " + pin.body());
      assertEquals(d.id, daemons.get(d, "/api/clusters/ha/kdb/user%3A/app/by").json().path("value").asText(),
          "read-your-writes at " + d);
    }
    for (Daemon d : running) {
      eventually("every write visible at " + d, 2, () -> {
        Answer list = daemons.get(d, "/api/instances");
        assertEquals(INSTANCES, list.json().size(), d + ": " + list.body());
        assertEquals("d3", daemons.get(d, "/api/clusters/ha/kdb/user%3A/app/by").json().path("value").asText());
      });
    }
    for (KeyDatabase db : databases.values()) {
      assertEquals("d3", db.get(KeyName.parse("user:/app/by")).orElseThrow().value(), "the last pin on every instance");
    }
    Answer list = daemons.get(running.get(0), "/api/cluster-members");
    assertEquals(3, list.json().path("members").size(), list.body());
  }

  @Test
  @Order(2)
  void twoDaemonsRacingToAttachOneInstanceToTwoClusters_exactlyOneWins() throws Exception {
    for (int round = 0; round < 5; round++) {
      String solo = "solo-" + round;
      assertEquals(201, daemons.postJson(running.get(0), "/api/instances", "{\"id\":\"" + solo + "\",\"name\":\""
          + solo + "\",\"host\":\"" + standIns.url("/i/web-1") + "-" + round + "\"}").status());
      assertEquals(201, daemons.postJson(running.get(1), "/api/clusters", "{\"id\":\"left-" + round
          + "\",\"name\":\"left " + round + "\"}").status());
      assertEquals(201, daemons.postJson(running.get(2), "/api/clusters", "{\"id\":\"right-" + round
          + "\",\"name\":\"right " + round + "\"}").status());
      ExecutorService two = Executors.newFixedThreadPool(2);
      CountDownLatch go = new CountDownLatch(1);
      int r = round;
      Future<Answer> left = two.submit(() -> {
        go.await();
        return daemons.postJson(running.get(1), "/api/clusters/left-" + r + "/instances",
            "{\"instanceId\":\"" + solo + "\"}");
      });
      Future<Answer> right = two.submit(() -> {
        go.await();
        return daemons.postJson(running.get(2), "/api/clusters/right-" + r + "/instances",
            "{\"instanceId\":\"" + solo + "\"}");
      });
      go.countDown();
      Answer a = left.get(30, TimeUnit.SECONDS);
      Answer b = right.get(30, TimeUnit.SECONDS);
      two.shutdown();
      List<Integer> statuses = new ArrayList<>(List.of(a.status(), b.status()));
      Collections.sort(statuses);
      assertEquals(List.of(200, 409), statuses, a.body() + " / " + b.body());
      Answer loser = a.status() == 409 ? a : b;
      assertEquals("ALREADY_IN_CLUSTER", loser.json().path("conflicts").path(0).path("i18n").asText(
          loser.i18n()), loser.body());
    }
  }

  @Test
  @Order(3)
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void killingTheLeaderDuringAStreamOfClusterWrites_losesNoAcknowledgedWrite() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    System.out.println("SeveralDaemonsIT: seed " + seed + ", " + KILLS + " kills");
    List<Long> acknowledged = new CopyOnWriteArrayList<>();
    List<Long> failed = new CopyOnWriteArrayList<>();
    AtomicBoolean streaming = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      long n = 0;
      Random pick = new Random(seed + 1);
      while (streaming.get()) {
        n++;
        List<Daemon> alive = running.stream().filter(Daemon::alive).toList();
        if (alive.isEmpty()) {
          continue;
        }
        Daemon via = alive.get(pick.nextInt(alive.size()));
        try {
          Answer a = daemons.putText(via, "/api/clusters/ha/kdb/user%3A/ha/w" + n, Long.toString(n));
          if (a.status() == 200 || a.status() == 207) {
            acknowledged.add(n);
          } else {
            assertTrue(a.status() == 503 || a.status() == 500, "a failed write is an error: " + a.body());
            failed.add(n);
          }
        } catch (Exception e) {
          failed.add(n); // the daemon died under the request: no answer, no acknowledgement
        }
      }
    }, "ha-writer");
    writer.start();
    List<Long> failovers = new ArrayList<>();
    try {
      for (int kill = 0; kill < KILLS; kill++) {
        Thread.sleep(150 + random.nextInt(600));
        Daemon old = leader();
        int before = acknowledged.size();
        old.kill();
        long killed = System.nanoTime();
        running.remove(old);
        Daemon next = leader();
        long tookMs = (System.nanoTime() - killed) / 1_000_000;
        failovers.add(tookMs);
        assertTrue(tookMs <= 5_000, "kill " + kill + ": " + next + " took over after " + tookMs + " ms");
        running.add(daemons.start(old.id));
        eventually("writes acknowledged again after kill " + kill, 15,
            () -> assertTrue(acknowledged.size() > before + 2));
      }
    } finally {
      streaming.set(false);
      writer.join(60_000);
    }
    Collections.sort(failovers);
    System.out.printf("SeveralDaemonsIT: failover over %d kills: median %d ms, max %d ms; %d writes acknowledged,"
        + " %d failed%n", failovers.size(), failovers.get(failovers.size() / 2), failovers.get(failovers.size() - 1),
        acknowledged.size(), failed.size());
    assertFalse(acknowledged.isEmpty());
    Set<Long> acked = new HashSet<>(acknowledged);
    assertEquals(acked.size(), acknowledged.size(), "no write acknowledged twice");
    eventually("every acknowledged write on every instance", 60, () -> {
      for (Map.Entry<String, KeyDatabase> e : databases.entrySet()) {
        for (long n : acknowledged) {
          assertEquals(Long.toString(n), e.getValue().get(KeyName.parse("user:/ha/w" + n))
              .map(KeyDatabase.Entry::value).orElse(null), e.getKey() + " lacks acknowledged write " + n);
        }
      }
    });
    for (String instance : databases.keySet()) {
      List<Long> order = new ArrayList<>(applied.get("/i/" + instance));
      List<Long> firstTimes = new ArrayList<>(new java.util.LinkedHashSet<>(order));
      List<Long> ackedInOrder = firstTimes.stream().filter(acked::contains).toList();
      List<Long> sorted = new ArrayList<>(ackedInOrder);
      Collections.sort(sorted);
      assertEquals(sorted, ackedInOrder, instance + " got the acknowledged writes out of order (seed " + seed + ")");
    }
  }

  @Test
  @Order(4)
  void aDaemonCutOffFromTheDatabase_refusesWritesServesStaleReads_andRecovers() throws Exception {
    LocalPostgres pg = LocalPostgres.shared();
    pg.stop();
    try {
      for (Daemon d : running) {
        // the leader stops itself (exit 75) once it cannot renew its lease: then it answers nothing at all
        eventually(d + " refuses writes while the database is gone", 10, () -> {
          Answer a = answerOrHalted(d, () -> daemons.putText(d, "/api/clusters/ha/kdb/user%3A/app/cut", "1"));
          if (a != null) {
            assertEquals(503, a.status(), a.body());
            assertEquals("UNAVAILABLE", a.i18n(), a.body());
          }
        });
        eventually(d + " marks its reads stale", 10, () -> {
          Answer read = answerOrHalted(d, () -> daemons.get(d, "/api/instances"));
          if (read != null) {
            assertEquals(200, read.status(), read.body());
            assertTrue(read.stale().isPresent(), "X-Clusterd-Stale on " + d);
          }
        });
      }
    } finally {
      pg.start();
    }
    // every daemon reaches the store again, one leads; a leader that could not renew its lease in time stopped
    eventually("the daemons settled after the database came back", 30, () -> {
      for (Daemon d : running) {
        assertTrue(!d.alive() || d.health().map(h -> h.path("cluster").path("storeReachable").asBoolean())
            .orElse(false), d + " reaches the store");
      }
      assertEquals(1, running.stream().filter(Daemon::leads).count(), "one leader");
    });
    // the stopped ones (exit 75) are restarted: the supervisor's part, played here
    for (Daemon d : new ArrayList<>(running)) {
      if (!d.alive()) {
        assertTrue(d.process.waitFor(5, TimeUnit.SECONDS));
        assertEquals(75, d.process.exitValue(), daemons.log(d));
        running.remove(d);
        running.add(daemons.start(d.id));
      }
    }
    for (Daemon d : running) {
      eventually(d + " takes writes again", 20, () -> {
        Answer a = daemons.putText(d, "/api/clusters/ha/kdb/user%3A/app/cut", d.id);
        assertEquals(200, a.status(), a.body());
        assertFalse(a.stale().isPresent());
      });
    }
  }
}

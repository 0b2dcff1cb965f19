package io.clusterd.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The demo mode: twelve stand-in elektrad instances on loopback, on free ports (or on twelve ports from a given
 * one), arranged in clusters nested three levels deep with a few pinned keys. Instances and clusters are created on
 * the first start only; later starts with the same data directory keep what the user changed and point the demo
 * instances that still name a loopback stand-in at the ports of this run. A stand-in can be taken down and brought
 * back (with its key database), so an outage and its repair can be shown; {@link ClusterdServer} serves the
 * {@code /api/demo} routes for that only when it is given a demo.
 *
 * <pre>{@code
 * try (DemoTree demo = DemoTree.startStandIns(OptionalInt.empty());
 *      Clusterd clusterd = Clusterd.builder().transport(new HttpTransportFactory()).build()) {
 *   demo.register(clusterd);
 *   ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0), Optional.of(demo));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class DemoTree implements AutoCloseable {
  private static final String[][] LAYOUT = {
      // instance id, cluster
      {"web-eu-1", "eu-web"}, {"web-eu-2", "eu-web"}, {"web-eu-3", "eu-web"},
      {"db-eu-1", "eu-db"}, {"db-eu-2", "eu-db"},
      {"web-us-1", "us-web"}, {"web-us-2", "us-web"}, {"web-us-3", "us-web"},
      {"db-us-1", "us-db"}, {"db-us-2", "us-db"},
      {"build-1", ""}, {"laptop", ""},
  };

  /** How many stand-ins the demo runs. */
  public static final int SIZE = LAYOUT.length;

  /** One stand-in: its key database outlives the server, so a stand-in brought back has its keys again. */
  private static final class StandIn {
    final KeyDatabase db = new KeyDatabase();
    int port;
    ElektradServer server;
  }

  private final Map<String, StandIn> standIns = new LinkedHashMap<>();

  private DemoTree() { }

  /**
   * Starts the stand-ins on free ports ({@code firstPort} empty) or on {@code firstPort} and the eleven ports after
   * it.
   *
   * @throws IllegalStateException naming the ports when a stand-in cannot listen
   */
  public static DemoTree startStandIns(OptionalInt firstPort) {
    DemoTree demo = new DemoTree();
    try {
      for (int i = 0; i < LAYOUT.length; i++) {
        StandIn s = new StandIn();
        s.server = ElektradServer.start("127.0.0.1", firstPort.isPresent() ? firstPort.getAsInt() + i : 0, s.db);
        s.port = s.server.port();
        demo.standIns.put(LAYOUT[i][0], s);
      }
    } catch (RuntimeException e) {
      demo.close();
      String where = firstPort.isPresent()
          ? "on ports " + firstPort.getAsInt() + "-" + (firstPort.getAsInt() + LAYOUT.length - 1)
              + " (choose others with --demo-ports FROM, or leave it out for free ports)"
          : "on free ports";
      throw new IllegalStateException("cannot start the demo instances " + where + ": " + message(e), e);
    }
    return demo;
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /**
   * Registers the demo tree on the first start; on later starts points each demo instance that still names a
   * loopback stand-in at this run's port. Returns the ids of the instances registered or pointed anew.
   */
  public List<String> register(Clusterd clusterd) {
    if (clusterd.node("global").isEmpty()) {
      build(clusterd);
      return List.copyOf(standIns.keySet());
    }
    List<String> rebound = new ArrayList<>();
    for (Map.Entry<String, StandIn> e : standIns.entrySet()) {
      String id = e.getKey();
      Optional<Instance> instance = clusterd.instances().stream().filter(i -> i.id().equals(id)).findFirst();
      if (instance.isEmpty() || !isLoopbackStandIn(instance.get().endpoint())
          || instance.get().endpoint().equals(Endpoint.parse(url(e.getValue())))) {
        continue;
      }
      // a port of this run may still be registered for another demo instance: that stand-in moves on
      while (registeredElsewhere(clusterd, id, url(e.getValue()))) {
        restart(e.getValue(), 0);
      }
      // committed when apply returns; an endpoint change sends nothing
      clusterd.apply(new Change.UpdateInstance(id, new NodeUpdate(Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.of(url(e.getValue())))));
      rebound.add(id);
    }
    return rebound;
  }

  private static boolean isLoopbackStandIn(Endpoint e) {
    return e.toString().matches("http://127\\.0\\.0\\.1:\\d+");
  }

  private static boolean registeredElsewhere(Clusterd clusterd, String id, String url) {
    Endpoint wanted = Endpoint.parse(url);
    return clusterd.instances().stream().anyMatch(i -> !i.id().equals(id) && i.endpoint().equals(wanted));
  }

  private static String url(StandIn s) {
    return "http://127.0.0.1:" + s.port;
  }

  private void build(Clusterd clusterd) {
    for (String[] row : LAYOUT) {
      String id = row[0];
      if (clusterd.node(id).isEmpty()) {
        clusterd.registerInstance(InstanceSpec.of(id, url(standIns.get(id))).withId(id)
            .withDescription("demo stand-in elektrad"));
      }
    }
    clusterd.createCluster(new ClusterSpec(Optional.of("global"), "Global", "every server", Map.of(),
        Optional.empty(), List.of()));
    clusterd.createCluster(ClusterSpec.of("Europe").withId("eu").withParent("global"));
    clusterd.createCluster(ClusterSpec.of("United States").withId("us").withParent("global"));
    clusterd.createCluster(ClusterSpec.of("EU web").withId("eu-web").withParent("eu"));
    clusterd.createCluster(ClusterSpec.of("EU databases").withId("eu-db").withParent("eu"));
    clusterd.createCluster(ClusterSpec.of("US web").withId("us-web").withParent("us"));
    clusterd.createCluster(ClusterSpec.of("US databases").withId("us-db").withParent("us"));
    for (String[] row : LAYOUT) {
      if (!row[1].isEmpty()) {
        clusterd.attach(row[1], row[0]);
      }
    }
    clusterd.pin("global", KeyName.parse("user:/app/log/level"), "info");
    clusterd.pin("eu", KeyName.parse("user:/app/region"), "eu-central");
    clusterd.pin("us", KeyName.parse("user:/app/region"), "us-east");
    clusterd.pin("eu-web", KeyName.parse("user:/app/http/port"), "8080");
    clusterd.pin("us-web", KeyName.parse("user:/app/http/port"), "80");
    clusterd.pin("eu-db", KeyName.parse("user:/app/db/pool"), "32");
    clusterd.pin("us-db", KeyName.parse("user:/app/db/pool"), "64");
  }

  /** The stand-ins by instance id, with their port and whether they run. */
  public synchronized Map<String, Map<String, Object>> describe() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    standIns.forEach((id, s) -> out.put(id, Map.of("port", s.port, "running", s.server != null)));
    return out;
  }

  /** The port of a stand-in. @throws ClusterdException {@code NOT_FOUND} when {@code id} is no stand-in */
  public synchronized int port(String id) {
    return standIn(id).port;
  }

  /** Whether a stand-in runs. @throws ClusterdException {@code NOT_FOUND} when {@code id} is no stand-in */
  public synchronized boolean running(String id) {
    return standIn(id).server != null;
  }

  /** Takes a stand-in down: its port refuses connections until {@link #start} (idempotent). */
  public synchronized void stop(String id) {
    StandIn s = standIn(id);
    if (s.server != null) {
      s.server.close();
      s.server = null;
    }
  }

  /** Brings a stand-in back on its port with the keys it had (idempotent). */
  public synchronized void start(String id) {
    StandIn s = standIn(id);
    if (s.server == null) {
      try {
        restart(s, s.port);
      } catch (RuntimeException e) {
        throw ClusterdException.of(ErrorCode.UNAVAILABLE, "cannot bring the stand-in '" + id + "' back on port "
            + s.port + ": " + message(e), Map.of("id", id, "port", s.port));
      }
    }
  }

  private static void restart(StandIn s, int port) {
    if (s.server != null) {
      s.server.close();
      s.server = null;
    }
    s.server = ElektradServer.builder().bindHost("127.0.0.1").port(port).mount("", s.db).start();
    s.port = s.server.port();
  }

  private StandIn standIn(String id) {
    StandIn s = standIns.get(id);
    if (s == null) {
      throw ClusterdException.of(ErrorCode.NOT_FOUND, "'" + id + "' is not a demo stand-in; the stand-ins are "
          + String.join(", ", standIns.keySet()), Map.of("id", id));
    }
    return s;
  }

  /** Stops every stand-in. */
  @Override
  public synchronized void close() {
    for (StandIn s : standIns.values()) {
      if (s.server != null) {
        s.server.close();
        s.server = null;
      }
    }
  }
}

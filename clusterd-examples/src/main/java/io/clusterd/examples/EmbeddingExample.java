package io.clusterd.examples;

import io.clusterd.ClusterdException;
import io.clusterd.Cluster;
import io.clusterd.EffectivePin;
import io.clusterd.FanOutResult;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Node;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.Plan;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * clusterd as a plain Java library: a facade built with the builder over the embedded database store and in-memory
 * instances, a three-level tree of clusters, pins at two levels, a refused conflicting write, a cluster write with
 * its per-instance results, and each instance's effective pins with the cluster that locks each.
 *
 * <pre>{@code
 * java -cp clusterd-examples.jar:... io.clusterd.examples.EmbeddingExample [data-dir]
 * }</pre>
 */
public final class EmbeddingExample {
  private EmbeddingExample() { }

  public static void main(String[] args) throws IOException {
    Path dataDir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("clusterd-embedding");
    run(System.out, dataDir);
  }

  /** Runs the example, writing what it does to {@code out}; the registry is kept in {@code dataDir}. */
  static void run(PrintStream out, Path dataDir) {
    MemTransportFactory hosts = new MemTransportFactory();   // in-memory stand-ins for Elektra hosts
    KeyName logLevel = KeyName.parse("user:/app/log/level");
    KeyName port = KeyName.parse("user:/app/http/port");
    KeyName search = KeyName.parse("user:/app/feature/search");

    try (Clusterd clusterd = Clusterd.builder()
        .store(SqliteStore.open(dataDir))                     // durable registry: an embedded database file
        .transport(hosts)                                     // mem://<name> endpoints
        .reconcileEvery(Duration.ZERO)                        // no background reconciler in a short program
        .build()) {

      for (String host : List.of("web-eu-1", "web-eu-2", "db-eu-1", "web-us-1")) {
        clusterd.registerInstance(InstanceSpec.of(host, "mem://" + host).withId(host));
      }
      // three levels: global > eu > eu-web
      clusterd.createCluster(ClusterSpec.of("global").withId("global"));
      clusterd.createCluster(ClusterSpec.of("eu").withId("eu").withParent("global").withMembers(List.of("db-eu-1")));
      clusterd.createCluster(ClusterSpec.of("us").withId("us").withParent("global").withMembers(List.of("web-us-1")));
      clusterd.createCluster(ClusterSpec.of("eu-web").withId("eu-web").withParent("eu")
          .withMembers(List.of("web-eu-1", "web-eu-2")));
      out.println("tree:");
      clusterd.forest().forEach(n -> print(out, n, "  "));

      // pins at two levels; each is stored durably, then sent to every instance below the cluster
      summary(out, "pin global " + logLevel + " = warn", clusterd.pin("global", logLevel, "warn"));
      summary(out, "pin eu-web " + port + " = 8080", clusterd.pin("eu-web", port, "8080"));

      // a write that conflicts with a pin is refused before anything is sent
      try {
        clusterd.setInstanceKey("web-eu-1", port, "9090");
      } catch (ClusterdException e) {
        out.println("refused: set " + port + " = 9090 on web-eu-1: " + e.code()
            + ", locked by " + e.details().get("lockedBy"));
      }
      // a dry run tells the same without trying: eu cannot pin what eu-web, below it, pins already
      Plan plan = clusterd.plan(new Change.WriteCluster("eu", KeyOperation.set(port, "9090"), false));
      out.println("plan: pin eu " + port + " = 9090: " + plan.conflicts().stream()
          .map(c -> c.code() + " " + c.details().get("clusters")).collect(Collectors.joining(", ")));

      // a cluster write reaches every instance below eu, at any depth
      FanOutResult write = clusterd.pin("eu", search, "on");
      out.println("cluster write: pin eu " + search + " = on -> " + write.status());
      write.results().stream().sorted(Comparator.comparing(InstanceOutcome::instance)).forEach(r ->
          out.println("  " + r.instance() + " " + r.host() + " " + r.status()));

      out.println("effective pins:");
      for (Instance i : clusterd.instances()) {
        out.println("  " + i.id() + ":");
        for (EffectivePin p : clusterd.effectivePins(i.id())) {
          out.println("    " + p.key() + " = " + p.pin().value() + " (locked by " + p.lockedBy() + ")");
        }
      }
      out.println("host web-eu-1 holds " + port + " = " + hosts.database("web-eu-1").get(port).orElseThrow().value());
    }

    // the registry outlives the program: open the same directory again
    try (Clusterd reopened = Clusterd.builder().store(SqliteStore.open(dataDir)).transport(hosts)
        .reconcileEvery(Duration.ZERO).build()) {
      out.println("after reopening: " + reopened.clusters().size() + " clusters, " + reopened.instances().size()
          + " instances, " + reopened.effectivePins("web-eu-2").size() + " pins in force on web-eu-2");
    }
  }

  private static void summary(PrintStream out, String what, FanOutResult r) {
    out.println(what + " -> " + r.status() + " (" + r.summary().succeeded() + " of " + r.summary().total()
        + " instances)");
  }

  private static void print(PrintStream out, Node node, String indent) {
    if (node instanceof Cluster c) {
      out.println(indent + c.id());
      c.children().stream().sorted(Comparator.comparing(Node::id)).forEach(n -> print(out, n, indent + "  "));
    } else if (node instanceof Instance i) {
      out.println(indent + i.id() + " (" + i.endpoint() + ")");
    }
  }
}

package io.clusterd.examples.bench;

import io.clusterd.Cluster;
import io.clusterd.Endpoint;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.clusterd.core.Plan;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Conflict checks on a generated tree of 100,000 instances in 10,000 clusters, depth 8, with 10,000 pinned keys.
 * Each check is a dry run ({@link Clusterd#plan}) so it measures exactly what a request pays before anything is
 * stored. The baseline row plans the cheapest change (renaming an instance), measured in the same run.
 */
final class RegistryBenchmark {
  static final int CLUSTERS = 10_000;
  static final int INSTANCES = 100_000;
  static final int DEPTH = 8;

  private RegistryBenchmark() { }

  /** The generated tree as one store batch: parents first. */
  static StoreChanges tree() {
    StoreChanges.Builder b = StoreChanges.builder();
    List<String> clusters = new ArrayList<>();
    List<Integer> depth = new ArrayList<>();
    clusters.add("c0");
    depth.add(0);
    b.putNode(new NodeRecord(Cluster.of("c0", "root"), Optional.empty()));
    // breadth-first, four children per cluster, so levels fill up to depth 8 (0..7)
    for (int parent = 0; clusters.size() < CLUSTERS; parent++) {
      for (int k = 0; k < 4 && clusters.size() < CLUSTERS; k++) {
        if (depth.get(parent) >= DEPTH - 1) {
          throw new IllegalStateException("tree deeper than " + DEPTH);
        }
        String id = "c" + clusters.size();
        clusters.add(id);
        depth.add(depth.get(parent) + 1);
        b.putNode(new NodeRecord(Cluster.of(id, "cluster " + id), Optional.of(clusters.get(parent))));
      }
    }
    for (int i = 0; i < INSTANCES; i++) {
      String cluster = clusters.get(i % CLUSTERS);
      String id = "i" + i;
      b.putNode(new NodeRecord(Instance.of(id, "host " + i,
          Endpoint.parse("http://10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":33333")),
          Optional.of(cluster)));
    }
    for (int c = 0; c < CLUSTERS; c++) {
      b.putPin("c" + c, Pin.of(KeyName.parse("user:/app/c" + c + "/setting"), "v" + c));
    }
    return b.build();
  }

  static void run(PrintStream out) throws Exception {
    out.println("== registry: " + INSTANCES + " instances, " + CLUSTERS + " clusters, depth " + DEPTH + ", "
        + CLUSTERS + " pins ==");
    StoreChanges tree = tree();
    Path dir = Files.createTempDirectory("clusterd-bench");
    long t0 = System.nanoTime();
    try (SqliteStore sqlite = SqliteStore.open(dir)) {
      sqlite.apply(tree);
    }
    double writeS = (System.nanoTime() - t0) / 1e9;

    System.gc();
    long heapBefore = usedHeap();
    MemoryStore memory = new MemoryStore();
    memory.apply(tree);
    Clusterd clusterd = build(memory);
    tree = null;
    System.gc();
    long heapAfter = usedHeap();
    Random random = new Random(42);

    // deep instances: those in the last clusters (depth 7) see 8 ancestors
    String deep = "i" + (CLUSTERS - 1);
    Samples baseline = measure(20_000, () -> clusterd.plan(new Change.UpdateInstance("i" + random.nextInt(INSTANCES),
        io.clusterd.core.NodeUpdate.rename("renamed"))));
    Samples c1 = measure(20_000, () -> {
      int n = CLUSTERS - 1 - random.nextInt(4000);
      Plan p = clusterd.plan(new Change.WriteInstance("i" + n,
          KeyOperation.set(KeyName.parse("user:/app/c" + random.nextInt(CLUSTERS) + "/setting"), "x")));
      return p;
    });
    Samples c1locked = measure(5_000, () -> clusterd.plan(new Change.WriteInstance(deep,
        KeyOperation.set(KeyName.parse("user:/app/c0/setting"), "x"))));
    Samples c23 = measure(5_000, () -> clusterd.plan(new Change.WriteCluster("c" + (1 + random.nextInt(300)),
        KeyOperation.set(KeyName.parse("user:/app/c" + random.nextInt(CLUSTERS) + "/setting"), "x"), false)));

    // a separate 1,000-instance subtree (100 clusters of 10) attached under a depth-5 cluster
    StoreChanges.Builder extra = StoreChanges.builder();
    extra.putNode(new NodeRecord(Cluster.of("sub", "subtree"), Optional.empty()));
    for (int c = 0; c < 100; c++) {
      extra.putNode(new NodeRecord(Cluster.of("sub" + c, "sub " + c), Optional.of("sub")));
      extra.putPin("sub" + c, Pin.of(KeyName.parse("user:/sub/c" + c), "s"));
      for (int i = 0; i < 10; i++) {
        int n = INSTANCES + c * 10 + i;
        extra.putNode(new NodeRecord(Instance.of("i" + n, "host " + n,
            Endpoint.parse("http://11." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255) + ":33333")),
            Optional.of("sub" + c)));
      }
    }
    clusterd.close();
    memory = new MemoryStore();
    memory.apply(tree());
    memory.apply(extra.build());
    Clusterd withSub = build(memory);
    Samples attach = measure(200, () -> withSub.plan(new Change.Attach("c" + (1365 + random.nextInt(1000)), "sub", false)));
    Samples targets = measure(50, () -> withSub.targets("c0"));
    withSub.close();

    long r0 = System.nanoTime();
    try (Clusterd reopened = build(SqliteStore.open(dir))) {
      if (reopened.instances().size() != INSTANCES) {
        throw new IllegalStateException("reopen lost instances");
      }
    }
    double reopenS = (System.nanoTime() - r0) / 1e9;

    out.printf("%-44s %10s %10s %8s%n", "operation", "p50", "p99", "target");
    row(out, "baseline: plan a rename of an instance", baseline, "");
    row(out, "C1 check: key write on an instance", c1, "< 20 us");
    row(out, "C1 check: write refused (locked at root)", c1locked, "");
    row(out, "C2+C3 check: cluster pin", c23, "");
    row(out, "C4-C6 check: attach 1,000-instance subtree", attach, "< 20 ms");
    row(out, "resolve targets of the root (100k)", targets, "");
    out.printf("C1 p50 / baseline p50 ratio: %.2f%n", c1.percentileMicros(50) / baseline.percentileMicros(50));
    out.printf("registry heap: %.1f MB (target < 300 MB)%n", (heapAfter - heapBefore) / 1e6);
    out.printf("store: first write of the tree %.2f s, reopen (load + rebuild) %.2f s (target < 3 s)%n", writeS,
        reopenS);
    out.println();
  }

  private static Clusterd build(RegistryStore store) {
    return Clusterd.builder().store(store).reconcileEvery(Duration.ZERO).build();
  }

  private static void row(PrintStream out, String name, Samples s, String target) {
    out.printf("%-44s %8.1fus %8.1fus %8s%n", name, s.percentileMicros(50), s.percentileMicros(99), target);
  }

  private static Samples measure(int n, java.util.function.Supplier<?> op) {
    for (int i = 0; i < Math.min(n, 2000); i++) {
      op.get(); // warm-up
    }
    Samples s = new Samples();
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      op.get();
      s.add(System.nanoTime() - t);
    }
    return s;
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}

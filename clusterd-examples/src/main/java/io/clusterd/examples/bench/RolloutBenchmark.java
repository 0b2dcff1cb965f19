package io.clusterd.examples.bench;

import io.clusterd.FanOutResult;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.Rollout;
import io.clusterd.core.RolloutPlan;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A rollout of one key to 1,000 instances (one stand-in elektrad, a base path per instance, in 4 sub-clusters)
 * in 4 waves of 25 % with {@code verify}, through the real HTTP transport and the SQLite store, against the
 * baseline measured in the same run: one fan-out of the same write to all 1,000 instances followed by reading the
 * key back from each of them. The target is a rollout under 4 times the baseline.
 */
final class RolloutBenchmark {
  private static final int N = 1000;
  private static final int ROUNDS = 7;

  private RolloutBenchmark() { }

  static void run(PrintStream out) throws Exception {
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
    for (int i = 0; i < N; i++) {
      b.mount("/i/" + i, new KeyDatabase());
    }
    ElektradServer server = b.start();
    var dir = Files.createTempDirectory("clusterd-rollout");
    try (Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir))
        .discoverTransports(RolloutBenchmark.class.getClassLoader()).reconcileEvery(Duration.ZERO)
        .rolloutTick(Duration.ZERO).build()) {
      clusterd.createCluster(ClusterSpec.of("bench").withId("bench"));
      for (int z = 0; z < 4; z++) {
        List<String> members = new ArrayList<>();
        for (int i = z; i < N; i += 4) {
          clusterd.registerInstance(InstanceSpec.of("i" + i, server.url("/i/" + i).toString()).withId("i" + i));
          members.add("i" + i);
        }
        clusterd.createCluster(ClusterSpec.of("zone " + z).withId("zone-" + z).withParent("bench")
            .withMembers(members));
      }
      KeyName key = KeyName.parse("user:/bench/value");
      List<Instance> targets = clusterd.targets("bench");
      // warm-up: the JIT compiles the paths of both before anything is measured
      for (int w = 0; w < 3; w++) {
        fanOutAndReadBack(clusterd, targets, key, "warm-" + w);
        rollout(clusterd, key, "warm-rollout-" + w, w);
      }
      Samples baseline = new Samples();
      Samples rollouts = new Samples();
      for (int r = 0; r < ROUNDS; r++) {
        baseline.add(fanOutAndReadBack(clusterd, targets, key, "base-" + r));
        rollouts.add(rollout(clusterd, key, "rollout-" + r, 100 + r));
      }
      out.println("== rollout: one key to 1,000 instances in 4 waves with verify (HTTP, SQLite store) ==");
      out.printf("%-44s %10s %10s%n", "what", "p50(ms)", "p99(ms)");
      out.printf("%-44s %10.1f %10.1f%n", "single-wave fan-out + read-back (baseline)", baseline.p50Millis(),
          baseline.p99Millis());
      out.printf("%-44s %10.1f %10.1f%n", "rollout, 4 waves of 25 %, verify", rollouts.p50Millis(),
          rollouts.p99Millis());
      double ratio = rollouts.p50Millis() / baseline.p50Millis();
      out.printf("rollout / baseline p50: %.2fx (target < 4x: %s)%n", ratio, ratio < 4 ? "met" : "MISSED");
      out.println();
    } finally {
      server.close();
    }
  }

  /** The baseline: one fan-out to every instance, then the key read back from each; nanoseconds. */
  private static long fanOutAndReadBack(Clusterd clusterd, List<Instance> targets, KeyName key, String value) {
    long t = System.nanoTime();
    FanOutResult r = clusterd.pin("bench", key, value);
    if (r.status() != 200) {
      throw new IllegalStateException("fan-out failed: " + r.summary());
    }
    List<CompletableFuture<LookupResult>> reads = new ArrayList<>(targets.size());
    for (Instance i : targets) {
      reads.add(clusterd.lookup(i.id(), key, 0));
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).join();
    for (CompletableFuture<LookupResult> read : reads) {
      if (!read.join().value().equals(value)) {
        throw new IllegalStateException("read back " + read.join().value() + ", expected " + value);
      }
    }
    return System.nanoTime() - t;
  }

  /** A rollout of the same write in 4 waves of 25 % with verify, until it completed; nanoseconds. */
  private static long rollout(Clusterd clusterd, KeyName key, String value, int n) throws InterruptedException {
    RolloutPlan plan = RolloutPlan.of(List.of(new RolloutPlan.Share(25), new RolloutPlan.Share(50),
        new RolloutPlan.Share(75), new RolloutPlan.Share(100))).withVerify(true);
    String id = "bench-" + n;
    long t = System.nanoTime();
    clusterd.startRollout(new Change.StartRollout(new Change.WriteCluster("bench", KeyOperation.set(key, value),
        false), plan, Optional.of(id)), Optional.empty());
    while (true) {
      Rollout.State s = clusterd.rollout(id).state();
      if (s == Rollout.State.COMPLETED) {
        return System.nanoTime() - t;
      }
      if (s != Rollout.State.RUNNING) {
        throw new IllegalStateException("rollout " + id + " is " + s + ": " + clusterd.rollout(id));
      }
      Thread.sleep(0, 200_000);
    }
  }
}

package io.clusterd.examples.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Runs the benchmarks and prints their tables: {@code registry} (conflict checks on a 100,000-instance tree,
 * heap, store reopen), {@code fanout} (cluster writes to 1..1000 instances against sequential dispatch and a
 * single instance), {@code proxy} (reads through the daemon against direct reads), {@code writes} (instance
 * writes checked against the host's metadata against unchecked and direct writes), {@code rollout} (a rollout in 4
 * waves with verify against one fan-out with read-back), {@code events} (live events over HTTP at 500 writes/s
 * against the writes alone), {@code daemon} (the jar as a
 * child process: start-up, bulk registration, memory, launcher settings against JVM defaults). No argument runs
 * all.
 */
public final class Benchmarks {
  private Benchmarks() { }

  public static void main(String[] args) throws Exception {
    // one access-log line per request would measure the console, not clusterd
    System.setProperty("org.slf4j.simpleLogger.log.io.clusterd.access", "warn");
    if (args.length == 3 && args[0].equals("fanout-one")) {
      FanOutBenchmark.warmUp();
      var r = FanOutBenchmark.measure(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
          Integer.getInteger("bench.inflight", 256), 30);
      int n = Integer.parseInt(args[1]);
      int d = Integer.parseInt(args[2]);
      System.out.printf("N=%d d=%dms p50 %.1f ms p99 %.1f ms, %.0f instance-writes/s, cpu/write %.0f us, limit %.1f ms,"
          + " p50/limit %.2f%n", n, d, r.latency().p50Millis(), r.latency().p99Millis(), r.writesPerSecond(),
          r.cpuMicrosPerWrite(), r.limitMillis(n, d), r.latency().p50Millis() / r.limitMillis(n, d));
      return;
    }
    List<String> which = args.length == 0
        ? List.of("registry", "fanout", "proxy", "writes", "rollout", "events", "daemon") : Arrays.asList(args);
    for (String b : which) {
      switch (b) {
        case "registry" -> RegistryBenchmark.run(System.out);
        case "fanout" -> FanOutBenchmark.run(System.out);
        case "proxy" -> ProxyBenchmark.run(System.out);
        case "writes" -> WriteBenchmark.run(System.out);
        case "rollout" -> RolloutBenchmark.run(System.out);
        case "events" -> EventsBenchmark.run(System.out);
        case "daemon" -> DaemonBenchmark.run(System.out);
        case "exchanges" -> FanOutBenchmark.exchanges(System.out);
        case "ha" -> SeveralDaemonsBenchmark.run(System.out);
        default -> throw new IllegalArgumentException("unknown benchmark '" + b
            + "': registry, fanout, proxy, writes, rollout, events, daemon, exchanges or ha");
      }
    }
  }
}

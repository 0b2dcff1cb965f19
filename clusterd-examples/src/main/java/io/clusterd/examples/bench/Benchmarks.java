package io.clusterd.examples.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Runs the benchmarks and prints their tables: {@code registry} (conflict checks on a 100,000-instance tree,
 * heap, store reopen), {@code fanout} (cluster writes to 1..1000 instances against sequential dispatch and a
 * single instance), {@code proxy} (reads through the daemon against direct reads). No argument runs all.
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
      System.out.printf("N=%s d=%sms p50 %.1f ms p99 %.1f ms, %.0f instance-writes/s%n", args[1], args[2],
          r.latency().p50Millis(), r.latency().p99Millis(), r.writesPerSecond());
      return;
    }
    List<String> which = args.length == 0 ? List.of("registry", "fanout", "proxy") : Arrays.asList(args);
    for (String b : which) {
      switch (b) {
        case "registry" -> RegistryBenchmark.run(System.out);
        case "fanout" -> FanOutBenchmark.run(System.out);
        case "proxy" -> ProxyBenchmark.run(System.out);
        case "ha" -> SeveralDaemonsBenchmark.run(System.out);
        default -> throw new IllegalArgumentException("unknown benchmark '" + b + "': registry, fanout, proxy or ha");
      }
    }
  }
}

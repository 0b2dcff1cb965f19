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
    List<String> which = args.length == 0 ? List.of("registry", "fanout", "proxy") : Arrays.asList(args);
    for (String b : which) {
      switch (b) {
        case "registry" -> RegistryBenchmark.run(System.out);
        case "fanout" -> FanOutBenchmark.run(System.out);
        case "proxy" -> ProxyBenchmark.run(System.out);
        default -> throw new IllegalArgumentException("unknown benchmark '" + b + "': registry, fanout or proxy");
      }
    }
  }
}

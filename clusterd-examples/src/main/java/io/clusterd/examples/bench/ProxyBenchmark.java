package io.clusterd.examples.bench;

import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import io.clusterd.KeyName;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Single-instance reads proxied by the daemon ({@code GET /api/instances/{id}/kdb/...}) against the same reads
 * sent directly to the stand-in elektrad, in one run, at concurrency 1 and 32.
 */
final class ProxyBenchmark {
  private ProxyBenchmark() { }

  record Result(Samples latency, double rps) { }

  static void run(PrintStream out) throws Exception {
    out.println("== proxy: reads through the daemon vs direct to the instance ==");
    KeyDatabase db = new KeyDatabase();
    db.set(KeyName.parse("user:/app/port"), "8080");
    ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, db);
    try (Clusterd clusterd = Clusterd.builder().discoverTransports(ProxyBenchmark.class.getClassLoader())
        .reconcileEvery(Duration.ZERO).build();
        ClusterdServer daemon = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      clusterd.registerInstance(InstanceSpec.of("web", elektrad.url().toString()).withId("web"));
      String direct = elektrad.url() + "/kdb/user:/app/port";
      String proxied = daemon.url() + "/api/instances/web/kdb/user%3A/app/port";
      out.printf("%12s %9s %10s %10s %10s %14s%n", "concurrency", "path", "p50(ms)", "p99(ms)", "req/s",
          "added p50(ms)");
      for (int c : new int[] {1, 32}) {
        int requests = c == 1 ? 3_000 : 20_000;
        load(direct, c, 1_000); // warm-up both paths
        load(proxied, c, 1_000);
        Result d = load(direct, c, requests);
        Result p = load(proxied, c, requests);
        out.printf("%12d %9s %10.3f %10.3f %10.0f%n", c, "direct", d.latency.p50Millis(), d.latency.p99Millis(), d.rps);
        out.printf("%12d %9s %10.3f %10.3f %10.0f %14.3f%n", c, "daemon", p.latency.p50Millis(),
            p.latency.p99Millis(), p.rps, p.latency.p50Millis() - d.latency.p50Millis());
        out.printf("%12d %9s throughput ratio daemon/direct %.2f (target >= 0.6 at 32)%n", c, "", p.rps / d.rps);
      }
    } finally {
      elektrad.close();
    }
    out.println();
  }

  static Result load(String url, int concurrency, int requests) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    int each = requests / concurrency;
    List<Future<Samples>> parts = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < concurrency; t++) {
      parts.add(pool.submit(() -> {
        Samples s = new Samples();
        for (int i = 0; i < each; i++) {
          long t0 = System.nanoTime();
          HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
          s.add(System.nanoTime() - t0);
          if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode());
          }
        }
        return s;
      }));
    }
    Samples all = new Samples();
    for (Future<Samples> f : parts) {
      all.addAll(f.get());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return new Result(all, each * concurrency / seconds);
  }
}

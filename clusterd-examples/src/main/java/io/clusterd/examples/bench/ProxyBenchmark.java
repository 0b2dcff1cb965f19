package io.clusterd.examples.bench;

import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import io.javalin.Javalin;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Single-instance reads proxied by the daemon ({@code GET /api/instances/{id}/kdb/...}) against the same reads
 * sent directly to the stand-in elektrad, in one run, at concurrency 1 and 32.
 *
 * <p>Load generator, daemon and stand-in share the machine's CPUs, so a round's throughput depends on what else
 * the machine does in that second: after a warm-up (until the JIT has compiled the paths), direct and proxied
 * rounds alternate and the table shows the median round of each; latencies are over all rounds. A third path,
 * the floor, is the least any proxy built on the same stack (Javalin, JDK HttpClient) costs.
 */
final class ProxyBenchmark {
  private static final int ROUNDS = 5;
  private static final int WARM_UP_ROUNDS = 3;

  private ProxyBenchmark() { }

  /** Latencies, requests per second and CPU time (all threads of this process) per request in microseconds. */
  record Result(Samples latency, double rps, double cpuMicros) { }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  static void run(PrintStream out) throws Exception {
    out.println("== proxy: reads through the daemon vs direct to the instance ==");
    KeyDatabase db = new KeyDatabase();
    db.set(KeyName.parse("user:/app/port"), "8080");
    ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, db);
    Javalin floor = minimalProxy(elektrad.url().toString());
    try (Clusterd clusterd = Clusterd.builder().discoverTransports(ProxyBenchmark.class.getClassLoader())
        .reconcileEvery(Duration.ZERO).build();
        ClusterdServer daemon = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      clusterd.registerInstance(InstanceSpec.of("web", elektrad.url().toString()).withId("web"));
      List<String> names = List.of("direct", "daemon", "floor");
      List<String> urls = List.of(elektrad.url() + "/kdb/user:/app/port",
          daemon.url() + "/api/instances/web/kdb/user%3A/app/port",
          "http://127.0.0.1:" + floor.port() + "/kdb/user:/app/port");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      out.printf("%12s %9s %10s %10s %10s %12s %14s %8s%n", "concurrency", "path", "p50(ms)", "p99(ms)", "req/s",
          "cpu/req(us)", "added p50(ms)", "ratio");
      for (int c : new int[] {1, 32}) {
        int requests = c == 1 ? 2_000 : 10_000;
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
          for (String url : urls) {
            load(http, url, c, requests);
          }
        }
        List<Samples> latency = new ArrayList<>();
        double[][] rps = new double[urls.size()][ROUNDS];
        double[][] cpu = new double[urls.size()][ROUNDS];
        for (int u = 0; u < urls.size(); u++) {
          latency.add(new Samples());
        }
        for (int i = 0; i < ROUNDS; i++) {
          for (int u = 0; u < urls.size(); u++) {
            Result r = load(http, urls.get(u), c, requests);
            latency.get(u).addAll(r.latency);
            rps[u][i] = r.rps;
            cpu[u][i] = r.cpuMicros;
          }
        }
        for (int u = 0; u < urls.size(); u++) {
          Samples l = latency.get(u);
          out.printf("%12d %9s %10.3f %10.3f %10.0f %12.0f", c, names.get(u), l.p50Millis(), l.p99Millis(),
              median(rps[u]), median(cpu[u]));
          if (u > 0) {
            out.printf(" %14.3f %8.2f", l.p50Millis() - latency.get(0).p50Millis(), median(rps[u]) / median(rps[0]));
          }
          out.println();
        }
      }
    } finally {
      floor.stop();
      elektrad.close();
    }
    out.printf("(median of %d alternating rounds after %d warm-up rounds; latencies over all rounds. ratio:"
        + " throughput against direct, target >= 0.6 at 32 for the daemon. cpu/req: CPU time of this process per"
        + " request, i.e. load generator + stand-in (+ proxy). floor: the least a proxy on the same stack does,"
        + " a Javalin route forwarding with a blocking JDK HttpClient call, no auth, routing or JSON)%n%n",
        ROUNDS, WARM_UP_ROUNDS);
  }

  /** The floor of the stack: a Javalin route that forwards every GET to {@code target} and returns its body. */
  private static Javalin minimalProxy(String target) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run).build();
    return Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.routes.get("/*", ctx -> {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(target + ctx.path())).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        ctx.status(r.statusCode()).contentType("application/json").result(r.body());
      });
    }).start("127.0.0.1", 0);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static Result load(HttpClient http, String url, int concurrency, int requests) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    int each = requests / concurrency;
    List<Future<Samples>> parts = new ArrayList<>();
    long cpu = OS.getProcessCpuTime();
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
    double cpuMicros = (OS.getProcessCpuTime() - cpu) / 1e3 / (each * concurrency);
    pool.shutdown();
    return new Result(all, each * concurrency / seconds, cpuMicros);
  }
}

package io.clusterd.examples.bench;

import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
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
import java.util.function.IntFunction;

/**
 * What the checks of unlocked instance keys cost a write: a value set through the daemon reads the key and its
 * {@code spec:/} key from the instance before it sends the set ({@code checked}); a metadata entry outside
 * {@code check/} is sent without reading anything ({@code unchecked}, the same route machinery, history and
 * dispatch); {@code direct} is the set sent to the stand-in elektrad itself. One run, alternating rounds.
 */
final class WriteBenchmark {
  private static final int ROUNDS = 5;
  private static final int WARM_UP_ROUNDS = 2;

  private WriteBenchmark() { }

  static void run(PrintStream out) throws Exception {
    out.println("== instance writes: checked against the host's metadata vs unchecked vs direct ==");
    KeyDatabase db = new KeyDatabase();
    KeyName spec = KeyName.parse("spec:/app/port");
    db.set(spec, "");
    db.setMeta(spec, "check/type", "long");
    db.setMeta(spec, "check/range", "1-65535");
    ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, db);
    try (Clusterd clusterd = Clusterd.builder().discoverTransports(WriteBenchmark.class.getClassLoader())
        .reconcileEvery(Duration.ZERO).build();
        ClusterdServer daemon = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      clusterd.registerInstance(InstanceSpec.of("web", elektrad.url().toString()).withId("web"));
      List<String> names = List.of("direct", "unchecked", "checked");
      List<IntFunction<HttpRequest>> requests = List.of(
          i -> HttpRequest.newBuilder(URI.create(elektrad.url() + "/kdb/user:/app/port"))
              .PUT(HttpRequest.BodyPublishers.ofString("\"" + (1 + i % 60_000) + "\"")).build(),
          i -> HttpRequest.newBuilder(URI.create(daemon.url() + "/api/instances/web/kdbMeta/user%3A/app/port"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"description\",\"value\":\"v" + i + "\"}")).build(),
          i -> HttpRequest.newBuilder(URI.create(daemon.url() + "/api/instances/web/kdb/user%3A/app/port"))
              .header("Content-Type", "text/plain")
              .PUT(HttpRequest.BodyPublishers.ofString(String.valueOf(1 + i % 60_000))).build());
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      out.printf("%12s %10s %10s %10s %10s %14s %8s%n", "concurrency", "path", "p50(ms)", "p99(ms)", "req/s",
          "added p50(ms)", "ratio");
      for (int c : new int[] {1, 8}) {
        int n = c == 1 ? 1_000 : 4_000;
        for (int w = 0; w < WARM_UP_ROUNDS; w++) {
          for (IntFunction<HttpRequest> r : requests) {
            load(http, r, c, n);
          }
        }
        List<Samples> latency = new ArrayList<>();
        double[][] rps = new double[requests.size()][ROUNDS];
        requests.forEach(r -> latency.add(new Samples()));
        for (int round = 0; round < ROUNDS; round++) {
          for (int p = 0; p < requests.size(); p++) {
            Samples s = new Samples();
            rps[p][round] = load(http, requests.get(p), c, n, s);
            latency.get(p).addAll(s);
          }
        }
        for (int p = 0; p < requests.size(); p++) {
          out.printf("%12d %10s %10.3f %10.3f %10.0f", c, names.get(p), latency.get(p).p50Millis(),
              latency.get(p).p99Millis(), median(rps[p]));
          if (p == 2) {
            out.printf(" %14.3f %8.2f", latency.get(2).p50Millis() - latency.get(1).p50Millis(),
                median(rps[2]) / median(rps[1]));
          }
          out.println();
        }
      }
    } finally {
      elektrad.close();
    }
    out.printf("(median of %d alternating rounds after %d warm-up rounds. added p50 and ratio: checked against"
        + " unchecked, i.e. the two reads of the key's and its spec:/ key's metadata before the set)%n%n",
        ROUNDS, WARM_UP_ROUNDS);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static void load(HttpClient http, IntFunction<HttpRequest> request, int concurrency, int n)
      throws Exception {
    load(http, request, concurrency, n, new Samples());
  }

  /** Sends {@code n} requests from {@code concurrency} threads; returns requests per second. */
  private static double load(HttpClient http, IntFunction<HttpRequest> request, int concurrency, int n,
      Samples into) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    int each = n / concurrency;
    List<Future<Samples>> parts = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < concurrency; t++) {
      int base = t * each;
      parts.add(pool.submit(() -> {
        Samples s = new Samples();
        for (int i = 0; i < each; i++) {
          HttpRequest req = request.apply(base + i);
          long t0 = System.nanoTime();
          HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
          s.add(System.nanoTime() - t0);
          if (r.statusCode() >= 300) {
            throw new IllegalStateException(req.uri() + " answered " + r.statusCode());
          }
        }
        return s;
      }));
    }
    for (Future<Samples> f : parts) {
      into.addAll(f.get());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return each * concurrency / seconds;
  }
}

package io.clusterd.examples.bench;

import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon jar as a child process, the way a user runs it: from {@code java -jar} to the first answered
 * {@code /api/health} with an empty data directory and with a store of 11,000 instances, registration of 1,000
 * instances one request each against 10,000 in one bulk request, and the resident memory (RSS) and heap (live,
 * after a full collection) of the daemon after 1,000-instance cluster writes. Each figure is measured with the
 * launcher's JVM settings ({@code ./clusterd}) and with the JVM's defaults in the same run, in alternating rounds.
 * The jar is {@code clusterd-http/target/clusterd.jar} (or {@code -Dbench.jar=...}); its class-data archive, when
 * the launcher wrote one, is used for the launcher's rows.
 */
final class DaemonBenchmark {
  /** The settings of the {@code ./clusterd} launcher (keep equal to it). */
  static final List<String> LAUNCHER = List.of("-XX:+UseSerialGC", "-Xmx96m", "-XX:MaxMetaspaceSize=128m",
      "-Xss512k", "-XX:ReservedCodeCacheSize=64m");
  private static final int FAN_OUT = 1000;
  private static final int BULK = 10_000;

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private DaemonBenchmark() { }

  record Figures(long startEmptyMs, long singlesMs, double fanOutP50Ms, long rssMb, long heapMb, long bulkMs,
      long startStoreMs) { }

  static void run(PrintStream out) throws Exception {
    Path jar = Path.of(System.getProperty("bench.jar", "clusterd-http/target/clusterd.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with mvn -B -q package -DskipTests");
    }
    Path jsa = Path.of(jar.toString().replaceAll("\\.jar$", ".jsa"));
    List<String> launcher = new ArrayList<>(LAUNCHER);
    if (Files.isRegularFile(jsa)) {
      launcher.add("-XX:SharedArchiveFile=" + jsa);
      launcher.add("-Xlog:cds=off");
    }
    int rounds = Integer.getInteger("bench.rounds", 2);
    out.println("== the daemon as a child process (java -jar), launcher settings against JVM defaults ==");
    out.println("launcher: " + String.join(" ", launcher));
    out.printf("%-9s %5s %11s %13s %11s %8s %8s %11s %13s%n", "settings", "round", "start(ms)", "1000x1 (ms)",
        "fan p50", "RSS(MB)", "heap(MB)", "bulk 10k", "start 11k(ms)");
    ElektradServer hosts = standIns();
    try {
      List<Figures> mine = new ArrayList<>();
      List<Figures> defaults = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        // alternating: each pair of rows ran under the same load
        Figures d = measure(jar, List.of(), hosts);
        print(out, "defaults", r, d);
        defaults.add(d);
        Figures m = measure(jar, launcher, hosts);
        print(out, "launcher", r, m);
        mine.add(m);
      }
      out.println("ratios launcher/defaults per round (start, RSS, bulk):");
      for (int r = 0; r < rounds; r++) {
        Figures m = mine.get(r);
        Figures d = defaults.get(r);
        out.printf("  round %d: start %.2f, start with store %.2f, RSS %.2f; bulk 10k vs 1000 singles: %.2fx the"
            + " instances in %.2f of the time%n", r, (double) m.startEmptyMs / d.startEmptyMs,
            (double) m.startStoreMs / d.startStoreMs, (double) m.rssMb / d.rssMb, BULK / 1000.0,
            (double) m.bulkMs / m.singlesMs);
      }
      out.println("(start: from process start to the first 200 of /api/health; each daemon's first seconds are its"
          + " own warm-up, nothing is excluded; heap: used after a full GC, via jcmd)");
      out.println();
    } finally {
      hosts.close();
    }
  }

  private static void print(PrintStream out, String what, int round, Figures f) {
    out.printf("%-9s %5d %11d %13d %11.1f %8d %8d %11d %13d%n", what, round, f.startEmptyMs, f.singlesMs,
        f.fanOutP50Ms, f.rssMb, f.heapMb, f.bulkMs, f.startStoreMs);
  }

  private static ElektradServer standIns() {
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
    for (int i = 0; i < FAN_OUT; i++) {
      b.mount("/i/" + i, new KeyDatabase());
    }
    return b.start();
  }

  private static Figures measure(Path jar, List<String> jvm, ElektradServer hosts) throws Exception {
    Path data = Files.createTempDirectory("clusterd-daemon-bench");
    Daemon d = Daemon.start(jar, jvm, data);
    long startEmpty;
    long singles;
    double fanOut;
    long rss;
    long heap;
    long bulk;
    try {
      startEmpty = d.startMillis;
      long t = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < FAN_OUT; i++) {
        d.send("POST", "/api/instances", "{\"id\":\"i" + i + "\",\"name\":\"i" + i + "\",\"host\":\""
            + hosts.url("/i/" + i) + "\"}", 201);
        ids.add("\"i" + i + "\"");
      }
      singles = (System.nanoTime() - t) / 1_000_000;
      d.send("POST", "/api/clusters", "{\"id\":\"bench\",\"name\":\"bench\",\"instances\":[" + String.join(",", ids)
          + "]}", 201);
      Samples s = new Samples();
      for (int w = 0; w < 12; w++) {
        long w0 = System.nanoTime();
        d.send("PUT", "/api/clusters/bench/kdb/user%3A/bench/value", "\"v" + w + "\"", 200);
        if (w >= 2) {
          s.add(System.nanoTime() - w0); // the first two are the daemon's warm-up
        }
      }
      fanOut = s.p50Millis();
      heap = d.liveHeapMb();
      rss = d.rssMb();
      StringBuilder body = new StringBuilder("[");
      for (int i = 0; i < BULK; i++) {
        body.append(i == 0 ? "" : ",").append("{\"id\":\"b").append(i).append("\",\"name\":\"b").append(i)
            .append("\",\"host\":\"http://127.0.0.1:9/b/").append(i).append("\"}");
      }
      t = System.nanoTime();
      d.send("POST", "/api/instances", body.append(']').toString(), 201);
      bulk = (System.nanoTime() - t) / 1_000_000;
    } finally {
      d.stop();
    }
    Daemon again = Daemon.start(jar, jvm, data);
    again.stop();
    return new Figures(startEmpty, singles, fanOut, rss, heap, bulk, again.startMillis);
  }

  /** One daemon process on a free port. */
  private static final class Daemon {
    final Process process;
    final int port;
    final long startMillis;

    private Daemon(Process process, int port, long startMillis) {
      this.process = process;
      this.port = port;
      this.startMillis = startMillis;
    }

    static Daemon start(Path jar, List<String> jvm, Path data) throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvm);
      cmd.addAll(Arrays.asList("-jar", jar.toString(), "--port", String.valueOf(port), "--data-dir",
          data.toString(), "--reconcile-every", "0", "--log-level", "warn"));
      long t = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      URI health = URI.create("http://127.0.0.1:" + port + "/api/health");
      while (true) {
        if (!p.isAlive()) {
          throw new IllegalStateException("the daemon ended with " + p.exitValue() + ": " + cmd);
        }
        try {
          HttpResponse<Void> r = CLIENT.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            break;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(5);
      }
      return new Daemon(p, port, (System.nanoTime() - t) / 1_000_000);
    }

    void send(String method, String path, String json, int expected) throws Exception {
      HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
          .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
      HttpResponse<String> a = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
      if (a.statusCode() != expected) {
        throw new IllegalStateException(method + " " + path + " answered " + a.statusCode() + ": "
            + a.body().substring(0, Math.min(300, a.body().length())));
      }
    }

    long rssMb() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
      return -1;
    }

    /** Heap in use after a full collection, from {@code jcmd GC.run} and {@code GC.heap_info}. */
    long liveHeapMb() throws Exception {
      jcmd("GC.run");
      String info = jcmd("GC.heap_info");
      long usedKb = 0;
      // one line per generation (serial: young and old) or one for the whole heap (G1)
      Matcher total = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
      while (total.find()) {
        usedKb += Long.parseLong(total.group(1));
      }
      return usedKb / 1024;
    }

    private String jcmd(String command) throws Exception {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(process.pid()), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    }

    void stop() throws InterruptedException {
      process.destroy(); // SIGTERM: the daemon shuts down gracefully
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}

package io.clusterd.examples.bench;

import io.clusterd.FanOutResult;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster writes fanned out to N = 1, 10, 100, 1000 instances served by one stand-in elektrad (each instance a
 * base path) with an instance-side delay of 0 or 20 ms, through the real HTTP transport and the SQLite store.
 * Compared in the same run with sequential dispatch (a bound of one request in flight) and with a write to a
 * single instance, after a {@linkplain #warmUp() warm-up}. A last row measures writes that each come after the
 * hosts closed their idle connections (so every write opens its connections anew).
 */
final class FanOutBenchmark {
  private FanOutBenchmark() { }

  record Result(Samples latency, double writesPerSecond, double cpuMicrosPerWrite) {
    /** The machine's limit for this fan-out: d + N x (CPU per instance write) / cores, in milliseconds. */
    double limitMillis(int n, int delayMs) {
      return delayMs + n * cpuMicrosPerWrite / CORES / 1000.0;
    }
  }

  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  static void run(PrintStream out) throws Exception {
    warmUp();
    out.println("== fan-out: cluster write to N instances (one stand-in server, base path per instance) ==");
    out.printf("%6s %6s %10s %10s %14s %12s %12s %12s %10s %10s%n", "d(ms)", "N", "p50(ms)", "p99(ms)", "writes/s",
        "vs seq p50", "vs N=1 p50", "cpu/write", "limit(ms)", "p50/limit");
    for (int delay : new int[] {0, 20}) {
      Result single = measure(1, delay, 256, 40);
      for (int n : new int[] {1, 10, 100, 1000}) {
        int writes = n >= 1000 ? 30 : 50;
        Result bounded = measure(n, delay, 256, writes);
        Result sequential = measure(n, delay, 1, delay > 0 && n >= 100 ? 2 : n >= 1000 ? 3 : 10);
        double limit = bounded.limitMillis(n, delay);
        out.printf("%6d %6d %10.1f %10.1f %14.0f %11.2fx %11.2fx %9.0f us %10.1f %10.2f%n", delay, n,
            bounded.latency.p50Millis(), bounded.latency.p99Millis(), bounded.writesPerSecond,
            sequential.latency.p50Millis() / bounded.latency.p50Millis(),
            bounded.latency.p50Millis() / single.latency.p50Millis(), bounded.cpuMicrosPerWrite, limit,
            bounded.latency.p50Millis() / limit);
      }
    }
    out.println("(vs seq: how many times faster than one-at-a-time dispatch; vs N=1: latency relative to one instance;"
        + " cpu/write: CPU time of this process (clusterd and the stand-in) per instance write during the same"
        + " writes; limit: d + N x cpu/write / " + CORES + " cores, target p50/limit <= 1.3 for N >= 100)");
    out.println();
    out.println("== fan-out after the hosts' idle timeout (1 s): every write reconnects to N instances ==");
    out.printf("%6s %6s %10s %10s %12s %10s%n", "d(ms)", "N", "p50(ms)", "p99(ms)", "vs warm p50", "failed");
    for (int n : new int[] {100, 1000}) {
      Result warm = measure(n, 0, 256, 30);
      IdleResult idle = measureAfterIdle(n, 256, 5, Duration.ofSeconds(1));
      out.printf("%6d %6d %10.1f %10.1f %11.2fx %10d%n", 0, n, idle.latency.p50Millis(), idle.latency.p99Millis(),
          idle.latency.p50Millis() / warm.latency.p50Millis(), idle.failed);
    }
    out.println("(failed: instance writes that did not succeed; each write waits 1.5 s after the one before)");
    out.println();
    out.println("== fan-out engine alone: same writes over the in-memory transport (delay applied asynchronously) ==");
    out.printf("%6s %6s %10s %10s %14s %12s%n", "d(ms)", "N", "p50(ms)", "p99(ms)", "writes/s", "vs seq p50");
    for (int delay : new int[] {0, 20}) {
      for (int n : new int[] {100, 1000}) {
        Result bounded = measureEngine(n, delay, 256, 30);
        Result sequential = measureEngine(n, delay, 1, delay > 0 ? 2 : 10);
        out.printf("%6d %6d %10.1f %10.1f %14.0f %11.2fx%n", delay, n, bounded.latency.p50Millis(),
            bounded.latency.p99Millis(), bounded.writesPerSecond,
            sequential.latency.p50Millis() / bounded.latency.p50Millis());
      }
    }
    out.println();
  }

  /**
   * The http transport's two ways of running exchanges in one JVM, alternating: blocking sends on its own threads
   * and {@code sendAsync} (which, with a common-pool parallelism below two, starts a thread per answer: what
   * embedders got before without a JVM flag).
   */
  static void exchanges(PrintStream out) throws Exception {
    warmUp();
    out.println("== fan-out by way of running exchanges (common-pool parallelism "
        + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + ") ==");
    out.printf("%6s %6s %6s %9s %10s %10s %12s %10s%n", "round", "d(ms)", "N", "exchanges", "p50(ms)", "p99(ms)",
        "cpu/write", "vs async");
    for (int round = 0; round < 2; round++) {
      for (int delay : new int[] {0, 20}) {
        Result own = null;
        for (String mode : new String[] {"threads", "async"}) {
          System.setProperty("clusterd.http.exchanges", mode);
          Result r = measure(1000, delay, 256, 20);
          String ratio = own == null ? "" : String.format("%.2f", own.latency.p50Millis() / r.latency.p50Millis());
          out.printf("%6d %6d %6d %9s %10.1f %10.1f %9.0f us %10s%n", round, delay, 1000, mode,
              r.latency.p50Millis(), r.latency.p99Millis(), r.cpuMicrosPerWrite, ratio);
          own = own == null ? r : own;
        }
      }
    }
    System.clearProperty("clusterd.http.exchanges");
    out.println("(vs async: p50 on own threads / p50 with sendAsync, same round; below 1 is faster)");
    out.println();
  }

  /**
   * Runs the largest fan-outs until the JIT has compiled their paths: measured cold, a run spends a third of its
   * CPU in the compiler and shows the start-up of the JVM rather than the steady state of a running daemon.
   */
  static void warmUp() throws Exception {
    for (int i = 0; i < 4; i++) {
      measure(1000, 0, 256, 20);
    }
    for (int i = 0; i < 2; i++) {
      measure(1000, 20, 256, 20);
    }
  }

  /** The dispatcher, store and registry without HTTP: instances are in-memory key databases. */
  static Result measureEngine(int n, int delayMs, int maxInFlight, int writes) throws Exception {
    var dir = Files.createTempDirectory("clusterd-engine");
    try (Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir))
        .transport(new io.clusterd.core.transport.mem.MemTransportFactory(Duration.ofMillis(delayMs)))
        .maxInFlight(maxInFlight).reconcileEvery(Duration.ZERO).build()) {
      return writeLoop(clusterd, n, i -> "mem://i" + i, writes);
    }
  }

  private static Result writeLoop(Clusterd clusterd, int n, java.util.function.IntFunction<String> host, int writes) {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      clusterd.registerInstance(InstanceSpec.of("i" + i, host.apply(i)).withId("i" + i));
      members.add("i" + i);
    }
    clusterd.createCluster(ClusterSpec.of("bench").withId("bench").withMembers(members));
    KeyName key = KeyName.parse("user:/bench/value");
    clusterd.pin("bench", key, "warm-up");
    Samples s = new Samples();
    long start = System.nanoTime();
    long cpu = OS.getProcessCpuTime();
    for (int w = 0; w < writes; w++) {
      long t = System.nanoTime();
      FanOutResult r = clusterd.pin("bench", key, "v" + w);
      s.add(System.nanoTime() - t);
      if (r.status() != 200) {
        throw new IllegalStateException("fan-out failed: " + r.summary());
      }
    }
    double cpuMicros = (OS.getProcessCpuTime() - cpu) / 1e3 / ((double) n * writes);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(s, (double) n * writes / seconds, cpuMicros);
  }

  record IdleResult(Samples latency, long failed) { }

  /**
   * Writes to N instances whose server closes connections idle for {@code hostIdle}, each write waiting longer
   * than that after the one before: the connections the client kept are closed, every write reconnects.
   */
  static IdleResult measureAfterIdle(int n, int maxInFlight, int writes, Duration hostIdle) throws Exception {
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0).idleTimeout(hostIdle);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      b.mount("/i/" + i, new KeyDatabase());
      members.add("i" + i);
    }
    ElektradServer server = b.start();
    var dir = Files.createTempDirectory("clusterd-fanout-idle");
    try (Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir))
        .discoverTransports(FanOutBenchmark.class.getClassLoader())
        .maxInFlight(maxInFlight).reconcileEvery(Duration.ZERO).build()) {
      for (int i = 0; i < n; i++) {
        clusterd.registerInstance(InstanceSpec.of("i" + i, server.url("/i/" + i).toString()).withId("i" + i));
      }
      clusterd.createCluster(ClusterSpec.of("bench").withId("bench").withMembers(members));
      KeyName key = KeyName.parse("user:/bench/value");
      clusterd.pin("bench", key, "warm-up");
      Samples s = new Samples();
      long failed = 0;
      for (int w = 0; w < writes; w++) {
        Thread.sleep(hostIdle.toMillis() * 3 / 2);
        long t = System.nanoTime();
        FanOutResult r = clusterd.pin("bench", key, "v" + w);
        s.add(System.nanoTime() - t);
        failed += r.summary().failed();
      }
      return new IdleResult(s, failed);
    } finally {
      server.close();
    }
  }

  static Result measure(int n, int delayMs, int maxInFlight, int writes) throws Exception {
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0)
        .delay(Duration.ofMillis(delayMs));
    for (int i = 0; i < n; i++) {
      b.mount("/i/" + i, new KeyDatabase());
    }
    ElektradServer server = b.start();
    var dir = Files.createTempDirectory("clusterd-fanout");
    var store = Boolean.getBoolean("bench.memory") ? new io.clusterd.core.store.memory.MemoryStore()
        : SqliteStore.open(dir);
    try (Clusterd clusterd = Clusterd.builder().store(store)
        .discoverTransports(FanOutBenchmark.class.getClassLoader())
        .maxInFlight(maxInFlight).reconcileEvery(Duration.ZERO).build()) {
      return writeLoop(clusterd, n, i -> server.url("/i/" + i).toString(), writes);
    } finally {
      server.close();
    }
  }
}

package io.clusterd.examples.bench;

import io.clusterd.KeyName;
import io.clusterd.Pin;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.postgresql.PostgresStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import io.clusterd.spi.RegistryStore;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several daemons on one PostgreSQL database (issue #15), in one JVM: cluster writes per second to 30 instances
 * (one stand-in elektrad, a base path each) through the HTTP API of 1 daemon on SQLite (the baseline), 1 daemon on
 * PostgreSQL and 3 daemons on PostgreSQL (writes spread over all three, so two thirds are forwarded); then the
 * lag of a follower's tree behind the leader's acknowledgement at a steady 200 cluster writes per second.
 *
 * <p>Needs a PostgreSQL server: {@code CLUSTERD_BENCH_POSTGRES=postgresql://127.0.0.1:5432/postgres?user=NAME} (a
 * database that may create databases); each measurement gets a fresh database.
 */
final class SeveralDaemonsBenchmark {
  private static final int INSTANCES = 30;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private SeveralDaemonsBenchmark() { }

  static void run(PrintStream out) throws Exception {
    String admin = System.getenv("CLUSTERD_BENCH_POSTGRES");
    if (admin == null) {
      out.println("== several daemons: skipped, set CLUSTERD_BENCH_POSTGRES=postgresql://host:5432/postgres?user=NAME ==");
      return;
    }
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
    for (int i = 0; i < INSTANCES; i++) {
      b.mount("/i/" + i, new KeyDatabase());
    }
    try (ElektradServer standIns = b.start()) {
      out.println("== several daemons: cluster writes to " + INSTANCES + " instances over HTTP ==");
      out.printf("%-28s %8s %12s %10s %10s %10s%n", "setup", "clients", "writes/s", "p50(ms)", "p99(ms)",
          "vs SQLite");
      measureThroughput(standIns, admin, "warm-up", 1, false, 1, 4);
      for (int clients : new int[] {1, 8}) {
        Throughput sqlite = measureThroughput(standIns, admin, "1 daemon, SQLite", 1, false, clients, 8);
        Throughput onePg = measureThroughput(standIns, admin, "1 daemon, PostgreSQL", 1, true, clients, 8);
        Throughput threePg = measureThroughput(standIns, admin, "3 daemons, PostgreSQL", 3, true, clients, 8);
        for (Throughput t : List.of(sqlite, onePg, threePg)) {
          out.printf("%-28s %8d %12.1f %10.1f %10.1f %9.2fx%n", t.name, clients, t.writesPerSecond,
              t.latency.p50Millis(), t.latency.p99Millis(), t.writesPerSecond / sqlite.writesPerSecond);
        }
      }
      out.println("(3 daemons: each client writes to the daemons in turn; followers forward to the leader)");
      out.println();
      lag(out, standIns, admin, 200, 15);
    }
  }

  record Throughput(String name, double writesPerSecond, Samples latency) { }

  private static String newDatabase(String admin, String name) throws Exception {
    String jdbc = admin.startsWith("jdbc:") ? admin : "jdbc:" + admin;
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    }
    int slash = admin.indexOf('/', admin.indexOf("//") + 2);
    int query = admin.indexOf('?');
    return admin.substring(0, slash + 1) + name + (query < 0 ? "" : admin.substring(query));
  }

  /** Daemons on one store, their servers, and the cluster {@code bench} of every instance. */
  private static final class Setup implements AutoCloseable {
    final List<Clusterd> engines = new ArrayList<>();
    final List<ClusterdServer> servers = new ArrayList<>();

    Setup(ElektradServer standIns, String admin, int daemons, boolean postgres, String database) throws Exception {
      String url = postgres ? newDatabase(admin, database) : null;
      for (int d = 0; d < daemons; d++) {
        RegistryStore store = postgres ? PostgresStore.open(url)
            : SqliteStore.open(Files.createTempDirectory("clusterd-bench-ha"));
        Clusterd.Builder builder = Clusterd.builder().store(store).transport(new HttpTransportFactory())
            .reconcileEvery(Duration.ZERO);
        if (postgres) {
          builder.member("d" + d, "");
        }
        Clusterd c = builder.build();
        engines.add(c);
        servers.add(ClusterdServer.start(c, ServerConfig.loopback(0)));
      }
      Clusterd leader = engines.get(0);
      List<String> members = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        leader.registerInstance(InstanceSpec.of("i" + i, standIns.url("/i/" + i).toString()).withId("i" + i));
        members.add("i" + i);
      }
      leader.createCluster(ClusterSpec.of("bench").withId("bench").withMembers(members));
    }

    @Override
    public void close() {
      servers.forEach(ClusterdServer::close);
      engines.forEach(Clusterd::close);
    }
  }

  private static int put(String daemon, String key, String value) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(daemon + "/api/clusters/bench/kdb/user%3A/bench/" + key))
        .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString(value)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static Throughput measureThroughput(ElektradServer standIns, String admin, String name, int daemons,
      boolean postgres, int clientCount, int seconds) throws Exception {
    try (Setup setup = new Setup(standIns, admin, daemons, postgres, "clusterd_bench_tp")) {
      List<String> urls = setup.servers.stream().map(ClusterdServer::url).toList();
      ExecutorService clients = Executors.newFixedThreadPool(clientCount);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Samples>> results = new ArrayList<>();
      AtomicLong writes = new AtomicLong();
      long start = System.nanoTime();
      for (int c = 0; c < clientCount; c++) {
        int client = c;
        results.add(clients.submit(() -> {
          Samples s = new Samples();
          for (int n = 0; System.nanoTime() < end; n++) {
            long t = System.nanoTime();
            int status = put(urls.get((client + n) % urls.size()), "c" + client, Integer.toString(n));
            if (status != 200) {
              throw new IllegalStateException("a cluster write answered " + status);
            }
            s.add(System.nanoTime() - t);
            writes.incrementAndGet();
          }
          return s;
        }));
      }
      Samples all = new Samples();
      for (Future<Samples> f : results) {
        all.addAll(f.get());
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      clients.shutdown();
      return new Throughput(name, writes.get() / elapsed, all);
    }
  }

  /**
   * A steady {@code rate} of cluster writes to the leader for {@code seconds}; a watcher reads the follower's tree
   * every 200 us and records, for each write, how long after the leader's answer the follower held it.
   */
  static void lag(PrintStream out, ElektradServer standIns, String admin, int rate, int seconds) throws Exception {
    try (Setup setup = new Setup(standIns, admin, 2, true, "clusterd_bench_lag")) {
      String leader = setup.servers.get(0).url();
      Clusterd follower = setup.engines.get(1);
      int total = rate * seconds;
      long[] answered = new long[total + 1];
      long[] seen = new long[total + 1];
      AtomicLong lastAnswered = new AtomicLong();
      ScheduledExecutorService pacer = Executors.newScheduledThreadPool(8);
      KeyName key = KeyName.parse("user:/bench/lag");
      long startNs = System.nanoTime();
      long periodNs = 1_000_000_000L / rate;
      AtomicLong failures = new AtomicLong();
      for (int n = 1; n <= total; n++) {
        int w = n;
        pacer.schedule(() -> {
          try {
            if (put(leader, "lag", Integer.toString(w)) == 200) {
              answered[w] = System.nanoTime();
              lastAnswered.accumulateAndGet(w, Math::max);
            } else {
              failures.incrementAndGet();
            }
          } catch (Exception e) {
            failures.incrementAndGet();
          }
        }, n * periodNs, TimeUnit.NANOSECONDS);
      }
      long deadline = startNs + (total + 1) * periodNs + TimeUnit.SECONDS.toNanos(10);
      int highest = 0;
      while (highest < total && System.nanoTime() < deadline) {
        int value = follower.pins("bench").stream().filter(p -> p.key().equals(key)).map(Pin::value)
            .mapToInt(Integer::parseInt).findFirst().orElse(0);
        long now = System.nanoTime();
        for (int w = highest + 1; w <= value; w++) {
          seen[w] = now;
        }
        highest = Math.max(highest, value);
        Thread.onSpinWait();
        TimeUnit.MICROSECONDS.sleep(200);
      }
      pacer.shutdown();
      pacer.awaitTermination(10, TimeUnit.SECONDS);
      Samples lag = new Samples();
      long missing = 0;
      for (int w = 1; w <= total; w++) {
        if (answered[w] == 0) {
          continue;
        }
        if (seen[w] == 0) {
          missing++;
          continue;
        }
        // a write the follower held before its answer reached the client lags by nothing
        lag.add(Math.max(0, seen[w] - answered[w]));
      }
      out.println("== several daemons: follower lag behind the leader's answer, " + rate + " cluster writes/s to "
          + INSTANCES + " instances for " + seconds + " s ==");
      out.printf("%10s %10s %10s %10s %10s %10s%n", "writes", "failed", "p50(ms)", "p99(ms)", "max(ms)", "unseen");
      out.printf("%10d %10d %10.1f %10.1f %10.1f %10d%n", lag.size(), failures.get(), lag.p50Millis(),
          lag.p99Millis(), lag.percentileMicros(100) / 1000.0, missing);
      out.printf("(paced at %d writes/s; target: p99 < 1000 ms)%n%n", rate);
    }
  }
}

package io.clusterd.core.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away PostgreSQL server for tests: {@code initdb} in a temporary directory, started with {@code pg_ctl} on
 * an ephemeral loopback port, one fresh database per {@link #newDatabase()} call, stopped when the JVM ends. It
 * uses the server binaries of the machine: {@code $CLUSTERD_PG_BIN}, else {@code pg_ctl} on the {@code PATH}, else
 * the newest {@code /usr/lib/postgresql/N/bin} (Debian's {@code postgresql} package, which {@code .ci/run}
 * installs). As root (PostgreSQL refuses to run as root) the server runs as the {@code postgres} user.
 *
 * <p>Without binaries the calling test is skipped, except under {@code CI=true}, where it fails.
 */
public final class LocalPostgres {
  private static LocalPostgres shared;

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final AtomicInteger databases = new AtomicInteger();
  private volatile boolean running;

  private LocalPostgres(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
  }

  /** The server shared by every test of this JVM, started on first use. */
  public static synchronized LocalPostgres shared() {
    if (shared == null) {
      Optional<Path> bin = findBinaries();
      if (bin.isEmpty()) {
        String why = "no PostgreSQL server binaries (pg_ctl, initdb): install Debian's postgresql package or set"
            + " CLUSTERD_PG_BIN";
        if ("true".equals(System.getenv("CI"))) {
          throw new IllegalStateException(why);
        }
        Assumptions.abort(why);
      }
      try {
        LocalPostgres server = new LocalPostgres(bin.get(), Files.createTempDirectory("clusterd-pg-"), freePort());
        server.init();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stopQuietly, "clusterd-pg-stop"));
        shared = server;
      } catch (IOException e) {
        throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
      }
    }
    return shared;
  }

  static Optional<Path> findBinaries() {
    String env = System.getenv("CLUSTERD_PG_BIN");
    if (env != null && Files.isExecutable(Path.of(env, "pg_ctl"))) {
      return Optional.of(Path.of(env));
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path pgCtl = Path.of(entry.isEmpty() ? "." : entry, "pg_ctl");
      if (Files.isExecutable(pgCtl) && Files.isExecutable(pgCtl.resolveSibling("initdb"))) {
        try {
          return Optional.of(pgCtl.toRealPath().getParent());
        } catch (IOException e) {
          return Optional.of(pgCtl.getParent());
        }
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        return versions.map(v -> v.resolve("bin"))
            .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
            .max(Comparator.comparingInt(LocalPostgres::majorVersion));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  private void init() throws IOException {
    if (root()) {
      run(List.of("chown", "postgres", dir.toString()), false);
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "clusterd", "-A", "trust",
        "-E", "UTF8", "--locale=C", "--no-sync"), true);
  }

  /** Starts the server (again) on its port; waits until it accepts connections. */
  public synchronized void start() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
        "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=300",
        "start"), true);
    running = true;
  }

  /** Stops the server at once (fast shutdown: connections are cut), as a database that goes away would. */
  public synchronized void stop() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"), true);
    running = false;
  }

  private void stopQuietly() {
    if (running) {
      try {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), true);
      } catch (RuntimeException e) {
        // the JVM ends anyway
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // left in the temporary directory
    }
  }

  public int port() {
    return port;
  }

  /** A new, empty database; its store URL ({@code postgresql://127.0.0.1:PORT/NAME?user=clusterd}). */
  public String newDatabase() {
    String name = "clusterd_test_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection connection = DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=clusterd");
         Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
    }
    return "postgresql://127.0.0.1:" + port + "/" + name + "?user=clusterd";
  }

  private void run(List<String> command, boolean asServerUser) {
    List<String> full = new ArrayList<>();
    if (asServerUser && root()) {
      full.addAll(Arrays.asList("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    try {
      Path log = Files.createTempFile("clusterd-pg-cmd", ".log");
      Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", full));
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      if (process.exitValue() != 0) {
        String server = Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "";
        throw new IllegalStateException(String.join(" ", full) + " failed (" + process.exitValue() + "): " + output
            + "\n" + server);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", full) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", full), e);
    }
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.spi.StoreSnapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged {@code clusterd.jar} as a child process, the way a user does; every daemon and stand-in listens
 * on a port the system picks ({@code --port 0}), so a demo running on the same machine does not disturb it.
 */
class DaemonJarIT {
  private static final Pattern LISTENING = Pattern.compile("clusterd listening on (http://\\S+)");

  @TempDir
  Path dir;

  private static Path jar() {
    Path jar = Path.of(System.getProperty("clusterd.jar", "target/clusterd.jar"));
    assertTrue(Files.isRegularFile(jar), "build the jar first: " + jar);
    return jar;
  }

  private static Process java(Path workDir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-jar");
    cmd.add(jar().toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
  }

  /** Reads lines until one matches, collecting them. */
  private static String await(Process p, Pattern pattern, List<String> seen) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      seen.add(line);
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : line;
      }
    }
    throw new AssertionError("process ended before printing " + pattern + ": " + seen);
  }

  @Test
  void demo_startsServesNestedTreeAndShutsDownCleanly() throws Exception {
    Process p = java(dir, "--demo", "--port", "0", "--reconcile-every", "0");
    List<String> out = new ArrayList<>();
    try {
      String url = await(p, LISTENING, out);
      ApiClient api = new ApiClient(url);
      JsonNode tree = api.get("/api/tree").json().get("tree");
      assertEquals(12, api.get("/api/instances").json().size());
      JsonNode global = null;
      for (JsonNode n : tree) {
        if (n.get("id").asText().equals("global")) {
          global = n;
        }
      }
      assertTrue(global != null, tree.toString());
      JsonNode eu = global.get("children").get(0);
      assertEquals("cluster", eu.get("children").get(0).get("type").asText());
      JsonNode lookup = api.get("/api/instances/web-eu-1/kdb/user:/app/http/port").json();
      assertEquals("8080", lookup.get("value").asText());
      assertEquals("eu-web", lookup.get("lockedBy").asText());
      assertEquals("info", api.get("/api/instances/db-us-2/kdb/user:/app/log/level").json().get("value").asText());
      assertTrue(api.get("/").raw().contains("clusterd"));
    } finally {
      p.destroy(); // SIGTERM: graceful shutdown
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "daemon did not stop on SIGTERM");
    }
    assertEquals(143, p.exitValue(), "exit code after SIGTERM: " + out);
    try (SqliteStore store = SqliteStore.open(dir.resolve("clusterd-data"))) {
      StoreSnapshot s = store.load();
      assertEquals(12 + 7, s.nodes().size());
      assertTrue(s.pins().size() >= 7);
    }
  }

  /** Runs {@code ./clusterd} of a checkout laid out in {@code checkout} (the script beside clusterd-http/target). */
  private static Process launcher(Path checkout, Path data) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", checkout.resolve("clusterd").toString(), "--port", "0",
        "--data-dir", data.toString(), "--reconcile-every", "0").directory(checkout.toFile()).redirectErrorStream(true);
    pb.environment().remove("CLUSTERD_JAVA_OPTS");
    return pb.start();
  }

  @Test
  void launcher_firstRunWritesTheClassArchiveAtStop_laterRunsStartWithIt() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")));
    Path checkout = dir.resolve("checkout");
    Path target = Files.createDirectories(checkout.resolve("clusterd-http/target"));
    Files.copy(Path.of("../clusterd"), checkout.resolve("clusterd"));
    Files.copy(jar(), target.resolve("clusterd.jar"));
    for (int run = 0; run < 2; run++) {
      Process p = launcher(checkout, dir.resolve("data"));
      List<String> out = new ArrayList<>();
      try {
        String url = await(p, LISTENING, out);
        assertEquals(200, new ApiClient(url).get("/api/health").status());
        if (run == 1) {
          String args = String.join(" ", p.info().arguments().orElse(new String[0]));
          assertTrue(args.contains("-XX:SharedArchiveFile=") && args.contains("-Xmx96m"), args);
        }
      } finally {
        p.destroy(); // SIGTERM, forwarded to the daemon by the launcher
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not stop on SIGTERM");
      }
      assertEquals(143, p.exitValue(), "exit code after SIGTERM: " + out);
      Path jsa = target.resolve("clusterd.jsa");
      assertTrue(Files.size(jsa) > 1_000_000, "the class archive is written when the first run stops");
      try (var files = Files.list(target)) {
        assertEquals(List.of("clusterd.jar", "clusterd.jsa"), files.map(f -> f.getFileName().toString()).sorted()
            .toList(), "no partial archive is left behind");
      }
    }
  }

  @Test
  void badFlag_failsFastWithUsage() throws Exception {
    Process p = java(dir, "--port", "not-a-number");
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    assertTrue(output.contains("--port"), output);
  }

  /** Exit code and output of a daemon that must not start. */
  private record Failure(int exit, List<String> lines) {
    String text() {
      return String.join("\n", lines);
    }
  }

  private Failure fail(String... args) throws Exception {
    Process p = java(dir, args);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Failure(p.exitValue(), output.lines().filter(l -> !l.isBlank()).toList());
  }

  /** The start-up failure promise of the README: one line, "clusterd: " and the reason, exit code 1 (2 for usage). */
  private static void assertOneLine(Failure f, int exit, String... words) {
    assertEquals(exit, f.exit(), f.text());
    assertEquals(1, f.lines().size(), "one line: " + f.text());
    assertTrue(f.lines().get(0).startsWith("clusterd: "), f.text());
    for (String w : words) {
      assertTrue(f.text().contains(w), "'" + w + "' missing: " + f.text());
    }
  }

  @Test
  void dataDirThatIsAFile_failsWithOneLineSayingSo() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertOneLine(fail("--data-dir", file.toString(), "--port", "0"), 1, "data directory", "not a directory");
  }

  @Test
  void dataDirThatCannotBeCreated_failsWithOneLineSayingWhy() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc");
    assertOneLine(fail("--data-dir", "/proc/x", "--port", "0"), 1, "cannot use data directory /proc/x",
        "cannot create /proc/x");
  }

  @Test
  void portInUse_failsWithOneLineNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      Failure f = fail("--port", port, "--data-dir", dir.resolve("data").toString());
      assertOneLine(f, 1, "127.0.0.1:" + port, "in use", "--port");
      assertFalse(f.text().contains("Failed to start Javalin"), f.text());
    }
  }

  @Test
  void bindToAnInvalidAddress_failsWithOneLineNamingIt() throws Exception {
    assertOneLine(fail("--bind", "999.1.1.1", "--token", "ops:admin:secret-123", "--data-dir",
        dir.resolve("data").toString(), "--port", "0"), 1, "999.1.1.1", "neither an IP address nor a known host name");
  }

  @Test
  void malformedToken_isAUsageError() throws Exception {
    assertOneLine(fail("--token", "foo", "--port", "0", "--data-dir", dir.resolve("data").toString()), 2,
        "--token", "NAME:ROLE:SECRET");
  }

  @Test
  void unknownFlag_isAUsageErrorInOneLine() throws Exception {
    assertOneLine(fail("--no-such-flag"), 2, "--no-such-flag", "--help");
  }

  @Test
  void logs_asJsonLines_listWritesAndErrorsButNotReadsAtInfo() throws Exception {
    Path log = dir.resolve("daemon.log");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
        jar().toAbsolutePath().toString(), "--port", "0", "--log-format", "json", "--reconcile-every", "0"));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try {
      String url = null;
      for (int i = 0; i < 300 && url == null; i++) {
        Matcher m = LISTENING.matcher(Files.readString(log));
        url = m.find() ? m.group(1) : null;
        Thread.sleep(100);
      }
      assertTrue(url != null, Files.readString(log));
      ApiClient api = new ApiClient(url);
      assertEquals(200, api.get("/api/tree").status());
      assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"c\",\"name\":\"c\"}").status());
      assertEquals(404, api.get("/api/clusters/nope").status());
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    List<JsonNode> access = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (line.startsWith("{")) {
        JsonNode n = ApiClient.JSON.readTree(line); // every log line is one JSON object
        assertTrue(n.has("time") && n.has("level") && n.has("message"), line);
        if (n.get("logger").asText().equals("io.clusterd.access")) {
          access.add(n);
        }
      }
    }
    List<String> messages = access.stream().map(n -> n.get("message").asText()).toList();
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("POST /api/clusters 201")), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("GET /api/clusters/nope 404")), messages.toString());
    assertFalse(messages.stream().anyMatch(m -> m.startsWith("GET /api/tree")), "reads are DEBUG: " + messages);
  }

  @Test
  void instanceCommand_servesTheElektradProtocol() throws Exception {
    Process p = java(dir, "instance", "--port", "0");
    try {
      String url = await(p, Pattern.compile("stand-in elektrad listening on (http://\\S+)"), new ArrayList<>());
      ApiClient direct = new ApiClient(url);
      assertEquals(0, direct.get("/version").json().get("elektra").get("micro").asInt());
      assertEquals(201, direct.json("PUT", "/kdb/user:/x", "\"1\"").status());
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void instanceOption_registersMyForTheOriginalClient() throws Exception {
    Process stand = java(dir, "instance", "--port", "0");
    Process daemon = null;
    try {
      String elektrad = await(stand, Pattern.compile("listening on (http://\\S+)"), new ArrayList<>());
      daemon = java(dir, "--instance", elektrad, "--port", "0");
      String url = await(daemon, LISTENING, new ArrayList<>());
      ApiClient api = new ApiClient(url);
      JsonNode my = api.get("/api/instances/my").json();
      assertEquals("my", my.get("id").asText());
      assertEquals(200, api.text("PUT", "/api/instances/my/kdb/user%3A/a", "b").status());
      assertEquals("b", api.get("/api/instances/my/kdb/user%3A/a").json().get("value").asText());
    } finally {
      if (daemon != null) {
        daemon.destroy();
        daemon.waitFor(30, TimeUnit.SECONDS);
      }
      stand.destroy();
      stand.waitFor(30, TimeUnit.SECONDS);
    }
  }
}

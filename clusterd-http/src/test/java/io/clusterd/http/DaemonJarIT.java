package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged {@code clusterd.jar} as a child process, the way a user does. */
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

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
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
    int port = freePort();
    Process p = java(dir, "--demo", "--port", Integer.toString(port), "--reconcile-every", "0");
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

  @Test
  void badFlag_failsFastWithUsage() throws Exception {
    Process p = java(dir, "--port", "not-a-number");
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue());
    assertTrue(output.contains("--port"), output);
  }

  @Test
  void unwritableDataDir_failsWithOneLineReason() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    Process p = java(dir, "--data-dir", file.toString(), "--port", Integer.toString(freePort()));
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue());
    assertTrue(output.contains("data directory"), output);
  }

  @Test
  void instanceCommand_servesTheElektradProtocol() throws Exception {
    int port = freePort();
    Process p = java(dir, "instance", "--port", Integer.toString(port));
    try {
      await(p, Pattern.compile("stand-in elektrad listening on (http://\\S+)"), new ArrayList<>());
      ApiClient direct = new ApiClient("http://127.0.0.1:" + port);
      assertEquals(0, direct.get("/version").json().get("elektra").get("micro").asInt());
      assertEquals(201, direct.json("PUT", "/kdb/user:/x", "\"1\"").status());
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void instanceOption_registersMyForTheOriginalClient() throws Exception {
    int elektrad = freePort();
    Process stand = java(dir, "instance", "--port", Integer.toString(elektrad));
    Process daemon = null;
    try {
      await(stand, Pattern.compile("listening on (http://\\S+)"), new ArrayList<>());
      daemon = java(dir, "--instance", "http://127.0.0.1:" + elektrad, "--port", Integer.toString(freePort()));
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

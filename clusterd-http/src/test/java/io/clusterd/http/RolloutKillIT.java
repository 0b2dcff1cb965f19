package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout survives kill -9 of the packaged daemon in the middle of a wave: after the restart with the same data
 * directory it sends the wave in flight again, records its outcomes and goes on where it was.
 */
class RolloutKillIT {
  private static final Pattern LISTENING = Pattern.compile("clusterd listening on (http://\\S+)");
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  @TempDir
  Path dir;

  private final Map<String, ElektradServer> servers = new LinkedHashMap<>();
  private final Map<String, KeyDatabase> hosts = new LinkedHashMap<>();
  private Process daemon;

  @AfterEach
  void stop() throws Exception {
    if (daemon != null && daemon.isAlive()) {
      daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    servers.values().forEach(ElektradServer::close);
  }

  private ApiClient startDaemon() throws IOException {
    Path jar = Path.of(System.getProperty("clusterd.jar", "target/clusterd.jar"));
    assertTrue(Files.isRegularFile(jar), "build the jar first: " + jar);
    List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
        jar.toAbsolutePath().toString(), "--port", "0", "--data-dir", dir.resolve("data").toString(),
        "--reconcile-every", "0");
    daemon = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      seen.add(line);
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        Process p = daemon;
        Thread drain = new Thread(() -> {
          try {
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
          } catch (IOException e) {
            // the daemon was killed
          }
        });
        drain.setDaemon(true);
        drain.start();
        return new ApiClient(m.group(1));
      }
    }
    throw new AssertionError("the daemon ended before listening: " + seen);
  }

  private String value(String host) {
    return hosts.get(host).get(PORT).map(KeyDatabase.Entry::value).orElse("<missing>");
  }

  private static JsonNode await(ApiClient api, Predicate<JsonNode> condition) {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = api.get("/api/rollouts/r1").json();
      if (condition.test(last)) {
        return last;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("rollout never got there: " + last);
  }

  @Test
  void killDuringAWave_restartSendsTheWaveAgainAndContinues() throws Exception {
    ApiClient api = startDaemon();
    api.json("POST", "/api/clusters", "{\"id\":\"prod\",\"name\":\"prod\"}");
    for (String group : List.of("a", "b", "c")) {
      ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        KeyDatabase db = new KeyDatabase();
        b.mount("/i/" + i, db);
        hosts.put(group + i, db);
      }
      ElektradServer server = b.start();
      servers.put(group, server);
      for (int i = 0; i < 2; i++) {
        String id = group + i;
        assertEquals(201, api.json("POST", "/api/instances", "{\"id\":\"" + id + "\",\"name\":\"" + id
            + "\",\"host\":\"" + server.url("/i/" + i) + "\"}").status());
        ids.add("\"" + id + "\"");
      }
      assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"" + group + "\",\"name\":\"" + group
          + "\",\"parent\":\"prod\",\"instances\":[" + String.join(",", ids) + "]}").status());
    }
    assertEquals(200, api.text("PUT", "/api/clusters/prod/kdb/user%3A/app/port", "80").status());

    ApiClient.Answer started = api.json("POST", "/api/clusters/prod/rollouts", "{\"id\":\"r1\",\"op\":\"set\","
        + "\"key\":\"user:/app/port\",\"value\":\"8080\",\"waves\":[[\"a\"],[\"b\"],[\"c\"]],\"pause\":\"manual\"}");
    assertEquals(201, started.status(), started.raw());
    await(api, r -> r.path("state").asText().equals("paused"));

    // wave 2 goes to a host that answers only after the kill
    servers.get("b").delay(Duration.ofSeconds(8));
    assertEquals(200, api.send("POST", "/api/rollouts/r1/resume", null, null).status());
    JsonNode inFlight = api.get("/api/rollouts/r1").json();
    assertEquals("running", inFlight.path("state").asText());
    assertEquals(2, inFlight.path("wave").asInt());
    daemon.destroyForcibly();
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, daemon.exitValue(), "killed with SIGKILL");
    servers.get("b").delay(Duration.ZERO);
    assertEquals("80", value("b0"), "the wave in flight had not arrived before the kill");

    api = startDaemon();
    JsonNode resumed = await(api, r -> r.path("state").asText().equals("paused") && r.path("wave").asInt() == 2);
    assertEquals("done", resumed.path("waves").get(1).path("status").asText());
    assertEquals(List.of("8080", "8080", "8080", "8080", "80", "80"), List.of(value("a0"), value("a1"),
        value("b0"), value("b1"), value("c0"), value("c1")));
    ApiClient.Answer second = api.text("PUT", "/api/clusters/prod/kdb/user%3A/app/port", "9090");
    assertEquals("ROLLOUT_IN_PROGRESS", second.i18n(), second.raw());

    api.send("POST", "/api/rollouts/r1/resume", null, null);
    await(api, r -> r.path("state").asText().equals("completed"));
    assertEquals("8080", value("c1"));
    assertEquals("8080", api.get("/api/clusters/prod/kdb/user%3A/app/port").json().path("value").asText());
  }
}

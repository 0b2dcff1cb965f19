package io.clusterd.http.ha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * clusterd daemons as child processes ({@code java -cp <test class path> io.clusterd.http.Main --store URL}) on
 * one PostgreSQL database, each on a free loopback port, all with the same admin token; and an HTTP client that
 * speaks to any of them.
 */
final class Daemons implements AutoCloseable {
  static final String TOKEN = "ha-admin-secret-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One daemon process; {@code kill()} is kill -9. */
  final class Daemon {
    final String id;
    final int port;
    final Process process;

    Daemon(String id, int port, Process process) {
      this.id = id;
      this.port = port;
      this.process = process;
    }

    String url() {
      return "http://127.0.0.1:" + port;
    }

    boolean alive() {
      return process.isAlive();
    }

    void kill() throws InterruptedException {
      process.toHandle().destroyForcibly(); // SIGKILL on Linux
      process.waitFor(20, TimeUnit.SECONDS);
    }

    Optional<JsonNode> health() {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return Optional.of(JSON.readTree(r.body()));
      } catch (IOException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    boolean leads() {
      return alive() && health().map(h -> "leader".equals(h.path("cluster").path("role").asText())).orElse(false);
    }

    @Override
    public String toString() {
      return id + "@" + port;
    }
  }

  /** An answer: status, the stale header, the body as JSON (or null). */
  record Answer(int status, Optional<String> stale, JsonNode json, String body) {
    String i18n() {
      return json == null ? "" : json.path("error").path("i18n").asText(json.path("i18n").asText());
    }
  }

  private final String store;
  private final Path logs;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final List<Daemon> started = new ArrayList<>();

  Daemons(String store, Path logs) {
    this.store = store;
    this.logs = logs;
  }

  /** Starts a daemon and waits until it answers its health route. */
  Daemon start(String id) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k",
        "-cp", System.getProperty("java.class.path"), "io.clusterd.http.Main",
        "--port", Integer.toString(port), "--store", store, "--member-id", id,
        "--token", "admin:admin:" + TOKEN, "--reconcile-every", "0s", "--log-level", "warn",
        "--timeout", "5s", "--connect-timeout", "1s");
    Path log = logs.resolve(id + "-" + port + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    Daemon d = new Daemon(id, port, p);
    started.add(d);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("daemon " + id + " ended at start: " + Files.readString(log));
      }
      if (d.health().isPresent()) {
        return d;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("daemon " + id + " did not answer within 60 s: " + Files.readString(log));
  }

  String log(Daemon d) throws IOException {
    return Files.readString(logs.resolve(d.id + "-" + d.port + ".log"));
  }

  Answer send(Daemon d, String method, String path, String contentType, String body) throws IOException,
      InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.url() + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + TOKEN)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (IOException e) {
      // not JSON
    }
    return new Answer(r.statusCode(), r.headers().firstValue("X-Clusterd-Stale"), json, r.body());
  }

  Answer get(Daemon d, String path) throws IOException, InterruptedException {
    return send(d, "GET", path, null, null);
  }

  Answer postJson(Daemon d, String path, String json) throws IOException, InterruptedException {
    return send(d, "POST", path, "application/json", json);
  }

  Answer putText(Daemon d, String path, String text) throws IOException, InterruptedException {
    return send(d, "PUT", path, "text/plain", text);
  }

  @Override
  public void close() {
    for (Daemon d : started) {
      d.process.destroyForcibly();
    }
  }
}

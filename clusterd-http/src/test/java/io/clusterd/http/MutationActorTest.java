package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every mutating route of {@code GET /api/openapi.json}, applied for real (no dry run) by a named token against a
 * daemon on loopback with {@code mem://} instances: each history entry the request wrote names the token as its
 * actor, and the access log line of the request names it too. Self-registration is recorded as
 * {@code register-key}. A fresh daemon per route, so one route's change cannot hide another's.
 */
class MutationActorTest {
  private static final String ACTOR = "auditor";
  private static final String SECRET = "auditor-secret-1";
  private static final String SETUP_SECRET = "setup-secret-1";
  private static final String REGISTER_KEY = "register-key-secret-1";
  private static final String PORT = "user%3A/app/port";
  private static final String LOCAL = "user%3A/app/local";

  /** Routes that change no registry node, so they write no history: the access log still names the actor. */
  private static final Set<String> NO_HISTORY = Set.of("POST /api/session", "DELETE /api/session",
      "POST /api/demo/instances/{id}/stop", "POST /api/demo/instances/{id}/start");

  private final Logger access = Logger.getLogger("io.clusterd.access");
  private final List<String> accessLines = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (accessLines) {
        String message = r.getMessage();
        if (r.getParameters() != null) {
          for (Object p : r.getParameters()) {
            message = message.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(p)));
          }
        }
        accessLines.add(message);
      }
    }

    @Override
    public void flush() { }

    @Override
    public void close() { }
  };
  private Level accessLevel;
  private boolean accessParents;

  @BeforeEach
  void captureAccessLog() {
    accessLevel = access.getLevel();
    accessParents = access.getUseParentHandlers();
    access.setLevel(Level.INFO);
    access.setUseParentHandlers(false);
    access.addHandler(capture);
  }

  @AfterEach
  void restoreAccessLog() {
    access.removeHandler(capture);
    access.setLevel(accessLevel);
    access.setUseParentHandlers(accessParents);
  }

  private static ServerConfig config() {
    return ServerConfig.loopback(0).withRegisterKey(REGISTER_KEY).withTokens(List.of(
        ServerConfig.Token.parse(ACTOR + ":admin:" + SECRET), ServerConfig.Token.parse("setup:admin:" + SETUP_SECRET)));
  }

  /**
   * The tree each route starts from.
   *
   * <pre>
   * prod                 db-1
   *   prod-web           web-1, web-2    pins user:/app/port = 8080 (meta description)
   * staging
   * spare-1, spare-2 (top level)         spare-1 holds user:/app/local = x (meta description)
   * </pre>
   */
  private static Clusterd fixture() {
    Clusterd c = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(5)).build();
    for (String id : List.of("web-1", "web-2", "db-1", "spare-1", "spare-2")) {
      c.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    }
    c.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("db-1")));
    c.createCluster(ClusterSpec.of("prod-web").withId("prod-web").withParent("prod")
        .withMembers(List.of("web-1", "web-2")));
    c.createCluster(ClusterSpec.of("staging").withId("staging"));
    c.pin("prod-web", KeyName.parse("user:/app/port"), "8080");
    c.setInstanceKey("spare-1", KeyName.parse("user:/app/local"), "x");
    return c;
  }

  /** One request of the walk: where it goes, with what body, and which actor it must record. */
  private record Step(String path, String contentType, String body, String actor) {
    static Step json(String path, String body) {
      return new Step(path, "application/json", body, ACTOR);
    }

    static Step text(String path, String body) {
      return new Step(path, "text/plain", body, ACTOR);
    }

    static Step none(String path) {
      return new Step(path, null, null, ACTOR);
    }
  }

  /** The concrete request for a route, or null when this test does not know the route yet. */
  private static Step stepFor(String method, String path, ApiClient setup) {
    String node = path.startsWith("/api/clusters/{id}") ? "prod-web" : "spare-1";
    String key = node.equals("prod-web") ? PORT : LOCAL;
    String concrete = path.replace("{path}", key);
    if (path.contains("/kdbMv/") || path.contains("/kdbCp/")) {
      return Step.text(concrete.replace("{id}", node), "user:/app/other");
    }
    if (path.endsWith("/kdbMetaBulk/{path}")) {
      return Step.json(concrete.replace("{id}", node), "{\"description\":\"set in bulk\",\"check/type\":\"string\"}");
    }
    if (path.endsWith("/kdbMeta/{path}")) {
      return Step.json(concrete.replace("{id}", node), method.equals("POST")
          ? "{\"key\":\"description\",\"value\":\"changed\"}" : "{\"key\":\"description\"}");
    }
    if (path.endsWith("/kdb/{path}")) {
      return method.equals("PUT") ? Step.text(concrete.replace("{id}", node), node.equals("prod-web") ? "9090" : "y")
          : Step.none(concrete.replace("{id}", node));
    }
    return switch (method + " " + path) {
      case "POST /api/instances" -> Step.json(path, "{\"name\":\"new\",\"host\":\"mem://new\"}");
      case "POST /api/register" -> new Step(path + "?apikey=" + REGISTER_KEY, "application/json",
          "{\"name\":\"self\",\"host\":\"mem://self\"}", "register-key");
      case "PUT /api/instances/{id}" -> Step.json("/api/instances/spare-1", "{\"description\":\"edited\"}");
      case "DELETE /api/instances/{id}" -> Step.none("/api/instances/spare-2");
      case "POST /api/instances/{id}/sync" -> Step.none("/api/instances/web-1/sync");
      case "POST /api/clusters" -> Step.json(path, "{\"name\":\"new\",\"parent\":\"prod\"}");
      case "PUT /api/clusters/{id}" -> Step.json("/api/clusters/prod", "{\"description\":\"edited\"}");
      case "DELETE /api/clusters/{id}" -> Step.none("/api/clusters/staging");
      case "POST /api/clusters/{id}/instances" -> Step.json("/api/clusters/prod-web/instances",
          "{\"instanceId\":\"spare-1\"}");
      case "DELETE /api/clusters/{id}/instances/{child}" -> Step.none("/api/clusters/prod-web/instances/web-2");
      case "POST /api/clusters/{id}/clusters" -> Step.json("/api/clusters/prod/clusters",
          "{\"clusterId\":\"staging\"}");
      case "DELETE /api/clusters/{id}/clusters/{child}" -> Step.none("/api/clusters/prod/clusters/prod-web");
      case "POST /api/clusters/{id}/sync" -> Step.none("/api/clusters/prod/sync");
      case "PUT /api/state" -> {
        ObjectNode doc = (ObjectNode) setup.send("GET", "/api/state", null, null).json();
        ((ObjectNode) doc.path("clusters").get(0)).put("description", "from the state document");
        yield Step.json(path, doc.toString());
      }
      case "POST /api/clusters/{id}/rollback" -> {
        // back to right after prod-web was created: its pin goes
        long created = 0;
        for (JsonNode e : setup.send("GET", "/api/history?node=prod-web", null, null).json().path("history")) {
          if (e.path("operation").asText().equals("create-cluster")) {
            created = e.path("seq").asLong();
          }
        }
        yield Step.json("/api/clusters/prod-web/rollback", "{\"to\":" + created + "}");
      }
      case "POST /api/clusters/{id}/rollouts" -> Step.json("/api/clusters/prod-web/rollouts", "{\"op\":\"set\","
          + "\"key\":\"user:/app/port\",\"value\":\"9090\",\"waves\":[[\"web-1\"],[\"*\"]],\"pause\":\"manual\"}");
      case "POST /api/rollouts/{rollout}/resume", "POST /api/rollouts/{rollout}/pause",
          "POST /api/rollouts/{rollout}/abort" -> Step.none(path.replace("{rollout}", "r1"));
      case "POST /api/session" -> Step.json(path, "{\"token\":\"" + SECRET + "\"}");
      case "DELETE /api/session" -> Step.none(path);
      case "POST /api/demo/instances/{id}/stop" -> Step.none("/api/demo/instances/web-eu-1/stop");
      case "POST /api/demo/instances/{id}/start" -> Step.none("/api/demo/instances/web-eu-1/start");
      default -> null;
    };
  }

  @Test
  void everyMutatingRoute_namedToken_historyAndAccessLogNameTheActor() throws Exception {
    List<String> failures = new ArrayList<>();
    int walked = 0;
    try (DemoTree demo = DemoTree.startStandIns(OptionalInt.empty());
         Clusterd demoClusterd = Clusterd.builder().transport(new HttpTransportFactory()).reconcileEvery(Duration.ZERO)
             .retryBackoff(Duration.ofMillis(5)).build()) {
      demo.register(demoClusterd);
      try (ClusterdServer demoServer = ClusterdServer.start(demoClusterd, config(), Optional.of(demo))) {
        // the daemon with a demo describes every route, the demo's included
        JsonNode paths = new ApiClient(demoServer.url()).bearer(SETUP_SECRET).get("/api/openapi.json").json()
            .path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> route = it.next();
          for (Iterator<String> methods = route.getValue().fieldNames(); methods.hasNext(); ) {
            String method = methods.next().toUpperCase(Locale.ROOT);
            if (method.equals("GET") || method.equals("HEAD")) {
              continue;
            }
            String name = method + " " + route.getKey();
            walked++;
            if (route.getKey().startsWith("/api/demo/")) {
              walk(name, method, route.getKey(), demoServer, demoClusterd, failures);
              continue;
            }
            try (Clusterd c = fixture(); ClusterdServer server = ClusterdServer.start(c, config())) {
              walk(name, method, route.getKey(), server, c, failures);
            }
          }
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(walked >= 30, "walked " + walked + " mutating routes");
  }

  private void walk(String name, String method, String path, ClusterdServer server, Clusterd clusterd,
      List<String> failures) throws InterruptedException {
    ApiClient setup = new ApiClient(server.url()).bearer(SETUP_SECRET);
    if (path.endsWith("/kdbMeta/{path}") && method.equals("DELETE")) {
      // the metadata to remove
      String node = path.startsWith("/api/clusters/") ? "prod-web" : "spare-1";
      String key = node.equals("prod-web") ? PORT : LOCAL;
      ApiClient.Answer set = setup.json("POST", path.replace("{id}", node).replace("{path}", key),
          "{\"key\":\"description\",\"value\":\"to remove\"}");
      if (set.status() >= 300) {
        failures.add(name + ": setting up the metadata: " + set.status() + " " + set.raw());
        return;
      }
    }
    if (path.startsWith("/api/rollouts/{rollout}")) {
      // the rollout to control: its first wave goes out, then it waits an hour before the next
      ApiClient.Answer started = setup.json("POST", "/api/clusters/prod-web/rollouts", "{\"id\":\"r1\",\"op\":"
          + "\"set\",\"key\":\"user:/app/port\",\"value\":\"9191\",\"waves\":[[\"web-1\"],[\"*\"]],\"pause\":\"1h\"}");
      if (started.status() >= 300) {
        failures.add(name + ": starting the rollout: " + started.status() + " " + started.raw());
        return;
      }
    }
    Step step = stepFor(method, path, setup);
    if (step == null) {
      failures.add(name + ": no request for this mutating route; add it to this test");
      return;
    }
    ApiClient client = new ApiClient(server.url());
    if (name.equals("DELETE /api/session")) {
      HttpRequest.Builder signIn = HttpRequest.newBuilder(URI.create(server.url() + "/api/session"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + SECRET + "\"}"));
      String cookie = client.raw(signIn).headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
      client.cookie(cookie);
    } else if (!step.actor().equals("register-key") && !name.equals("POST /api/session")) {
      client.bearer(SECRET);
    }
    long before = lastSeq(clusterd);
    synchronized (accessLines) {
      accessLines.clear();
    }
    ApiClient.Answer a = client.send(method, step.path(), step.contentType(), step.body());
    if (a.status() >= 300) {
      failures.add(name + " on " + step.path() + ": " + a.status() + " " + a.raw());
      return;
    }
    List<HistoryEntry> written = clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000).stream()
        .filter(e -> e.seq() > before).toList();
    if (written.isEmpty() && !NO_HISTORY.contains(name)) {
      failures.add(name + ": wrote no history");
    }
    for (HistoryEntry e : written) {
      // the steps a rollout takes by itself (a wave done, the next one started, its completion) are the engine's
      boolean engine = e.actor().equals(Optional.of("rollout")) && path.contains("rollout");
      if (!engine && !e.actor().equals(Optional.of(step.actor()))) {
        failures.add(name + ": history entry without the actor " + step.actor() + ": " + e);
      }
    }
    String logPath = step.path().split("\\?", 2)[0];
    String line = awaitAccessLine(method + " " + logPath.replace("%3A", ":"), method + " " + logPath);
    if (line == null) {
      failures.add(name + ": no access log line for " + method + " " + logPath + " in " + accessLines);
    } else if (!line.endsWith(" " + step.actor())) {
      failures.add(name + ": the access log line does not name " + step.actor() + ": " + line);
    }
  }

  /** The request's access log line (written once the answer is sent, so it may come a moment later). */
  private String awaitAccessLine(String... prefixes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      synchronized (accessLines) {
        for (String l : accessLines) {
          for (String p : prefixes) {
            if (l.startsWith(p + " ")) {
              return l;
            }
          }
        }
      }
      Thread.sleep(10);
    }
    return null;
  }

  private static long lastSeq(Clusterd c) {
    return c.history(Optional.empty(), Long.MAX_VALUE, 1).stream().mapToLong(HistoryEntry::seq).max().orElse(0);
  }
}

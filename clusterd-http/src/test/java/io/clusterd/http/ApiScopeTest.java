package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens scoped to clusters, over real HTTP: the matrix of every route of {@code GET /api/openapi.json} for a scoped
 * reader and a scoped admin on nodes inside, outside and above the scope, the filtered lists, moves across the
 * scope's border, and the actor of every mutation.
 *
 * <pre>
 * global                     pins user:/app/level
 *   eu        (scope eu)     db-eu-1
 *     eu-web                 web-eu-1, web-eu-2
 *     eu-app
 *   us                       web-us-1
 * lone-1 (top level), spare-1 (top level)
 * </pre>
 */
class ApiScopeTest {
  private static final String ROOT = "root-secret-1";
  private static final String EU_READ = "eu-read-secret-1";
  private static final String EU_ADMIN = "eu-admin-secret-1";
  private static final String MULTI = "multi-secret-1";

  private Clusterd clusterd;
  private ClusterdServer server;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO).build();
    for (String id : List.of("db-eu-1", "web-eu-1", "web-eu-2", "web-us-1", "lone-1", "spare-1")) {
      clusterd.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    }
    clusterd.createCluster(ClusterSpec.of("global").withId("global"));
    clusterd.createCluster(ClusterSpec.of("eu").withId("eu").withParent("global").withMembers(List.of("db-eu-1")));
    clusterd.createCluster(ClusterSpec.of("eu-web").withId("eu-web").withParent("eu")
        .withMembers(List.of("web-eu-1", "web-eu-2")));
    clusterd.createCluster(ClusterSpec.of("eu-app").withId("eu-app").withParent("eu"));
    clusterd.createCluster(ClusterSpec.of("us").withId("us").withParent("global").withMembers(List.of("web-us-1")));
    clusterd.pin("global", KeyName.parse("user:/app/level"), "info");
    ServerConfig config = ServerConfig.loopback(0).withTokens(List.of(
        ServerConfig.Token.parse("ops:admin:" + ROOT),
        ServerConfig.Token.parse("eu-read:read:" + EU_READ + ":eu"),
        ServerConfig.Token.parse("eu-admin:admin:" + EU_ADMIN + ":eu"),
        ServerConfig.Token.parse("multi:admin:" + MULTI + ":eu-web,us")));
    server = ClusterdServer.start(clusterd, config);
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private ApiClient as(String secret) {
    return new ApiClient(server.url()).bearer(secret);
  }

  /** Where a route's node ids point: inside the scope {@code eu}, outside it, or above it. */
  private enum Place { INSIDE, OUTSIDE, ABOVE }

  private static String instanceAt(Place p) {
    return p == Place.INSIDE ? "web-eu-1" : "web-us-1";
  }

  private static String clusterAt(Place p) {
    return switch (p) {
      case INSIDE -> "eu-web";
      case OUTSIDE -> "us";
      case ABOVE -> "global";
    };
  }

  /** A body that passes the route's own checks, so a refusal can only come from the scope. */
  private static String bodyFor(String method, String path) {
    if (path.endsWith("/kdbMv/{path}") || path.endsWith("/kdbCp/{path}")) {
      return "user:/app/other";
    }
    if (path.endsWith("/rollouts")) {
      return "{\"op\":\"set\",\"key\":\"user:/app/rolled\",\"value\":\"1\"}";
    }
    if (path.endsWith("/kdbMetaBulk/{path}")) {
      return "{\"check/type\":\"long\"}";
    }
    if (path.endsWith("/kdbMeta/{path}")) {
      return method.equals("POST") ? "{\"key\":\"check/type\",\"value\":\"long\"}" : "{\"key\":\"check/type\"}";
    }
    if (path.endsWith("/kdb/{path}")) {
      return "9090";
    }
    return switch (method + " " + path) {
      case "PUT /api/instances/{id}", "PUT /api/clusters/{id}" -> "{\"description\":\"edited\"}";
      case "POST /api/clusters" -> "{\"name\":\"new\"}";
      case "POST /api/instances" -> "{\"name\":\"new\",\"host\":\"mem://new\"}";
      case "POST /api/clusters/{id}/instances" -> "{\"instanceId\":\"db-eu-1\",\"move\":true}";
      case "POST /api/clusters/{id}/clusters" -> "{\"clusterId\":\"eu-app\",\"move\":true}";
      case "POST /api/clusters/{id}/rollback" -> "{\"to\":0,\"subtree\":true}";
      default -> null;
    };
  }

  private static boolean isWrite(String method) {
    return !method.equals("GET");
  }

  /**
   * Every route of the description, for the scoped reader and the scoped admin: on a node inside the scope a
   * read (and for the admin a dry-run write) succeeds; on a node outside or above it everything is 403
   * {@code FORBIDDEN} naming the scope. Routes without a node in their path have their expected answers listed
   * here, so a new route fails this test until it is decided.
   */
  @Test
  void everyRoute_scopedReaderAndAdmin_insideAllowedOutsideAndAboveForbidden() {
    JsonNode paths = as(ROOT).get("/api/openapi.json").json().path("paths");
    // routes without a node id: the status each scoped token gets (0 = any success)
    Map<String, Integer> noNode = Map.ofEntries(
        Map.entry("GET /api/version", 0), Map.entry("GET /api/openapi.json", 0), Map.entry("GET /api/health", 0),
        Map.entry("GET /api/cluster-members", 0),
        Map.entry("GET /api/tree", 0), Map.entry("GET /api/history", 0), Map.entry("GET /api/instances", 0),
        Map.entry("GET /api/clusters", 0), Map.entry("GET /metrics", 403),
        Map.entry("POST /api/instances", 403), Map.entry("POST /api/register", -1),
        Map.entry("POST /api/session", -1), Map.entry("DELETE /api/session", -1),
        Map.entry("POST /api/clusters", 403), Map.entry("GET /api/state", 403), Map.entry("PUT /api/state", 403),
        Map.entry("GET /api/state.schema.json", 0), Map.entry("GET /api/rollouts", 0),
        Map.entry("GET /api/rollouts/{rollout}", 404), Map.entry("POST /api/rollouts/{rollout}/resume", 404),
        Map.entry("POST /api/rollouts/{rollout}/pause", 404), Map.entry("POST /api/rollouts/{rollout}/abort", 404),
        // a stream, asked for without Accept: text/event-stream; its scopes are EventsApiTest's
        Map.entry("GET /api/events", 400));
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> route = it.next();
      String path = route.getKey();
      for (Iterator<String> methods = route.getValue().fieldNames(); methods.hasNext(); ) {
        String method = methods.next().toUpperCase(java.util.Locale.ROOT);
        String name = method + " " + path;
        boolean dryRun = route.getValue().path(method.toLowerCase(java.util.Locale.ROOT)).path("parameters")
            .toString().contains("parameters/dryRun");
        if (isWrite(method) && path.contains("{id}") && !dryRun) {
          failures.add(name + ": a write without dryRun, which this test cannot try without changing the tree");
          continue;
        }
        if (!path.contains("{id}")) {
          Integer expected = noNode.get(name);
          if (expected == null) {
            failures.add(name + ": no expectation for a route without a node; add it to this test");
            continue;
          }
          if (expected < 0) {
            continue; // public: the scope of a token does not apply
          }
          for (String secret : List.of(EU_READ, EU_ADMIN)) {
            String query = dryRun ? "?dryRun=true" : "";
            // a rollout id in the path names no node: an unknown one is 404 for every token
            ApiClient.Answer a = send(secret, method, path.replace("{rollout}", "unknown") + query,
                bodyFor(method, path));
            int want = (expected == 0 || path.contains("{rollout}")) && isWrite(method) && secret.equals(EU_READ) ? 403
                : expected;
            if (want == 0 ? a.status() >= 400 : a.status() != want) {
              failures.add(name + " as " + secret + ": " + a.status() + " " + a.raw());
            }
            checked++;
          }
          continue;
        }
        boolean cluster = path.startsWith("/api/clusters/");
        for (Place place : Place.values()) {
          if (!cluster && place == Place.ABOVE) {
            continue;
          }
          String id = cluster ? clusterAt(place) : instanceAt(place);
          String child = path.contains("/instances/{child}") ? (place == Place.INSIDE ? "web-eu-1" : "web-us-1")
              : place == Place.INSIDE ? "eu-web" : "us";
          String concrete = path.replace("{id}", id).replace("{child}", child)
              .replace("{path}", path.contains("kdbFind") ? "port" : "user%3A/app/port");
          String query = (dryRun ? "?dryRun=true" : "") + (name.equals("DELETE /api/clusters/{id}")
              ? "&cascade=delete" : "");
          for (String secret : List.of(EU_READ, EU_ADMIN)) {
            ApiClient.Answer a = send(secret, method, concrete + query, bodyFor(method, path));
            boolean detach = method.equals("DELETE") && path.contains("{child}");
            boolean allowed = place == Place.INSIDE && !detach && (!isWrite(method) || secret.equals(EU_ADMIN));
            checked++;
            if (allowed) {
              if (a.status() >= 400) {
                failures.add(name + " on " + concrete + " as " + secret + ": " + a.status() + " " + a.raw());
              }
            } else if (a.status() != 403 || !"FORBIDDEN".equals(a.i18n())) {
              failures.add(name + " on " + concrete + " as " + secret + ": expected 403, got " + a.status() + " "
                  + a.raw());
            } else if (place != Place.INSIDE && secret.equals(EU_ADMIN)) {
              JsonNode details = a.json().path("error").path("details");
              String message = a.json().path("error").path("message").asText();
              if (!details.path("scopes").toString().equals("[\"eu\"]") || !message.contains("limited to the cluster eu")
                  || place == Place.ABOVE && !message.contains("above")) {
                failures.add(name + " on " + concrete + ": the refusal does not name the scope: " + a.raw());
              }
            }
          }
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(checked > 150, "checked " + checked);
  }

  private ApiClient.Answer send(String secret, String method, String path, String body) {
    boolean json = body != null && body.startsWith("{");
    return as(secret).send(method, path, body == null ? null : json ? "application/json" : "text/plain", body);
  }

  @Test
  void lists_scopedToken_seeOnlyTheirSubtree() {
    assertEquals(Set.of("db-eu-1", "web-eu-1", "web-eu-2"), ids(as(EU_READ).get("/api/instances").json()));
    assertEquals(Set.of("eu", "eu-web", "eu-app"), ids(as(EU_READ).get("/api/clusters").json()));
    assertEquals(Set.of("eu"), ids(as(EU_READ).get("/api/tree").json().path("tree")));
    assertEquals(Set.of("eu-web", "us"), ids(as(MULTI).get("/api/tree").json().path("tree")));
    assertEquals(Set.of("global", "lone-1", "spare-1"), ids(as(ROOT).get("/api/tree").json().path("tree")));
  }

  @Test
  void history_scopedToken_showsOnlyItsNodes_andEveryMutationRecordsTheActor() {
    long before = lastSeq();
    ApiClient eu = as(EU_ADMIN);
    ApiClient.Answer pin = eu.text("PUT", "/api/clusters/eu-web/kdb/user%3A/app/port", "8080");
    assertEquals(200, pin.status(), pin.raw());
    assertEquals(200, eu.text("PUT", "/api/instances/db-eu-1/kdb/user%3A/app/mode", "fast").status());
    assertEquals(201, eu.json("POST", "/api/clusters", "{\"id\":\"eu-db\",\"name\":\"EU db\",\"parent\":\"eu\"}")
        .status());
    assertEquals(200, eu.json("POST", "/api/clusters/eu-db/instances", "{\"instanceId\":\"db-eu-1\",\"move\":true}")
        .status());
    assertEquals(200, eu.json("PUT", "/api/instances/web-eu-2", "{\"parent\":\"eu\",\"description\":\"moved\"}")
        .status());
    assertEquals(200, eu.send("POST", "/api/clusters/eu/sync", null, null).status());
    ApiClient.Answer unpin = eu.delete("/api/clusters/eu-web/kdb/user%3A/app/port");
    assertEquals(200, unpin.status(), unpin.raw());
    assertEquals(200, eu.delete("/api/clusters/eu-db?cascade=detach").status());
    assertEquals(200, as(ROOT).text("PUT", "/api/clusters/us/kdb/user%3A/app/port", "80").status());

    List<HistoryEntry> written = clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000).stream()
        .filter(e -> e.seq() > before).toList();
    assertTrue(written.size() >= 7, written.toString());
    for (HistoryEntry e : written) {
      String want = e.node().equals("us") ? "ops" : "eu-admin";
      assertEquals(Optional.of(want), e.actor(), e.toString());
    }
    JsonNode history = as(EU_READ).get("/api/history?limit=1000").json().path("history");
    Set<String> nodes = new TreeSet<>();
    history.forEach(h -> nodes.add(h.path("node").asText()));
    assertTrue(Set.of("eu", "eu-web", "eu-app", "web-eu-1", "web-eu-2", "db-eu-1").containsAll(nodes), nodes.toString());
    assertTrue(nodes.contains("eu-web"), nodes.toString());
    assertEquals(403, as(EU_READ).get("/api/history?node=us").status());
  }

  @Test
  void moves_acrossTheScopeBorder_needRightsOnBothSides() {
    ApiClient eu = as(EU_ADMIN);
    ApiClient.Answer out = eu.json("PUT", "/api/instances/web-eu-1", "{\"parent\":\"us\"}");
    assertEquals(403, out.status(), out.raw());
    assertTrue(out.raw().contains("under 'us', outside them"), out.raw());
    assertEquals(403, eu.json("PUT", "/api/instances/web-eu-1", "{\"parent\":null}").status(), "to the top level");
    assertEquals(403, eu.json("PUT", "/api/clusters/eu-web", "{\"parent\":\"global\"}").status());
    assertEquals(403, eu.json("POST", "/api/clusters/eu/instances", "{\"instanceId\":\"web-us-1\",\"move\":true}")
        .status(), "taking a node from outside");
    assertEquals(403, eu.json("POST", "/api/clusters", "{\"name\":\"top\"}").status(), "created at the top level");
    assertEquals(403, eu.json("POST", "/api/clusters", "{\"name\":\"x\",\"parent\":\"us\"}").status());
    assertEquals(403, eu.delete("/api/clusters/eu?cascade=detach").status(), "the children would leave the scope");
    assertEquals("eu-web", clusterd.parentOf("web-eu-1").orElseThrow());

    ApiClient multi = as(MULTI);
    assertEquals(200, multi.json("PUT", "/api/instances/web-eu-1", "{\"parent\":\"us\"}").status(), "both in scope");
    assertEquals("us", clusterd.parentOf("web-eu-1").orElseThrow());
  }

  @Test
  void signIn_scopedToken_sessionKeepsTheScopes() {
    ApiClient.Answer a = new ApiClient(server.url()).json("POST", "/api/session", "{\"token\":\"" + EU_ADMIN + "\"}");
    assertEquals(200, a.status());
    assertEquals("[\"eu\"]", a.json().path("scopes").toString());
  }

  private long lastSeq() {
    return clusterd.history(Optional.empty(), Long.MAX_VALUE, 1).stream().mapToLong(HistoryEntry::seq).max()
        .orElse(0);
  }

  private static Set<String> ids(JsonNode list) {
    Set<String> out = new TreeSet<>();
    list.forEach(n -> out.add(n.path("id").asText()));
    return out;
  }
}

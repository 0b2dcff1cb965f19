package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real answers of the running daemon validate against the schema {@code openapi.json} gives for their route and
 * status (a JSON Schema 2020-12 validator over the document's components), so the description stays true.
 */
class OpenApiAnswersTest {
  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient api;
  private JsonNode doc;
  private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final List<String> checked = new ArrayList<>();

  @BeforeEach
  void start() {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5))
        .build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    api = new ApiClient(server.url());
    doc = api.get("/api/openapi.json").json();
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  /** Sends a request and checks its answer against the description of {@code route} (an OpenAPI path). */
  private ApiClient.Answer check(String route, String method, String path, String contentType, String body,
      int expected) {
    ApiClient.Answer a = api.send(method, path, contentType, body);
    assertEquals(expected, a.status(), method + " " + path + ": " + a.raw());
    JsonNode op = doc.get("paths").get(route).get(method.toLowerCase(Locale.ROOT));
    assertNotNull(op, "no operation " + method + " " + route);
    JsonNode responses = op.get("responses");
    JsonNode response = responses.has(String.valueOf(a.status())) ? responses.get(String.valueOf(a.status()))
        : responses.get("default");
    assertNotNull(response, method + " " + route + " does not describe " + a.status());
    if (a.status() == 204) {
      assertTrue(!response.has("content") && a.raw().isEmpty(), method + " " + path + ": " + a.raw());
    } else {
      JsonNode schema = response.at("/content/application~1json/schema");
      assertTrue(schema.isObject(), method + " " + route + " " + a.status() + " has no JSON schema");
      ObjectNode root = ((ObjectNode) schema.deepCopy());
      root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
      root.set("components", doc.get("components"));
      Schema validator = registry.getSchema(root.toString(), InputFormat.JSON);
      List<Error> errors = validator.validate(a.raw(), InputFormat.JSON);
      assertEquals(List.of(), errors.stream().map(Error::toString).toList(),
          method + " " + path + " answered " + a.status() + " " + a.raw());
    }
    checked.add(method + " " + route + " " + a.status());
    return a;
  }

  private ApiClient.Answer json(String route, String method, String path, String body, int expected) {
    return check(route, method, path, "application/json", body, expected);
  }

  private ApiClient.Answer text(String route, String method, String path, String body, int expected) {
    return check(route, method, path, "text/plain", body, expected);
  }

  private ApiClient.Answer get(String route, String path, int expected) {
    return check(route, "GET", path, null, null, expected);
  }

  @Test
  void sampleOfRealAnswers_eachValidatesAgainstTheSchemaOfItsRouteAndStatus() {
    String instances = "/api/instances";
    String instance = "/api/instances/{id}";
    String clusters = "/api/clusters";
    String cluster = "/api/clusters/{id}";
    String ikdb = "/api/instances/{id}/kdb/{path}";
    String ckdb = "/api/clusters/{id}/kdb/{path}";
    json(instances, "POST", instances, "{\"id\":\"a\",\"name\":\"a\",\"host\":\"mem://a\"}", 201);
    json(instances, "POST", instances, "{\"id\":\"b\",\"name\":\"b\",\"host\":\"mem://b\",\"labels\":{\"dc\":\"eu\"}}",
        201);
    json(instances, "POST", instances + "?dryRun=true", "{\"name\":\"c\",\"host\":\"mem://c\"}", 200);
    json(instances, "POST", instances, "{\"name\":\"dup\",\"host\":\"mem://a\"}", 422);
    json(instances, "POST", instances, "{\"host\":\"mem://x\"}", 400);
    get(instances, instances, 200);
    get(instance, "/api/instances/a", 200);
    get(instance, "/api/instances/nope", 404);
    json(instance, "PUT", "/api/instances/b", "{\"description\":\"second\"}", 200);
    json(clusters, "POST", clusters, "{\"id\":\"top\",\"name\":\"top\",\"instances\":[\"a\"]}", 201);
    json(clusters, "POST", clusters, "{\"id\":\"sub\",\"name\":\"sub\",\"parent\":\"top\"}", 201);
    get(clusters, clusters, 200);
    get(cluster, "/api/clusters/top", 200);
    get("/api/tree", "/api/tree", 200);
    text(ckdb, "PUT", "/api/clusters/top/kdb/user%3A/app/port", "8080", 200);
    text(ckdb, "PUT", "/api/clusters/top/kdb/user%3A/app/port?dryRun=true", "9090", 200);
    text(ckdb, "PUT", "/api/clusters/sub/kdb/user%3A/app/port", "1", 409);
    text(ikdb, "PUT", "/api/instances/a/kdb/user%3A/app/port", "1", 409);
    text(ikdb, "PUT", "/api/instances/b/kdb/user%3A/own", "v", 200);
    get(ikdb, "/api/instances/a/kdb/user%3A/app/port", 200);
    get("/api/instances/{id}/kdb", "/api/instances/a/kdb", 200);
    get(ckdb, "/api/clusters/top/kdb/user%3A/app?members=true", 200);
    get("/api/instances/{id}/kdbFind/{path}", "/api/instances/a/kdbFind/port", 200);
    json("/api/instances/{id}/kdbMetaBulk/{path}", "POST", "/api/instances/b/kdbMetaBulk/user%3A/own",
        "{\"check/type\":\"string\"}", 204);
    text("/api/instances/{id}/kdbMv/{path}", "POST", "/api/instances/b/kdbMv/user%3A/own", "user:/moved", 204);
    json("/api/clusters/{id}/kdbMetaBulk/{path}", "POST", "/api/clusters/top/kdbMetaBulk/user%3A/app/port",
        "{\"check/type\":\"long\"}", 200);
    json("/api/clusters/{id}/instances", "POST", "/api/clusters/top/instances", "{\"instanceId\":\"b\"}", 200);
    mem.stop("b");
    text(ckdb, "PUT", "/api/clusters/top/kdb/user%3A/app/host", "h", 207);
    get("/api/instances/{id}/status", "/api/instances/b/status", 200);
    get(ikdb, "/api/instances/b/kdb/user%3A/app/port", 502);
    mem.start("b");
    check("/api/clusters/{id}/sync", "POST", "/api/clusters/top/sync", null, null, 200);
    get("/api/clusters/{id}/drift", "/api/clusters/top/drift", 200);
    get("/api/clusters/{id}/version", "/api/clusters/top/version", 200);
    get("/api/instances/{id}/version", "/api/instances/a/version", 200);
    get("/api/instances/{id}/pins", "/api/instances/a/pins", 200);
    get("/api/clusters/{id}/pins", "/api/clusters/sub/pins", 200);
    get("/api/history", "/api/history?limit=5", 200);
    get("/api/state", "/api/state", 200);
    get("/api/state.schema.json", "/api/state.schema.json", 200);
    String state = api.get("/api/state").raw();
    json("/api/state", "PUT", "/api/state?dryRun=true&prune=true", state, 200);
    json("/api/state", "PUT", "/api/state", state.replace("\"name\":\"sub\"", "\"name\":\"sub 2\""), 200);
    json("/api/state", "PUT", "/api/state?dryRun=true", "{\"clusters\":[{\"id\":\"Bad\",\"name\":\"x\"}]}", 200);
    json("/api/state", "PUT", "/api/state", "{\"clusters\":[{\"id\":\"Bad\",\"name\":\"x\"}]}", 400);
    get("/api/version", "/api/version", 200);
    get("/api/health", "/api/health", 200);
    check(cluster, "DELETE", "/api/clusters/top", null, null, 409);
    check("/api/clusters/{id}/instances/{child}", "DELETE", "/api/clusters/top/instances/b", null, null, 200);
    check(cluster, "DELETE", "/api/clusters/top?cascade=detach", null, null, 200);
    check(instance, "DELETE", "/api/instances/b", null, null, 200);
    assertTrue(checked.size() >= 40, checked.toString());
  }

  @Test
  void fanOut_everyInstanceStopped_answers502WithTheFanOutResult() {
    json("/api/instances", "POST", "/api/instances", "{\"id\":\"a\",\"name\":\"a\",\"host\":\"mem://a\"}", 201);
    json("/api/clusters", "POST", "/api/clusters", "{\"id\":\"top\",\"name\":\"top\",\"instances\":[\"a\"]}", 201);
    mem.stop("a");
    ApiClient.Answer a = text("/api/clusters/{id}/kdb/{path}", "PUT", "/api/clusters/top/kdb/user%3A/k", "v", 502);
    assertEquals(1, a.json().get("summary").get("failed").asInt());
  }

  @Test
  void schemaCheck_answersThatBreakTheDescription_areCaught() {
    String instance = doc.at("/paths/~1api~1instances~1{id}/get/responses/200/content/application~1json/schema")
        .toString();
    String error = doc.at("/paths/~1api~1tree/get/responses/default/content/application~1json/schema").toString();
    assertTrue(errors(instance, "{\"id\":\"a\",\"name\":\"a\"}") > 0, "a missing field");
    assertTrue(errors(instance, "{\"id\":\"a\",\"name\":\"a\",\"host\":\"mem://a\",\"visibility\":\"user\","
        + "\"description\":\"\",\"labels\":{},\"transport\":\"mem\",\"type\":\"instance\",\"parent\":null,"
        + "\"extra\":1}") > 0, "an undescribed field");
    assertTrue(errors(error, "{\"error\":{\"status\":409,\"name\":\"Conflict\",\"i18n\":\"NO_SUCH_TOKEN\","
        + "\"message\":\"m\",\"details\":{}}}") > 0, "a token outside the enum");
  }

  private int errors(String schema, String body) {
    ObjectNode root;
    try {
      root = (ObjectNode) ApiClient.JSON.readTree(schema);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    root.set("components", doc.get("components"));
    return registry.getSchema(root.toString(), InputFormat.JSON).validate(body, InputFormat.JSON).size();
  }

  @Test
  void unknownRoute_answers404WithTheErrorSchema() {
    ApiClient.Answer a = api.get("/api/nothing/here");
    assertEquals(404, a.status());
    ObjectNode root = (ObjectNode) doc.at("/paths/~1api~1tree/get/responses/default/content/application~1json/schema")
        .deepCopy();
    root.set("components", doc.get("components"));
    List<Error> errors = registry.getSchema(root.toString(), InputFormat.JSON).validate(a.raw(), InputFormat.JSON);
    assertEquals(List.of(), errors.stream().map(Error::toString).toList(), a.raw());
    for (Iterator<String> it = doc.get("paths").fieldNames(); it.hasNext(); ) {
      assertTrue(it.next().startsWith("/"));
    }
  }
}

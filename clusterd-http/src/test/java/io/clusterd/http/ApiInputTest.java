package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input answers 4xx with the JSON error body: bodies, escapes, charsets, and what Jetty refuses itself. */
class ApiInputTest {
  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient api;

  @BeforeEach
  void start() {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    api = new ApiClient(server.url());
    assertEquals(201, api.json("POST", "/api/instances", "{\"id\":\"j0\",\"name\":\"j0\",\"host\":\"mem://j0\"}").status());
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"top\",\"name\":\"Top\",\"instances\":[\"j0\"]}")
        .status());
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private static void assertInvalidBody(ApiClient.Answer a, String field) {
    assertEquals(400, a.status(), a.raw());
    assertEquals("INVALID_BODY", a.i18n(), a.raw());
    assertTrue(a.json().path("error").path("message").asText().contains(field), a.raw());
    assertEquals(field, a.json().path("error").path("details").path("field").asText(), a.raw());
  }

  @Test
  void body_unknownField_is400NamingTheField() {
    assertInvalidBody(api.json("PUT", "/api/clusters/top", "{\"parnet\":\"x\"}"), "parnet");
    assertInvalidBody(api.json("POST", "/api/clusters", "{\"name\":\"n\",\"member\":[]}"), "member");
    assertInvalidBody(api.json("POST", "/api/instances", "{\"name\":\"n\",\"host\":\"mem://n\",\"hots\":1}"), "hots");
    assertEquals(1, clusterd.clusters().size(), "nothing was created");
    assertEquals("Top", clusterd.cluster("top").name());
  }

  @Test
  void body_numberOrBooleanWhereAStringBelongs_is400NamingTheField() {
    assertInvalidBody(api.json("POST", "/api/clusters", "{\"name\":123}"), "name");
    assertInvalidBody(api.json("POST", "/api/clusters", "{\"name\":1e999999}"), "name");
    assertInvalidBody(api.json("POST", "/api/instances", "{\"name\":true,\"host\":\"mem://t\"}"), "name");
    assertInvalidBody(api.json("PUT", "/api/clusters/top", "{\"labels\":{\"tier\":1}}"), "labels.tier");
    assertInvalidBody(api.json("POST", "/api/clusters", "{\"name\":\"x\",\"instances\":[7]}"), "instances[0]");
    assertInvalidBody(api.json("POST", "/api/clusters/top/instances", "{\"instanceId\":5}"), "instanceId");
    assertInvalidBody(api.json("POST", "/api/instances/j0/kdbMeta/user:/k", "{\"key\":\"a\",\"value\":8}"), "value");
    assertEquals(1, clusterd.clusters().size());
  }

  @Test
  void body_nullInsideAnObject_is400NamingTheField() {
    assertInvalidBody(api.json("PUT", "/api/instances/j0", "{\"labels\":{\"dc\":null}}"), "labels.dc");
  }

  @Test
  void body_shapesClientsSend_keepWorking() {
    ApiClient.Answer form = api.json("PUT", "/api/instances/j0",
        "{\"id\":\"j0\",\"name\":\"J zero\",\"host\":\"mem://j0\",\"description\":\"d\",\"visibility\":\"user\"}");
    assertEquals(200, form.status(), form.raw());
    assertEquals("J zero", form.json().get("name").asText());
    ApiClient.Answer top = api.json("PUT", "/api/instances/j0", "{\"parent\":null}");
    assertEquals(200, top.status(), top.raw());
    assertTrue(top.json().get("parent").isNull(), top.raw());
    ApiClient.Answer cleared = api.json("PUT", "/api/clusters/top", "{\"labels\":null}");
    assertEquals(200, cleared.status(), cleared.raw());
    api.text("PUT", "/api/instances/j0/kdb/user%3A/k", "v");
    assertEquals(204, api.json("POST", "/api/instances/j0/kdbMeta/user%3A/k", "{\"key\":\"m\",\"value\":\"1\"}")
        .status());
    assertEquals("1", mem.database("j0").lookup(KeyName.parse("user:/k"), 0).meta().get("m"));
    assertEquals(204, api.json("POST", "/api/instances/j0/kdbMeta/user%3A/k", "{\"key\":\"m\",\"value\":null}")
        .status());
    assertFalse(mem.database("j0").lookup(KeyName.parse("user:/k"), 0).meta().containsKey("m"));
    ApiClient.Answer move = api.json("POST", "/api/clusters/top/instances", "{\"instanceId\":\"j0\",\"move\":true}");
    assertEquals(200, move.status(), move.raw());
  }

  @Test
  void path_percentUEscape_is400NotA500() {
    // java.net.URI refuses to carry %u: sent over a socket
    RawHttp.Answer cluster = RawHttp.get(server.port(), "/api/clusters/%u002F");
    assertEquals(400, cluster.status(), cluster.body());
    assertJsonError(cluster, 400);
    RawHttp.Answer key = RawHttp.get(server.port(), "/api/instances/j0/kdb/user%3A/%u0041");
    assertEquals(400, key.status(), key.body());
    assertJsonError(key, 400);
  }

  @Test
  void charset_unsupportedOrMalformed_is415WithJsonError() {
    for (String ct : List.of("application/json; charset=nope", "application/json; charset=\"", "text/plain; charset=x y")) {
      ApiClient.Answer a = api.send("POST", "/api/clusters", ct, "{\"name\":\"x\"}");
      assertEquals(415, a.status(), ct + ": " + a.raw());
      assertEquals("REQUEST_UNSUPPORTED_CONTENT_TYPE", a.i18n(), a.raw());
      ApiClient.Answer value = api.send("PUT", "/api/instances/j0/kdb/user%3A/c", ct, "\"v\"");
      assertEquals(415, value.status(), ct + ": " + value.raw());
    }
    assertEquals(1, clusterd.clusters().size());
  }

  @Test
  void charset_declared_decodesTheValue() {
    byte[] latin = "café".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(200, api.send("PUT", "/api/instances/j0/kdb/user%3A/l", "text/plain; charset=ISO-8859-1",
        new String(latin, StandardCharsets.ISO_8859_1)).status());
  }

  @Test
  void openApi_publicRoutes_needNoBearer() {
    JsonNode paths = api.get("/api/openapi.json").json().get("paths");
    Set<String> open = Set.of("get /api/health", "post /api/session", "delete /api/session", "post /api/register");
    paths.fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
      String id = op.getKey() + " " + p.getKey();
      JsonNode security = op.getValue().get("security");
      if (open.contains(id)) {
        assertTrue(security != null && security.isArray() && security.isEmpty(), id + ": " + op.getValue());
      } else {
        assertTrue(security == null, id + " inherits the bearer requirement");
      }
    }));
  }

  @Test
  void jetty_malformedPaths_answer400WithJsonError() {
    for (String target : List.of("/api/instances/%00", "/api/instances/%G1", "/api/instances/%C3",
        "/api/instances/<x>", "/api/clusters/a%", "/api/instances/j0/kdb/user%3A/%C3")) {
      RawHttp.Answer a = RawHttp.get(server.port(), target);
      assertEquals(400, a.status(), target + ": " + a.headers() + "\n" + a.body());
      assertJsonError(a, 400);
    }
  }

  @Test
  void jetty_hugeHeaders_answer431WithJsonError() {
    RawHttp.Answer big = RawHttp.send(server.port(), "GET /api/version HTTP/1.1\r\nX-Big: " + "a".repeat(64 * 1024)
        + "\r\n", new byte[0]);
    assertEquals(431, big.status(), big.headers());
    assertJsonError(big, 431);
    StringBuilder many = new StringBuilder("GET /api/version HTTP/1.1\r\n");
    for (int i = 0; i < 200; i++) {
      many.append("X-H").append(i).append(": ").append("v".repeat(60)).append("\r\n");
    }
    RawHttp.Answer lots = RawHttp.send(server.port(), many.toString(), new byte[0]);
    assertEquals(431, lots.status(), lots.headers());
    assertJsonError(lots, 431);
  }

  @Test
  void jetty_hugePathSegment_answers414WithJsonError() {
    RawHttp.Answer a = RawHttp.get(server.port(), "/api/instances/" + "a".repeat(9000));
    assertEquals(414, a.status(), a.headers());
    assertJsonError(a, 414);
  }

  private static void assertJsonError(RawHttp.Answer a, int status) {
    assertEquals("application/json; charset=utf-8", a.contentType(), a.headers());
    JsonNode err = a.json().get("error");
    assertEquals(status, err.get("status").asInt(), a.body());
    assertFalse(err.get("i18n").asText().isEmpty(), a.body());
    assertFalse(a.body().contains("Exception") || a.body().contains("<"), a.body());
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The original Elektra Web daemon's answers, to the letter, over real loopback HTTP: the exact JSON content type,
 * {@code 204} with no body for an instance's move, copy and metadata writes, {@code kdbMetaBulk}, and the fields of
 * instance objects.
 */
class ElektraWebCompatibilityTest {
  private static final String JSON = "application/json; charset=utf-8";

  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient api;

  @BeforeEach
  void start() {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5))
        .build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    api = new ApiClient(server.url());
    for (String i : List.of("a", "b")) {
      assertEquals(201, api.json("POST", "/api/instances",
          "{\"id\":\"" + i + "\",\"name\":\"" + i + "\",\"host\":\"mem://" + i + "\"}").status());
    }
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"top\",\"name\":\"top\",\"instances\":[\"a\"]}")
        .status());
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"sub\",\"name\":\"sub\",\"parent\":\"top\"}")
        .status());
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private Map<String, String> metaOn(String instance, String key) {
    return mem.database(instance).lookup(KeyName.parse(key), 0).meta();
  }

  private static void assertJson(ApiClient.Answer a, int status) {
    assertEquals(status, a.status(), a.raw());
    assertEquals(JSON, a.contentType(), a.raw());
    assertTrue(a.json() != null, "a JSON body: " + a.raw());
  }

  private static void assertNoContent(ApiClient.Answer a) {
    assertEquals(204, a.status(), a.raw());
    assertEquals("", a.raw());
  }

  private static void assertJsonError(ApiClient.Answer a, int status, String i18n) {
    assertJson(a, status);
    assertEquals(i18n, a.i18n(), a.raw());
  }

  @Nested
  class ContentType {
    @Test
    void jsonAnswers_anyRoute_carryExactlyTheExpressString() {
      api.text("PUT", "/api/instances/b/kdb/user:/k", "v");
      assertJson(api.get("/api/instances"), 200);
      assertJson(api.get("/api/instances/b"), 200);
      assertJson(api.get("/api/clusters/top"), 200);
      assertJson(api.get("/api/tree"), 200);
      assertJson(api.get("/api/instances/b/kdb/user:/k"), 200);
      assertJson(api.get("/api/instances/b/kdbFind/k"), 200);
      assertJson(api.text("PUT", "/api/instances/b/kdb/user:/k", "w"), 200);
      assertJson(api.delete("/api/instances/b/kdb/user:/k"), 200);
      assertJson(api.text("PUT", "/api/clusters/top/kdb/user:/p", "1"), 200);
      assertJson(api.json("POST", "/api/instances", "{\"name\":\"c\",\"host\":\"mem://c\"}"), 201);
      assertJson(api.get("/api/openapi.json"), 200);
    }

    @Test
    void errorAnswers_routedOrNot_carryExactlyTheExpressString() {
      assertJsonError(api.get("/api/instances/nope"), 404, "INSTANCE_NOT_FOUND");
      assertJsonError(api.get("/api/no/such/route"), 404, "NOT_FOUND");
      assertJsonError(api.text("PUT", "/api/instances/b/kdb/foo:/x", "1"), 400, "INVALID_KEY_NAME");
      api.text("PUT", "/api/clusters/top/kdb/user:/p", "1");
      assertJsonError(api.text("PUT", "/api/instances/a/kdb/user:/p", "2"), 409, "KEY_LOCKED");
      assertJsonError(api.send("PUT", "/api/instances/b/kdb/user:/k", "image/png", "x"), 415,
          "REQUEST_UNSUPPORTED_CONTENT_TYPE");
      RawHttp.Answer jetty = RawHttp.get(server.port(), "/api/instances/" + "a".repeat(9000));
      assertEquals(414, jetty.status());
      assertEquals(JSON, jetty.contentType());
    }
  }

  @Nested
  class NoContentOnInstances {
    @Test
    void kdbMvAndKdbCp_success_answer204WithEmptyBody() {
      api.text("PUT", "/api/instances/b/kdb/user:/src/k", "v");
      assertNoContent(api.text("POST", "/api/instances/b/kdbCp/user%3A/src", "user:/copy"));
      assertNoContent(api.text("POST", "/api/instances/b/kdbMv/user%3A/src", "user:/moved"));
      assertEquals("v", mem.database("b").lookup(KeyName.parse("user:/copy/k"), 0).value());
      assertEquals("v", mem.database("b").lookup(KeyName.parse("user:/moved/k"), 0).value());
      assertFalse(mem.database("b").lookup(KeyName.parse("user:/src/k"), 0).exists());
    }

    @Test
    void kdbMetaPostAndDelete_success_answer204WithEmptyBody() {
      api.text("PUT", "/api/instances/b/kdb/user:/k", "7");
      assertNoContent(api.json("POST", "/api/instances/b/kdbMeta/user%3A/k", "{\"key\":\"check/type\",\"value\":\"long\"}"));
      assertEquals("long", metaOn("b", "user:/k").get("check/type"));
      assertNoContent(api.json("DELETE", "/api/instances/b/kdbMeta/user%3A/k", "{\"key\":\"check/type\"}"));
      assertFalse(metaOn("b", "user:/k").containsKey("check/type"));
    }

    @Test
    void noContentRoutes_refused_keepTheirJsonErrorBodies() {
      api.text("PUT", "/api/clusters/top/kdb/user:/p/k", "1");
      assertJsonError(api.text("POST", "/api/instances/a/kdbMv/user:/p", "user:/q"), 409, "KEY_LOCKED");
      assertJsonError(api.text("POST", "/api/instances/a/kdbCp/user:/x", "user:/p/k"), 409, "KEY_LOCKED");
      assertJsonError(api.json("POST", "/api/instances/a/kdbMeta/user:/p/k", "{\"key\":\"a\",\"value\":\"1\"}"), 409,
          "KEY_LOCKED");
      assertJsonError(api.json("DELETE", "/api/instances/a/kdbMeta/user:/p/k", "{\"key\":\"a\"}"), 409, "KEY_LOCKED");
      assertJsonError(api.json("POST", "/api/instances/b/kdbMeta/user:/k", "{\"value\":\"1\"}"), 400, "INVALID_BODY");
      assertJsonError(api.text("POST", "/api/instances/nope/kdbMv/user:/k", "user:/l"), 404, "INSTANCE_NOT_FOUND");
    }

    @Test
    void noContentRoutes_dryRun_answerThePlanAsJson() {
      ApiClient.Answer plan = api.text("POST", "/api/instances/b/kdbMv/user:/k?dryRun=true", "user:/l");
      assertJson(plan, 200);
      assertTrue(plan.json().get("dryRun").asBoolean());
    }
  }

  @Nested
  class FanOutOnClusters {
    @Test
    void kdbMvCpMeta_onCluster_keepTheFanOutResultTheWebClientShows() {
      api.text("PUT", "/api/clusters/top/kdb/user:/app/old", "v");
      for (ApiClient.Answer a : List.of(
          api.text("POST", "/api/clusters/top/kdbCp/user:/app/old", "user:/app/copy"),
          api.text("POST", "/api/clusters/top/kdbMv/user:/app/old", "user:/app/new"),
          api.json("POST", "/api/clusters/top/kdbMeta/user:/app/new", "{\"key\":\"check/type\",\"value\":\"string\"}"),
          api.json("DELETE", "/api/clusters/top/kdbMeta/user:/app/new", "{\"key\":\"check/type\"}"))) {
        assertJson(a, 200);
        assertEquals(1, a.json().get("summary").get("total").asInt(), a.raw());
        assertEquals("a", a.json().get("results").get(0).get("instance").asText(), a.raw());
      }
    }
  }

  @Nested
  class MetaBulk {
    @Test
    void kdbMetaBulk_onInstance_setsEveryEntryAndAnswers204() {
      api.text("PUT", "/api/instances/b/kdb/user:/k", "5");
      assertNoContent(api.json("POST", "/api/instances/b/kdbMetaBulk/user%3A/k",
          "{\"check/type\":\"long\",\"check/range\":\"1-10\",\"description\":\"a number\"}"));
      assertEquals(Map.of("check/type", "long", "check/range", "1-10", "description", "a number"),
          metaOn("b", "user:/k"));
      JsonNode history = api.get("/api/history?node=b").json().get("history");
      List<String> ops = new ArrayList<>();
      history.forEach(h -> ops.add(h.get("operation").asText()));
      assertEquals(List.of("set-meta", "set-meta", "set-meta", "set", "register-instance"), ops,
          "one write per entry");
    }

    @Test
    void kdbMetaBulk_onInstance_lockedKey_is409AndSendsNothing() {
      api.text("PUT", "/api/clusters/top/kdb/user:/p", "1");
      assertJsonError(api.json("POST", "/api/instances/a/kdbMetaBulk/user:/p", "{\"check/type\":\"long\"}"), 409,
          "KEY_LOCKED");
      assertFalse(metaOn("a", "user:/p").containsKey("check/type"));
    }

    @Test
    void kdbMetaBulk_onInstance_oneInvalidName_refusesAllBeforeSending() {
      ApiClient.Answer a = api.json("POST", "/api/instances/b/kdbMetaBulk/user:/k",
          "{\"description\":\"ok\",\"check/\\\\\":\"bad\"}");
      assertEquals(400, a.status(), a.raw());
      assertEquals(JSON, a.contentType());
      assertFalse(mem.database("b").lookup(KeyName.parse("user:/k"), 0).exists(), "nothing was sent");
    }

    @Test
    void kdbMetaBulk_badBodies_answer400NamingWhatToFix() {
      ApiClient.Answer number = api.json("POST", "/api/instances/b/kdbMetaBulk/user:/k", "{\"check/type\":5}");
      assertJsonError(number, 400, "INVALID_BODY");
      assertTrue(number.raw().contains("check/type"), number.raw());
      assertJsonError(api.json("POST", "/api/instances/b/kdbMetaBulk/user:/k", "{}"), 400, "INVALID_BODY");
      assertJsonError(api.json("POST", "/api/instances/b/kdbMetaBulk/user:/k", "[\"a\"]"), 400, "INVALID_BODY");
      assertJsonError(api.json("POST", "/api/clusters/top/kdbMetaBulk/user:/k", "{\"a\":null}"), 400, "INVALID_BODY");
      assertJsonError(api.json("POST", "/api/instances/b/kdbMetaBulk/proc:/k", "{\"a\":\"1\"}"), 400,
          "NAMESPACE_NOT_WRITABLE");
    }

    @Test
    void kdbMetaBulk_onInstance_dryRun_answersOnePlanAndChangesNothing() {
      ApiClient.Answer plan = api.json("POST", "/api/instances/b/kdbMetaBulk/user:/k?dryRun=true",
          "{\"a\":\"1\",\"b\":\"2\"}");
      assertJson(plan, 200);
      assertTrue(plan.json().get("accepted").asBoolean(), plan.raw());
      assertEquals(2, plan.json().get("changes").get(0).get("operations").size(), plan.raw());
      assertFalse(mem.database("b").lookup(KeyName.parse("user:/k"), 0).exists());
    }

    @Test
    void kdbMetaBulk_onCluster_pinsEveryEntryInOneChangeAndFansOut() {
      api.text("PUT", "/api/clusters/top/kdb/user:/app/port", "8080");
      ApiClient.Answer a = api.json("POST", "/api/clusters/top/kdbMetaBulk/user%3A/app/port",
          "{\"check/type\":\"long\",\"description\":\"the port\"}");
      assertJson(a, 200);
      assertEquals(200, a.json().get("status").asInt());
      assertEquals(1, a.json().get("summary").get("succeeded").asInt(), a.raw());
      JsonNode pin = api.get("/api/clusters/top/kdb/user:/app/port").json();
      assertEquals("long", pin.get("meta").get("check/type").asText(), pin.toString());
      assertEquals("the port", pin.get("meta").get("description").asText(), pin.toString());
      assertEquals(Map.of("check/type", "long", "description", "the port"), metaOn("a", "user:/app/port"));
      assertEquals("8080", mem.database("a").lookup(KeyName.parse("user:/app/port"), 0).value());
    }

    @Test
    void kdbMetaBulk_onCluster_unpinnedKey_becomesAPinWithEmptyValue() {
      assertJson(api.json("POST", "/api/clusters/top/kdbMetaBulk/user:/new", "{\"description\":\"d\"}"), 200);
      JsonNode pin = api.get("/api/clusters/top/kdb/user:/new").json();
      assertTrue(pin.get("exists").asBoolean(), pin.toString());
      assertEquals("d", metaOn("a", "user:/new").get("description"));
    }

    @Test
    void kdbMetaBulk_onSubCluster_lockedAbove_is409AndStoresNothing() {
      api.text("PUT", "/api/clusters/top/kdb/user:/p", "1");
      assertJsonError(api.json("POST", "/api/clusters/sub/kdbMetaBulk/user:/p", "{\"a\":\"1\"}"), 409, "KEY_LOCKED");
      assertFalse(api.get("/api/clusters/sub/kdb/user:/p").json().get("exists").asBoolean());
    }

    @Test
    void kdbMetaBulk_onCluster_stoppedInstance_is207WithPerInstanceResults() {
      assertEquals(200, api.json("POST", "/api/clusters/top/instances", "{\"instanceId\":\"b\"}").status());
      mem.stop("b");
      ApiClient.Answer a = api.json("POST", "/api/clusters/top/kdbMetaBulk/user:/k", "{\"x\":\"1\",\"y\":\"2\"}");
      assertJson(a, 207);
      assertEquals(1, a.json().get("summary").get("failed").asInt(), a.raw());
      assertEquals(Map.of("x", "1", "y", "2"), metaOn("a", "user:/k"));
    }
  }

  @Nested
  class Instances {
    @Test
    void instanceObjects_listAndOne_startWithTheOriginalFields() {
      List<String> original = List.of("id", "name", "host", "visibility", "description");
      JsonNode one = api.get("/api/instances/b").json();
      JsonNode listed = api.get("/api/instances").json().get(0);
      for (JsonNode instance : List.of(one, listed)) {
        List<String> fields = new ArrayList<>();
        instance.fieldNames().forEachRemaining(fields::add);
        assertEquals(original, fields.subList(0, original.size()), instance.toString());
      }
      assertEquals("mem://b", one.get("host").asText());
    }
  }
}

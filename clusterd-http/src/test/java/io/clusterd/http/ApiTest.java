package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The REST API over real loopback HTTP, against instances backed by in-memory key databases. */
class ApiTest {
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
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private void instance(String id) {
    ApiClient.Answer a = api.json("POST", "/api/instances",
        "{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"host\":\"mem://" + id + "\"}");
    assertEquals(201, a.status(), a.raw());
  }

  private void cluster(String id, String parent, String... instances) {
    StringBuilder members = new StringBuilder();
    for (String i : instances) {
      members.append(members.length() == 0 ? "" : ",").append('"').append(i).append('"');
    }
    ApiClient.Answer a = api.json("POST", "/api/clusters", "{\"id\":\"" + id + "\",\"name\":\"" + id + "\""
        + (parent == null ? "" : ",\"parent\":\"" + parent + "\"") + ",\"instances\":[" + members + "]}");
    assertEquals(201, a.status(), a.raw());
  }

  /** root > region > zone > rack, instances at three levels. */
  private void fourLevels() {
    for (String i : List.of("a", "b", "c", "d")) {
      instance(i);
    }
    cluster("root", null);
    cluster("region", "root", "d");
    cluster("zone", "region", "c");
    cluster("rack", "zone", "a", "b");
  }

  private String valueOn(String instance, String key) {
    return mem.database(instance).lookup(KeyName.parse(key), 0).value();
  }

  @Nested
  class Instances {
    @Test
    void registerArray_accepted_answers201WithEveryInstanceInOrderAndStoresThemAll() {
      instance("old");
      ApiClient.Answer dry = api.json("POST", "/api/instances?dryRun=true",
          "[{\"id\":\"b-1\",\"name\":\"b 1\",\"host\":\"mem://b-1\"}]");
      assertEquals(200, dry.status(), dry.raw());
      assertTrue(dry.json().get("accepted").asBoolean());
      assertEquals(1, clusterd.instances().size(), "a dry run registers nothing");

      ApiClient.Answer a = api.json("POST", "/api/instances", "[{\"id\":\"b-1\",\"name\":\"b 1\",\"host\":\"mem://b-1\"},"
          + "{\"name\":\"b 2\",\"host\":\"mem://b-2\",\"labels\":{\"dc\":\"eu\"}},"
          + "{\"id\":\"b-3\",\"name\":\"b 3\",\"host\":\"mem://b-3\"}]");

      assertEquals(201, a.status(), a.raw());
      assertEquals(3, a.json().size());
      assertEquals("b-1", a.json().get(0).get("id").asText());
      assertEquals("mem://b-2", a.json().get(1).get("host").asText());
      assertEquals("eu", a.json().get(1).get("labels").get("dc").asText());
      assertEquals("b-3", a.json().get(2).get("id").asText());
      assertEquals(4, api.get("/api/instances").json().size());
      JsonNode history = api.get("/api/history?node=b-3").json().get("history");
      assertEquals("register-instance", history.get(0).get("operation").asText(), history.toString());
    }

    @Test
    void registerArray_badElements_answersEveryIndexAndRegistersNone() {
      ApiClient.Answer a = api.json("POST", "/api/instances", "[{\"id\":\"ok-0\",\"name\":\"ok\",\"host\":\"mem://ok-0\"},"
          + "{\"id\":\"x-1\",\"host\":\"mem://x-1\"}, 7, {\"name\":\"x\",\"host\":\"mem://x-3\",\"port\":1}]");

      assertEquals(400, a.status(), a.raw());
      JsonNode conflicts = a.json().get("error").get("conflicts");
      assertEquals(3, conflicts.size(), a.raw());
      assertEquals("NAME_MISSING", conflicts.get(0).get("i18n").asText());
      assertEquals(1, conflicts.get(0).get("details").get("index").asInt());
      assertTrue(conflicts.get(0).get("message").asText().startsWith("instance [1]: the name is missing"), a.raw());
      assertEquals(2, conflicts.get(1).get("details").get("index").asInt());
      assertEquals("INVALID_BODY", conflicts.get(1).get("i18n").asText());
      assertEquals(3, conflicts.get(2).get("details").get("index").asInt());
      assertEquals("port", conflicts.get(2).get("details").get("field").asText());
      assertEquals(0, api.get("/api/instances").json().size());
    }

    @Test
    void registerArray_sameHostTwiceOrTaken_answers422NamingTheIndexAndRegistersNone() {
      instance("taken");
      ApiClient.Answer a = api.json("POST", "/api/instances", "[{\"id\":\"n-0\",\"name\":\"n\",\"host\":\"mem://n-0\"},"
          + "{\"id\":\"n-1\",\"name\":\"n\",\"host\":\"mem://n-0\"},"
          + "{\"id\":\"taken\",\"name\":\"n\",\"host\":\"mem://n-2\"}]");

      assertEquals(422, a.status(), a.raw());
      assertEquals("HOST_DOES_ALREADY_EXIST", a.json().get("error").get("i18n").asText());
      JsonNode conflicts = a.json().get("error").get("conflicts");
      assertEquals(1, conflicts.get(0).get("details").get("index").asInt());
      assertEquals(0, conflicts.get(0).get("details").get("sameAs").asInt());
      assertEquals("ID_ALREADY_EXISTS", conflicts.get(1).get("i18n").asText());
      assertEquals(2, conflicts.get(1).get("details").get("index").asInt());
      assertEquals(1, api.get("/api/instances").json().size());
    }

    @Test
    void registerArray_empty_answers400() {
      ApiClient.Answer empty = api.json("POST", "/api/instances", "[]");
      assertEquals(400, empty.status(), empty.raw());
      assertEquals("INVALID_BODY", empty.json().get("error").get("i18n").asText());
    }

    @Test
    void register_validBody_answers201WithOriginalShape() {
      ApiClient.Answer a = api.json("POST", "/api/instances",
          "{\"name\":\"web 1\",\"host\":\"mem://web-1\",\"description\":\"front\",\"visibility\":\"advanced\"}");
      assertEquals(201, a.status());
      assertTrue(a.contentType().startsWith("application/json"));
      for (String field : List.of("id", "name", "host", "visibility", "description")) {
        assertTrue(a.json().has(field), field);
      }
      assertEquals("advanced", a.json().get("visibility").asText());
      JsonNode list = api.get("/api/instances").json();
      assertEquals(1, list.size());
      assertEquals("web 1", list.get(0).get("name").asText());
    }

    @Test
    void register_sameNormalizedHost_answers422() {
      api.json("POST", "/api/instances", "{\"name\":\"x\",\"host\":\"HTTP://Host:80/\"}");
      ApiClient.Answer a = api.json("POST", "/api/instances", "{\"name\":\"y\",\"host\":\"http://host\"}");
      assertEquals(422, a.status());
      assertEquals("HOST_DOES_ALREADY_EXIST", a.i18n());
    }

    @Test
    void register_missingFields_namesWhatIsMissing() {
      assertEquals("NAME_MISSING", api.json("POST", "/api/instances", "{\"host\":\"mem://x\"}").i18n());
      assertEquals("HOST_MISSING", api.json("POST", "/api/instances", "{\"name\":\"x\"}").i18n());
      ApiClient.Answer bad = api.json("POST", "/api/instances", "{\"name\":");
      assertEquals(400, bad.status());
      assertEquals("INVALID_BODY", bad.i18n());
    }

    @Test
    void register_metadataAddress_isForbidden() {
      ApiClient.Answer a = api.json("POST", "/api/instances", "{\"name\":\"x\",\"host\":\"http://169.254.169.254\"}");
      assertEquals(403, a.status());
      assertEquals("FORBIDDEN", a.i18n());
      assertEquals(0, api.get("/api/instances").json().size());
    }

    @Test
    void my_withoutInstanceOption_is404WithErrorBody() {
      ApiClient.Answer a = api.get("/api/instances/my");
      assertEquals(404, a.status());
      assertEquals("INSTANCE_NOT_FOUND", a.i18n());
    }

    @Test
    void kdb_putTextPlainThenGetEncodedPath_roundTrips() {
      instance("a");
      ApiClient.Answer put = api.text("PUT", "/api/instances/a/kdb/user%3A/app/port", "8080");
      assertEquals(200, put.status(), put.raw());
      assertTrue(put.json().get("ok").asBoolean());
      JsonNode got = api.get("/api/instances/a/kdb/user%3A/app/port").json();
      assertTrue(got.get("exists").asBoolean());
      assertEquals("8080", got.get("value").asText());
      assertEquals("user:/app/port", got.get("path").asText());
    }

    @Test
    void kdb_jsonStringAndLegacyName_areAccepted() {
      instance("a");
      assertEquals(200, api.json("PUT", "/api/instances/a/kdb/user/app/name", "\"hello\"").status());
      assertEquals("hello", valueOn("a", "user:/app/name"));
      ApiClient.Answer notString = api.json("PUT", "/api/instances/a/kdb/user:/app/name", "{\"v\":1}");
      assertEquals(400, notString.status());
      assertEquals("INVALID_BODY", notString.i18n());
    }

    @Test
    void kdb_escapedSlashInPart_staysInOnePart() {
      instance("a");
      assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user%3A/a%5C%2Fb", "v").status());
      assertEquals("v", valueOn("a", "user:/a\\/b"));
    }

    @Test
    void kdb_deleteAnswersJsonBody_metaAnswers204() {
      instance("a");
      api.text("PUT", "/api/instances/a/kdb/user:/x/y", "1");
      ApiClient.Answer meta = api.json("POST", "/api/instances/a/kdbMeta/user:/x/y",
          "{\"key\":\"check/type\",\"value\":\"long\"}");
      assertEquals(204, meta.status(), meta.raw());
      assertEquals("long", api.get("/api/instances/a/kdb/user:/x/y").json().get("meta").get("check/type").asText());
      ApiClient.Answer delMeta = api.json("DELETE", "/api/instances/a/kdbMeta/user:/x/y", "{\"key\":\"check/type\"}");
      assertEquals(204, delMeta.status(), delMeta.raw());
      ApiClient.Answer del = api.delete("/api/instances/a/kdb/user:/x");
      assertEquals(200, del.status());
      assertTrue(del.json().isObject());
      assertFalse(api.get("/api/instances/a/kdb/user:/x/y").json().get("exists").asBoolean());
    }

    @Test
    void kdb_procNamespace_isRefusedBeforeSending() {
      instance("a");
      ApiClient.Answer a = api.text("PUT", "/api/instances/a/kdb/proc:/x", "1");
      assertEquals(400, a.status());
      assertEquals("NAMESPACE_NOT_WRITABLE", a.i18n());
      assertTrue(a.json().get("error").get("message").asText().contains("user:/"));
    }

    @Test
    void kdb_invalidKeyName_is400() {
      instance("a");
      ApiClient.Answer a = api.text("PUT", "/api/instances/a/kdb/foo:/x", "1");
      assertEquals(400, a.status());
      assertEquals("INVALID_KEY_NAME", a.i18n());
    }

    @Test
    void kdb_moveAndCopy_takeTargetAsTextPlain() {
      instance("a");
      api.text("PUT", "/api/instances/a/kdb/user:/src/k", "v");
      assertEquals(204, api.text("POST", "/api/instances/a/kdbCp/user:/src", "user:/copy").status());
      assertEquals(204, api.text("POST", "/api/instances/a/kdbMv/user:/src", "user:/moved").status());
      assertEquals("v", valueOn("a", "user:/copy/k"));
      assertEquals("v", valueOn("a", "user:/moved/k"));
      assertFalse(mem.database("a").lookup(KeyName.parse("user:/src/k"), 0).exists());
    }
  }

  @Nested
  class Clusters {
    @Test
    void pin_onRoot_reachesEveryInstanceFourLevelsDown() {
      fourLevels();
      ApiClient.Answer a = api.text("PUT", "/api/clusters/root/kdb/user:/app/level", "info");
      assertEquals(200, a.status(), a.raw());
      assertEquals(4, a.json().get("summary").get("total").asInt());
      assertEquals(4, a.json().get("summary").get("succeeded").asInt());
      for (String i : List.of("a", "b", "c", "d")) {
        assertEquals("info", valueOn(i, "user:/app/level"));
      }
    }

    @Test
    void instanceWrite_lockedKey_is409NamingTheCluster() {
      fourLevels();
      api.text("PUT", "/api/clusters/region/kdb/user:/app/port", "80");
      ApiClient.Answer a = api.text("PUT", "/api/instances/a/kdb/user:/app/port", "81");
      assertEquals(409, a.status());
      assertEquals("KEY_LOCKED", a.i18n());
      assertEquals("region", a.json().get("error").get("details").get("lockedBy").asText());
      assertEquals("80", valueOn("a", "user:/app/port"));
      JsonNode lookup = api.get("/api/instances/a/kdb/user:/app/port").json();
      assertEquals("region", lookup.get("lockedBy").asText());
      assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user:/app/other", "ok").status());
    }

    @Test
    void pin_belowAnAncestorLock_is409KeyLocked() {
      fourLevels();
      api.text("PUT", "/api/clusters/root/kdb/user:/x", "1");
      ApiClient.Answer a = api.text("PUT", "/api/clusters/rack/kdb/user:/x", "2");
      assertEquals(409, a.status());
      assertEquals("KEY_LOCKED", a.i18n());
    }

    @Test
    void pin_pinnedBelow_needsForce() {
      fourLevels();
      api.text("PUT", "/api/clusters/rack/kdb/user:/x", "low");
      ApiClient.Answer refused = api.text("PUT", "/api/clusters/root/kdb/user:/x", "high");
      assertEquals(409, refused.status());
      assertEquals("KEY_PINNED_BELOW", refused.i18n());
      assertEquals("low", valueOn("a", "user:/x"));
      ApiClient.Answer forced = api.text("PUT", "/api/clusters/root/kdb/user:/x?force=true", "high");
      assertEquals(200, forced.status(), forced.raw());
      assertEquals("high", valueOn("a", "user:/x"));
      assertEquals(0, api.get("/api/clusters/rack/kdb/user:/x").json().get("pins").size());
    }

    @Test
    void dryRun_reportsPlanAndChangesNothing() {
      fourLevels();
      ApiClient.Answer plan = api.text("PUT", "/api/clusters/zone/kdb/user:/y?dryRun=true", "1");
      assertEquals(200, plan.status());
      assertTrue(plan.json().get("dryRun").asBoolean());
      assertTrue(plan.json().get("accepted").asBoolean());
      assertEquals(3, plan.json().get("changes").size());
      assertFalse(mem.database("a").lookup(KeyName.parse("user:/y"), 0).exists());
      assertFalse(api.get("/api/clusters/zone/kdb/user:/y").json().get("exists").asBoolean());
    }

    @Test
    void attach_cycleAndSecondParent_areRefused() {
      fourLevels();
      ApiClient.Answer cycle = api.json("POST", "/api/clusters/rack/clusters", "{\"clusterId\":\"root\"}");
      assertEquals(409, cycle.status());
      assertEquals("CYCLE", cycle.i18n());
      ApiClient.Answer twice = api.json("POST", "/api/clusters/root/instances", "{\"instanceId\":\"a\"}");
      assertEquals(409, twice.status());
      assertEquals("ALREADY_IN_CLUSTER", twice.i18n());
      ApiClient.Answer missing = api.json("POST", "/api/clusters/root/instances", "{}");
      assertEquals("INSTANCE_ID_MISSING", missing.i18n());
    }

    @Test
    void move_viaParentField_isAtomicAndAppliesPins() {
      fourLevels();
      api.text("PUT", "/api/clusters/region/kdb/user:/r", "1");
      cluster("other", null);
      api.text("PUT", "/api/clusters/other/kdb/user:/o", "2");
      ApiClient.Answer moved = api.json("PUT", "/api/clusters/rack", "{\"parent\":\"other\"}");
      assertEquals(200, moved.status(), moved.raw());
      assertEquals("other", moved.json().get("parent").asText());
      assertEquals("2", valueOn("a", "user:/o"));
      assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user:/r", "free now").status());
    }

    @Test
    void delete_nonEmptyCluster_needsCascade() {
      fourLevels();
      ApiClient.Answer refused = api.delete("/api/clusters/zone");
      assertEquals(409, refused.status());
      assertEquals("CLUSTER_NOT_EMPTY", refused.i18n());
      assertEquals(200, api.delete("/api/clusters/zone?cascade=detach").status());
      JsonNode region = api.get("/api/clusters/region").json();
      assertTrue(region.get("clusters").toString().contains("rack"));
      assertTrue(region.get("instances").toString().contains("c"));
      assertEquals(200, api.delete("/api/clusters/region?cascade=delete").status());
      assertEquals(404, api.get("/api/clusters/rack").status());
      assertEquals("INSTANCE_NOT_FOUND", api.get("/api/instances/a").i18n());
    }

    @Test
    void fanOut_someInstancesStopped_is207ThenReconciled() {
      fourLevels();
      mem.stop("a");
      ApiClient.Answer read = api.get("/api/instances/a/kdb/user:/p");
      assertEquals(502, read.status());
      assertEquals("INSTANCE_UNREACHABLE", read.i18n());
      assertEquals("unreachable", api.get("/api/instances/a/status").json().get("status").asText());
      ApiClient.Answer partial = api.text("PUT", "/api/clusters/root/kdb/user:/p", "1");
      assertEquals(207, partial.status(), partial.raw());
      assertEquals(1, partial.json().get("summary").get("failed").asInt());
      List<String> failed = new ArrayList<>();
      partial.json().get("results").forEach(r -> {
        if (r.get("status").asInt() != 200) {
          failed.add(r.get("instance").asText() + ":" + r.get("error").get("i18n").asText());
        }
      });
      assertEquals(List.of("a:INSTANCE_UNREACHABLE"), failed);
      assertEquals("pending", api.get("/api/instances/a/status").json().get("status").asText());
      mem.start("a");
      clusterd.reconcile().join();
      assertEquals("1", valueOn("a", "user:/p"));
      assertEquals("in-sync", api.get("/api/instances/a/status").json().get("status").asText());
    }

    @Test
    void fanOut_allStopped_is502() {
      fourLevels();
      for (String i : List.of("a", "b", "c", "d")) {
        mem.stop(i);
      }
      assertEquals(502, api.text("PUT", "/api/clusters/root/kdb/user:/p", "1").status());
    }

    @Test
    void drift_changedBehindClustersBack_isReportedAndSynced() {
      fourLevels();
      api.text("PUT", "/api/clusters/zone/kdb/user:/d", "want");
      mem.database("c").set(KeyName.parse("user:/d"), "other");
      JsonNode drift = api.get("/api/clusters/root/drift").json().get("drift");
      assertEquals(1, drift.get("c").size());
      assertEquals("other", drift.get("c").get(0).get("actual").asText());
      assertEquals(0, drift.get("a").size());
      assertEquals(200, api.json("POST", "/api/clusters/zone/sync", "{}").status());
      assertEquals("want", valueOn("c", "user:/d"));
    }

    @Test
    void history_recordsPinsNewestFirst() {
      fourLevels();
      api.text("PUT", "/api/clusters/zone/kdb/user:/h", "1");
      api.text("PUT", "/api/clusters/zone/kdb/user:/h", "2");
      JsonNode h = api.get("/api/history?node=zone&limit=2").json().get("history");
      assertEquals(2, h.size());
      assertEquals("2", h.get(0).get("newValue").asText());
      assertEquals("1", h.get(0).get("oldValue").asText());
    }
  }

  @Nested
  class Protocol {
    @Test
    void unknownRoute_is404Json() {
      ApiClient.Answer a = api.get("/api/nothing");
      assertEquals(404, a.status());
      assertEquals("NOT_FOUND", a.i18n());
    }

    @Test
    void wrongContentType_is415() {
      ApiClient.Answer a = api.send("POST", "/api/clusters", "application/xml", "<x/>");
      assertEquals(415, a.status());
      assertEquals("REQUEST_UNSUPPORTED_CONTENT_TYPE", a.i18n());
    }

    @Test
    void hugeBody_is413() {
      instance("a");
      ApiClient.Answer a = api.text("PUT", "/api/instances/a/kdb/user:/big", "x".repeat(1024 * 1024 + 1));
      assertEquals(413, a.status());
      assertEquals("PAYLOAD_TOO_LARGE", a.i18n());
      assertFalse(mem.database("a").lookup(KeyName.parse("user:/big"), 0).exists());
    }

    @Test
    void errors_neverCarryStackTraces() {
      ApiClient.Answer a = api.json("POST", "/api/clusters", "[1,2");
      assertEquals(400, a.status());
      assertFalse(a.raw().contains("at io.") || a.raw().contains("Exception"), a.raw());
      assertNull(a.json().get("error").get("trace"));
    }

    @Test
    void version_andHealth_answer() {
      assertEquals(2, api.get("/api/version").json().get("api").asInt());
      assertEquals("ok", api.get("/api/health").json().get("status").asText());
    }
  }

  @Test
  void instanceSync_afterAnOutage_deliversWhatWaited() {
    instance("a");
    instance("b");
    cluster("c", null, "a", "b");
    mem.stop("b");
    ApiClient.Answer pin = api.text("PUT", "/api/clusters/c/kdb/user%3A/app/port", "8080");
    assertEquals(207, pin.status(), pin.raw());
    mem.start("b");
    ApiClient.Answer retry = api.send("POST", "/api/instances/b/sync", null, null);
    assertEquals(200, retry.status(), retry.raw());
    assertEquals("8080", mem.database("b").lookup(KeyName.parse("user:/app/port"), 0).value());
    assertEquals("in-sync", api.get("/api/instances/b/status").json().get("status").asText());
    assertEquals(404, api.send("POST", "/api/instances/nope/sync", null, null).status());
  }

  @Test
  void syncDryRun_withOneDriftedKey_listsOnlyTheWriteThatChangesSomething() {
    instance("a");
    instance("b");
    cluster("c", null, "a", "b");
    assertEquals(200, api.text("PUT", "/api/clusters/c/kdb/user%3A/app/port", "8080").status());
    assertEquals(200, api.text("PUT", "/api/clusters/c/kdb/user%3A/app/host", "example").status());
    mem.database("a").set(KeyName.parse("user:/app/port"), "1");
    JsonNode plan = api.send("POST", "/api/clusters/c/sync?dryRun=true", null, null).json();
    assertEquals(1, plan.get("changes").size(), plan.toString());
    assertEquals("a", plan.get("changes").get(0).get("instance").asText());
    assertEquals(1, plan.get("changes").get(0).get("operations").size(), plan.toString());
    assertEquals("1", mem.database("a").lookup(KeyName.parse("user:/app/port"), 0).value(), "a dry run sends nothing");
    JsonNode instancePlan = api.send("POST", "/api/instances/b/sync?dryRun=true", null, null).json();
    assertEquals(0, instancePlan.get("changes").size(), instancePlan.toString());
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes of docs/http-api.md not covered by {@link ApiTest}: editing, listing, detaching, cluster key moves. */
class ApiRoutesTest {
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
    for (String i : List.of("a", "b")) {
      assertEquals(201, api.json("POST", "/api/instances",
          "{\"id\":\"" + i + "\",\"name\":\"" + i + "\",\"host\":\"mem://" + i + "\"}").status());
    }
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"top\",\"name\":\"Top\"}").status());
    assertEquals(201, api.json("POST", "/api/clusters",
        "{\"id\":\"mid\",\"name\":\"Mid\",\"parent\":\"top\",\"instances\":[\"a\",\"b\"]}").status());
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private String valueOn(String instance, String key) {
    return mem.database(instance).lookup(KeyName.parse(key), 0).value();
  }

  @Test
  void instance_editAndUnregister_changeOnlyTheRegistry() {
    mem.database("a").set(KeyName.parse("user:/kept"), "1");
    ApiClient.Answer edit = api.json("PUT", "/api/instances/a", "{\"name\":\"Alpha\",\"labels\":{\"dc\":\"fra\"}}");
    assertEquals(200, edit.status());
    assertEquals("Alpha", edit.json().get("name").asText());
    assertEquals("fra", api.get("/api/instances/a").json().get("labels").get("dc").asText());
    ApiClient.Answer taken = api.json("PUT", "/api/instances/a", "{\"host\":\"mem://b\"}");
    assertEquals(422, taken.status());
    assertEquals("HOST_DOES_ALREADY_EXIST", taken.i18n());
    assertEquals(200, api.delete("/api/instances/a").status());
    assertEquals(404, api.get("/api/instances/a").status());
    assertEquals("1", valueOn("a", "user:/kept"), "unregistering never changes the host");
  }

  @Test
  void keyNamedLikeTheRoute_andNodeNamedLikeTheRoute_areReadAsGiven() {
    assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user%3A/app/kdb", "deep").status());
    JsonNode read = api.get("/api/instances/a/kdb/user%3A/app/kdb").json();
    assertEquals("user:/app/kdb", read.get("path").asText());
    assertEquals("deep", read.get("value").asText());
    assertEquals("deep", valueOn("a", "user:/app/kdb"));
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"kdb\",\"name\":\"K\"}").status());
    assertEquals(200, api.text("PUT", "/api/clusters/kdb/kdb/user%3A/kdb/x", "pinned").status());
    JsonNode pin = api.get("/api/clusters/kdb/kdb/user%3A/kdb/x").json();
    assertEquals("user:/kdb/x", pin.get("path").asText());
    assertEquals("pinned", pin.get("value").asText());
    assertEquals("system:/", api.get("/api/instances/a/kdb/system%3A/").json().get("path").asText());
  }

  @Test
  void rootLookup_withoutAKey_listsEveryNamespace_likeElektradsGetKdb() {
    mem.database("a").set(KeyName.parse("system:/app/mode"), "prod");
    assertEquals(200, api.text("PUT", "/api/clusters/top/kdb/user:/app/port", "80").status());
    JsonNode root = api.get("/api/instances/a/kdb").json();
    assertEquals("/", root.get("path").asText());
    List<String> ls = new java.util.ArrayList<>();
    root.get("ls").forEach(n -> ls.add(n.asText()));
    assertTrue(ls.contains("system:/app/mode") && ls.contains("user:/app/port"), ls.toString());
    assertEquals("top", root.get("locks").get("user:/app/port").asText(), root.toString());
    JsonNode pins = api.get("/api/clusters/top/kdb").json();
    assertEquals("user:/app/port", pins.get("ls").get(0).asText(), pins.toString());
  }

  @Test
  void clusterEdit_withARefusedMove_changesNothing() {
    ApiClient.Answer cycle = api.json("PUT", "/api/clusters/top", "{\"name\":\"Renamed\",\"parent\":\"mid\"}");
    assertEquals(409, cycle.status(), cycle.raw());
    assertEquals("CYCLE", cycle.i18n());
    JsonNode top = api.get("/api/clusters/top").json();
    assertEquals("Top", top.get("name").asText(), "the rename must not be applied without the move");
    assertTrue(top.get("parent") == null || top.get("parent").isNull());
    ApiClient.Answer fields = api.json("PUT", "/api/clusters/top",
        "{\"description\":\"all hosts\",\"labels\":{\"tier\":\"prod\"}}");
    assertEquals(200, fields.status(), fields.raw());
    JsonNode edited = api.get("/api/clusters/top").json();
    assertEquals("all hosts", edited.get("description").asText());
    assertEquals("prod", edited.get("labels").get("tier").asText());
    assertEquals("Top", edited.get("name").asText());
    ApiClient.Answer both = api.json("PUT", "/api/clusters/mid", "{\"name\":\"Middle\",\"parent\":null}");
    assertEquals(200, both.status(), both.raw());
    assertEquals("Middle", both.json().get("name").asText());
    assertTrue(both.json().get("parent") == null || both.json().get("parent").isNull());
  }

  @Test
  void instanceEdit_withParent_movesTheInstanceAsTheConflictMessageSays() {
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"other\",\"name\":\"Other\"}").status());
    ApiClient.Answer taken = api.json("POST", "/api/clusters/other/instances", "{\"instanceId\":\"a\"}");
    assertEquals("ALREADY_IN_CLUSTER", taken.i18n());
    String hint = taken.json().path("error").path("message").asText();
    assertTrue(hint.contains("\"parent\": \"other\""), hint);
    ApiClient.Answer moved = api.json("PUT", "/api/instances/a", "{\"parent\":\"other\"}");
    assertEquals(200, moved.status(), moved.raw());
    assertEquals("other", api.get("/api/instances/a").json().get("parent").asText());
    assertEquals(1, api.get("/api/clusters/mid/instances").json().size());
  }

  @Test
  void health_saysWhenTheStoreCannotBeRead(@TempDir Path dir) {
    SqliteStore store = SqliteStore.open(dir);
    try (Clusterd own = Clusterd.builder().store(store).transport(mem).reconcileEvery(Duration.ZERO).build();
        ClusterdServer daemon = ClusterdServer.start(own, ServerConfig.loopback(0))) {
      ApiClient client = new ApiClient(daemon.url());
      ApiClient.Answer fine = client.get("/api/health");
      assertEquals(200, fine.status());
      assertEquals("ok", fine.json().get("store").asText());
      store.close(); // what a lost or broken database file looks like to the daemon
      ApiClient.Answer failing = client.get("/api/health");
      assertEquals(503, failing.status(), failing.raw());
      assertEquals("failing", failing.json().get("status").asText());
      assertTrue(failing.json().get("store").asText().contains("closed"), failing.raw());
    }
  }

  @Test
  void membershipRoutes_refuseANodeOfTheOtherKind() {
    ApiClient.Answer wrongRoute = api.delete("/api/clusters/top/instances/mid");
    assertEquals(404, wrongRoute.status(), wrongRoute.raw());
    assertEquals("INSTANCE_NOT_FOUND", wrongRoute.i18n());
    assertEquals("top", api.get("/api/clusters/mid").json().get("parent").asText(), "nothing was detached");
    ApiClient.Answer wrongList = api.json("POST", "/api/clusters", "{\"name\":\"X\",\"clusters\":[\"a\"]}");
    assertEquals(400, wrongList.status(), wrongList.raw());
    assertEquals("INVALID_BODY", wrongList.i18n());
    assertEquals(2, api.get("/api/clusters").json().size(), "no cluster was created");
  }

  @Test
  void unpin_pinsListAndHistoryPaging() {
    assertEquals(200, api.text("PUT", "/api/clusters/top/kdb/user:/app/a", "1").status());
    assertEquals(200, api.text("PUT", "/api/clusters/top/kdb/user:/app/a/b", "2").status());
    JsonNode pins = api.get("/api/clusters/mid/pins").json();
    assertEquals(2, pins.size(), pins.toString());
    assertEquals("top", pins.get(0).get("lockedBy").asText(), pins.toString());
    ApiClient.Answer unpin = api.delete("/api/clusters/top/kdb/user:/app/a");
    assertEquals(200, unpin.status(), unpin.raw());
    assertEquals(0, api.get("/api/clusters/top/pins").json().size());
    for (String i : List.of("a", "b")) {
      assertFalse(mem.database(i).lookup(KeyName.parse("user:/app/a"), 0).exists());
      assertFalse(mem.database(i).lookup(KeyName.parse("user:/app/a/b"), 0).exists());
    }
    assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user:/app/a", "free again").status());
    JsonNode newest = api.get("/api/history?node=top&limit=2").json().get("history");
    assertEquals(2, newest.size());
    long oldestShown = newest.get(1).get("seq").asLong();
    JsonNode older = api.get("/api/history?node=top&limit=50&before=" + oldestShown).json().get("history");
    assertTrue(older.size() >= 1, older.toString());
    for (JsonNode h : older) {
      assertTrue(h.get("seq").asLong() < oldestShown, older.toString());
    }
  }

  @Test
  void createCluster_withoutId_idIsTheSlugOfTheNameMadeUnique() {
    ApiClient.Answer first = api.json("POST", "/api/clusters", "{\"name\":\"EU Web (Zürich)\"}");
    assertEquals(201, first.status(), first.raw());
    assertEquals("eu-web-zurich", first.json().get("id").asText());
    ApiClient.Answer second = api.json("POST", "/api/clusters", "{\"name\":\"eu web zurich\",\"parent\":\"top\"}");
    assertEquals("eu-web-zurich-2", second.json().get("id").asText(), second.raw());
    assertEquals("top", api.get("/api/clusters/eu-web-zurich-2").json().get("parent").asText());
  }

  @Test
  void historyInherited_ofInstance_addsTheKeyChangesOfItsClustersNewestFirst() {
    assertEquals(200, api.text("PUT", "/api/clusters/top/kdb/user:/app/top", "1").status());
    assertEquals(200, api.text("PUT", "/api/clusters/mid/kdb/user:/app/mid", "2").status());
    assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user:/app/own", "3").status());
    JsonNode own = api.get("/api/history?node=a").json().get("history");
    assertTrue(own.findValuesAsText("node").stream().allMatch("a"::equals), own.toString());
    JsonNode all = api.get("/api/history?node=a&inherited=true").json().get("history");
    List<String> keyed = new java.util.ArrayList<>();
    all.forEach(h -> keyed.add(h.get("node").asText() + " " + h.path("key").asText("")));
    assertEquals(List.of("a user:/app/own", "mid user:/app/mid", "top user:/app/top"), keyed.subList(0, 3), keyed.toString());
    assertTrue(keyed.stream().noneMatch(k -> k.equals("top ") || k.equals("mid ")), "only the clusters' key changes: " + keyed);
    JsonNode page = api.get("/api/history?node=a&inherited=true&limit=2").json().get("history");
    assertEquals(2, page.size());
    long seq = page.get(1).get("seq").asLong();
    JsonNode older = api.get("/api/history?node=a&inherited=true&before=" + seq).json().get("history");
    assertEquals("top", older.get(0).get("node").asText(), older.toString());
  }

  @Test
  void smallErrors_registerOff_missingClusterId_wrongMethod() {
    ApiClient.Answer off = api.json("POST", "/api/register?apikey=x", "{\"name\":\"n\",\"host\":\"mem://n\"}");
    assertEquals(403, off.status(), off.raw());
    assertEquals("FORBIDDEN", off.i18n());
    ApiClient.Answer noId = api.json("POST", "/api/clusters/top/clusters", "{}");
    assertEquals(400, noId.status(), noId.raw());
    assertEquals("INVALID_BODY", noId.i18n());
    ApiClient.Answer wrongMethod = api.json("PATCH", "/api/instances/a", "{}");
    assertEquals(405, wrongMethod.status(), wrongMethod.raw());
    assertEquals("METHOD_NOT_ALLOWED", wrongMethod.i18n(), wrongMethod.raw());
  }

  @Test
  void clusters_listWithParentAndMembers() {
    JsonNode list = api.get("/api/clusters").json();
    assertEquals(2, list.size());
    JsonNode mid = list.get(0).get("id").asText().equals("mid") ? list.get(0) : list.get(1);
    assertEquals("top", mid.get("parent").asText());
    assertEquals(2, api.get("/api/clusters/mid/instances").json().size());
    assertEquals("mid", api.get("/api/clusters/top/clusters").json().get(0).get("id").asText());
  }

  @Test
  void detach_instanceAndCluster_dropLocksButKeepValues() {
    api.text("PUT", "/api/clusters/top/kdb/user:/t", "v");
    assertEquals(200, api.delete("/api/clusters/mid/instances/a").status());
    assertEquals("v", valueOn("a", "user:/t"));
    assertEquals(200, api.text("PUT", "/api/instances/a/kdb/user:/t", "mine").status());
    assertEquals(409, api.text("PUT", "/api/instances/b/kdb/user:/t", "no").status());
    assertEquals(200, api.delete("/api/clusters/top/clusters/mid").status());
    assertEquals(200, api.text("PUT", "/api/instances/b/kdb/user:/t", "free").status());
    ApiClient.Answer notMember = api.delete("/api/clusters/top/clusters/mid");
    assertEquals(404, notMember.status());
  }

  @Test
  void attachCluster_viaPost_isRefusedWhenItCreatesACycleAndAcceptedOtherwise() {
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"side\",\"name\":\"Side\"}").status());
    assertEquals(200, api.json("POST", "/api/clusters/side/clusters", "{\"clusterId\":\"top\"}").status());
    ApiClient.Answer cycle = api.json("POST", "/api/clusters/mid/clusters", "{\"clusterId\":\"side\"}");
    assertEquals("CYCLE", cycle.i18n());
  }

  @Test
  void clusterKeys_moveCopyAndMeta_fanOutAndKeepPins() {
    assertEquals(200, api.text("PUT", "/api/clusters/mid/kdb/user:/app/old/k", "1").status());
    ApiClient.Answer cp = api.text("POST", "/api/clusters/mid/kdbCp/user:/app/old", "user:/app/copy");
    assertEquals(200, cp.status(), cp.raw());
    ApiClient.Answer mv = api.text("POST", "/api/clusters/mid/kdbMv/user:/app/old", "user:/app/new");
    assertEquals(200, mv.status(), mv.raw());
    for (String i : List.of("a", "b")) {
      assertEquals("1", valueOn(i, "user:/app/new/k"));
      assertEquals("1", valueOn(i, "user:/app/copy/k"));
      assertFalse(mem.database(i).lookup(KeyName.parse("user:/app/old/k"), 0).exists());
    }
    ApiClient.Answer meta = api.json("POST", "/api/clusters/mid/kdbMeta/user:/app/new/k",
        "{\"key\":\"check/type\",\"value\":\"long\"}");
    assertEquals(200, meta.status(), meta.raw());
    assertEquals("long", mem.database("b").lookup(KeyName.parse("user:/app/new/k"), 0).meta().get("check/type"));
    JsonNode pins = api.get("/api/clusters/mid/kdb/user:/app").json();
    assertEquals(List.of("user:/app/copy/k", "user:/app/new/k"),
        List.of(pins.get("ls").get(0).asText(), pins.get("ls").get(1).asText()));
    assertEquals(200, api.json("DELETE", "/api/clusters/mid/kdbMeta/user:/app/new/k", "{\"key\":\"check/type\"}").status());
    ApiClient.Answer missing = api.json("DELETE", "/api/clusters/mid/kdbMeta/user:/nothing", "{\"key\":\"x\"}");
    assertEquals(404, missing.status());
    assertEquals("PATH_NOT_FOUND", missing.i18n());
  }

  @Test
  void clusterKdb_members_showsEachInstancesActualValue() {
    api.text("PUT", "/api/clusters/mid/kdb/user:/m", "want");
    mem.database("b").set(KeyName.parse("user:/m"), "drifted");
    JsonNode r = api.get("/api/clusters/mid/kdb/user:/m?members=true").json();
    assertEquals("want", r.get("value").asText());
    assertEquals("want", r.get("members").get("a").asText());
    assertEquals("drifted", r.get("members").get("b").asText());
  }

  @Test
  void versionsAndFind_areForwarded() {
    assertEquals(0, api.get("/api/instances/a/version").json().get("elektra").get("micro").asInt());
    JsonNode versions = api.get("/api/clusters/top/version").json();
    assertTrue(versions.has("a") && versions.has("b"), versions.toString());
    api.text("PUT", "/api/instances/a/kdb/user:/find/me", "x");
    JsonNode found = api.get("/api/instances/a/kdbFind/find").json();
    assertEquals("user:/find/me", found.get(0).asText());
  }

  @Test
  void effectivePins_nameTheLockingCluster() {
    api.text("PUT", "/api/clusters/top/kdb/user:/p1", "1");
    api.text("PUT", "/api/clusters/mid/kdb/user:/p2", "2");
    JsonNode pins = api.get("/api/instances/a/pins").json();
    assertEquals("top", pins.get(0).get("lockedBy").asText());
    assertEquals("mid", pins.get(1).get("lockedBy").asText());
  }

  @Test
  void dryRun_onRegistryChanges_changesNothing() {
    ApiClient.Answer plan = api.delete("/api/clusters/top?cascade=delete&dryRun=true");
    assertEquals(200, plan.status());
    assertTrue(plan.json().get("accepted").asBoolean());
    assertEquals(200, api.get("/api/clusters/top").status());
    ApiClient.Answer refused = api.delete("/api/clusters/top?dryRun=true");
    assertFalse(refused.json().get("accepted").asBoolean());
    assertEquals("CLUSTER_NOT_EMPTY", refused.json().get("conflicts").get(0).get("i18n").asText());
    ApiClient.Answer bad = api.delete("/api/clusters/top?cascade=sideways");
    assertEquals(400, bad.status());
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/clusters/{id}/rollback} over loopback against elektrad stand-ins and a SQLite store: pins and
 * host values restored to a sequence or a time, a subtree, a key filter, the rollback of a rollback, the dry run,
 * and the refusals.
 *
 * <p>Tree: prod (pins) &gt; eu (pins) &gt; web-1, web-2; prod &gt; db-1.
 */
class RollbackApiTest {
  private static final Instant T0 = Instant.parse("2030-05-01T10:00:00Z");
  private static final KeyName PORT = KeyName.parse("user:/app/port");
  private static final KeyName MODE = KeyName.parse("user:/app/mode");
  private static final KeyName LEVEL = KeyName.parse("user:/log/level");

  @TempDir
  Path dir;

  private final HandClock clock = new HandClock(T0);
  private final KeyDatabase web1 = new KeyDatabase();
  private final KeyDatabase web2 = new KeyDatabase();
  private final KeyDatabase db1 = new KeyDatabase();
  private ElektradServer hosts;
  private Clusterd clusterd;
  private ClusterdServer server;
  private String url;

  @BeforeEach
  void start() {
    hosts = ElektradServer.builder().bindHost("127.0.0.1").port(0).mount("/web-1", web1).mount("/web-2", web2)
        .mount("/db-1", db1).start();
    clusterd = Clusterd.builder().store(SqliteStore.open(dir)).discoverTransports(getClass().getClassLoader())
        .clock(clock).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5)).build();
    for (String id : new String[] {"web-1", "web-2", "db-1"}) {
      clusterd.registerInstance(InstanceSpec.of(id, hosts.url("/" + id).toString()).withId(id));
    }
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(java.util.List.of("db-1")));
    clusterd.createCluster(ClusterSpec.of("eu").withId("eu").withParent("prod")
        .withMembers(java.util.List.of("web-1", "web-2")));
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    url = server.url();
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
    hosts.close();
  }

  private StateApiTest.Reply post(String path, String body) {
    return StateApiTest.send(url, "POST", path, "application/json", body);
  }

  private StateApiTest.Reply put(String path, String value) {
    return StateApiTest.send(url, "PUT", path, "text/plain", value);
  }

  private void meta(String cluster, KeyName key, String name, String value) {
    StateApiTest.Reply r = post("/api/clusters/" + cluster + "/kdbMeta/" + key, "{\"key\":\"" + name
        + "\",\"value\":\"" + value + "\"}");
    assertTrue(r.status() < 300, r.body());
  }

  private void pin(String cluster, KeyName key, String value) {
    clock.set(clock.instant().plusSeconds(60));
    StateApiTest.Reply r = put("/api/clusters/" + cluster + "/kdb/" + key, value);
    assertEquals(200, r.status(), r.body());
  }

  private long newest() {
    return clusterd.history(Optional.empty(), Long.MAX_VALUE, 1).get(0).seq();
  }

  private static String value(KeyDatabase db, KeyName key) {
    return db.get(key).map(KeyDatabase.Entry::value).orElse(null);
  }

  private static Map<String, String> metaOf(KeyDatabase db, KeyName key) {
    return db.get(key).map(KeyDatabase.Entry::meta).orElse(Map.of());
  }

  @Test
  void rollback_toSequence_restoresPinValueAndMetadataAndHostValues() {
    pin("eu", PORT, "8080");
    meta("eu", PORT, "check/type", "long");
    pin("prod", MODE, "strict");
    long s = newest();
    pin("eu", PORT, "9090");
    meta("eu", PORT, "description", "the port");
    pin("prod", MODE, "lax");
    assertEquals("9090", value(web1, PORT));

    StateApiTest.Reply r = post("/api/clusters/eu/rollback", "{\"to\": " + s + "}");

    assertEquals(200, r.status(), r.body());
    JsonNode pins = r.json().path("pins");
    assertEquals(1, pins.size(), r.body());
    assertEquals("user:/app/port", pins.get(0).path("key").asText());
    assertEquals("9090", pins.get(0).path("before").path("value").asText());
    assertEquals("8080", pins.get(0).path("after").path("value").asText());
    assertEquals(200, r.json().path("fanOut").path("status").asInt(), r.body());
    assertEquals("8080", clusterd.pins("eu").get(0).value());
    assertEquals(Map.of("check/type", "long"), clusterd.pins("eu").get(0).meta());
    for (KeyDatabase host : new KeyDatabase[] {web1, web2}) {
      assertEquals("8080", value(host, PORT));
      assertEquals(Map.of("check/type", "long"), metaOf(host, PORT), "the description the rollback removes");
    }
    // prod was not rolled back: not part of the change, nothing sent to db-1
    assertEquals("lax", clusterd.pins("prod").get(0).value());
    assertEquals("lax", value(db1, MODE));
    JsonNode history = StateApiTest.send(url, "GET", "/api/history?node=eu&limit=2", null, null).json()
        .path("history");
    assertEquals("pin", history.get(0).path("operation").asText(), history.toString());
    assertEquals("rollback", history.get(1).path("operation").asText(), history.toString());
    assertTrue(history.get(1).path("newValue").asText().startsWith("#" + s + " "), history.toString());
  }

  @Test
  void rollback_byTime_takesTheEntriesRecordedUpToThatTime() {
    pin("eu", PORT, "1");
    Instant between = clock.instant().plusSeconds(30);
    pin("eu", PORT, "2");
    pin("eu", PORT, "3");

    StateApiTest.Reply r = post("/api/clusters/eu/rollback", "{\"to\": \"" + between + "\"}");

    assertEquals(200, r.status(), r.body());
    assertEquals("1", clusterd.pins("eu").get(0).value());
    assertEquals("1", value(web2, PORT));
  }

  @Test
  void rollback_subtree_restoresEveryClusterBelowAndDryRunShowsEveryPinAndInstance() {
    pin("prod", MODE, "strict");
    pin("eu", PORT, "8080");
    long s = newest();
    pin("prod", MODE, "lax");
    pin("eu", PORT, "9090");
    pin("eu", LEVEL, "debug");

    StateApiTest.Reply dry = post("/api/clusters/prod/rollback?dryRun=true", "{\"to\": " + s + ", \"subtree\": true}");

    assertEquals(200, dry.status(), dry.body());
    assertTrue(dry.json().path("accepted").asBoolean(), dry.body());
    assertEquals(3, dry.json().path("pins").size(), dry.body());
    JsonNode changes = dry.json().path("changes");
    assertEquals(3, changes.size(), "web-1, web-2 and db-1: " + dry.body());
    assertEquals("lax", clusterd.pins("prod").get(0).value(), "a dry run changes nothing");
    assertEquals("9090", value(web1, PORT));

    StateApiTest.Reply r = post("/api/clusters/prod/rollback", "{\"to\": " + s + ", \"subtree\": true}");

    assertEquals(200, r.status(), r.body());
    assertEquals("strict", value(db1, MODE));
    assertEquals("strict", value(web1, MODE));
    assertEquals("8080", value(web2, PORT));
    assertEquals(1, clusterd.pins("eu").size(), "the level pin made after the point is gone: " + clusterd.pins("eu"));
    assertEquals("debug", value(web1, LEVEL), "a pin that goes leaves the host's value, as leaving a cluster does");
  }

  @Test
  void rollback_withKeys_restoresOnlyThoseKeysAndTheKeysBelowThem() {
    pin("eu", PORT, "8080");
    pin("eu", LEVEL, "info");
    long s = newest();
    pin("eu", PORT, "9090");
    pin("eu", LEVEL, "debug");

    StateApiTest.Reply r = post("/api/clusters/eu/rollback", "{\"to\": " + s + ", \"keys\": [\"user:/log\"]}");

    assertEquals(200, r.status(), r.body());
    assertEquals("info", value(web1, LEVEL));
    assertEquals("9090", value(web1, PORT), "not among the keys");
  }

  @Test
  void rollback_ofARollback_restoresWhatItUndid() {
    pin("eu", PORT, "8080");
    long s = newest();
    pin("eu", PORT, "9090");
    meta("eu", PORT, "check/type", "long");
    long beforeRollback = newest();
    assertEquals(200, post("/api/clusters/eu/rollback", "{\"to\": " + s + "}").status());
    assertEquals("8080", value(web1, PORT));

    StateApiTest.Reply r = post("/api/clusters/eu/rollback", "{\"to\": " + beforeRollback + "}");

    assertEquals(200, r.status(), r.body());
    assertEquals("9090", value(web1, PORT));
    assertEquals(Map.of("check/type", "long"), clusterd.pins("eu").get(0).meta());
    assertEquals(Map.of("check/type", "long"), metaOf(web2, PORT));
  }

  @Test
  void rollback_survivesARestart_theHistoryIsInTheStoreFile() {
    pin("eu", PORT, "8080");
    long s = newest();
    pin("eu", PORT, "9090");
    server.close();
    clusterd.close();
    clusterd = Clusterd.builder().store(SqliteStore.open(dir)).discoverTransports(getClass().getClassLoader())
        .clock(clock).reconcileEvery(Duration.ZERO).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    url = server.url();

    StateApiTest.Reply r = post("/api/clusters/eu/rollback", "{\"to\": " + s + "}");

    assertEquals(200, r.status(), r.body());
    assertEquals("8080", value(web1, PORT));
  }

  @Test
  void rollback_lockedAboveToday_isRefusedAndForceDropsPinsBelow() {
    pin("prod", PORT, "1");
    long s = newest();
    assertEquals(200, StateApiTest.send(url, "DELETE", "/api/clusters/prod/kdb/" + PORT, null, null).status());
    pin("eu", PORT, "2");

    StateApiTest.Reply refused = post("/api/clusters/prod/rollback", "{\"to\": " + s + "}");
    assertEquals(409, refused.status(), refused.body());
    assertEquals("KEY_PINNED_BELOW", refused.json().path("error").path("i18n").asText(), refused.body());
    assertEquals("2", value(web1, PORT), "a refused rollback sends nothing");

    StateApiTest.Reply forced = post("/api/clusters/prod/rollback?force=true", "{\"to\": " + s + "}");
    assertEquals(200, forced.status(), forced.body());
    assertEquals("1", value(web1, PORT));
    assertEquals(0, clusterd.pins("eu").size());

    // the other way round: eu had the key at a point, prod locks it now
    long euHad = clusterd.history(Optional.of("eu"), Long.MAX_VALUE, 100).stream()
        .filter(e -> e.operation().equals("pin")).findFirst().orElseThrow().seq();
    StateApiTest.Reply locked = post("/api/clusters/eu/rollback", "{\"to\": " + euHad + "}");
    assertEquals(409, locked.status(), locked.body());
    assertEquals("KEY_LOCKED", locked.json().path("error").path("i18n").asText(), locked.body());
  }

  private JsonNode awaitRollout(String id, String state) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = StateApiTest.send(url, "GET", "/api/rollouts/" + id, null, null).json();
      if (last.path("state").asText().equals(state)) {
        return last;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("rollout " + id + " never got " + state + ": " + last);
  }

  @Test
  void rollback_ofAKeyBeingRolledOut_isRefused409_andAcrossTheCompletedRolloutRestoresTheOldValue() {
    pin("prod", PORT, "1");
    long s = newest();
    pin("prod", PORT, "2");
    StateApiTest.Reply started = post("/api/clusters/prod/rollouts", "{\"id\":\"r1\",\"op\":\"set\","
        + "\"key\":\"user:/app/port\",\"value\":\"3\",\"waves\":[[\"eu\"],[\"*\"]],\"pause\":\"manual\"}");
    assertEquals(201, started.status(), started.body());
    awaitRollout("r1", "paused");

    StateApiTest.Reply dry = post("/api/clusters/prod/rollback?dryRun=true", "{\"to\": " + s + "}");
    assertEquals(200, dry.status(), dry.body());
    assertFalse(dry.json().path("accepted").asBoolean(), dry.body());
    assertEquals("ROLLOUT_IN_PROGRESS", dry.json().path("conflicts").get(0).path("i18n").asText(), dry.body());
    StateApiTest.Reply refused = post("/api/clusters/prod/rollback", "{\"to\": " + s + "}");
    assertEquals(409, refused.status(), refused.body());
    assertEquals("ROLLOUT_IN_PROGRESS", refused.json().path("error").path("i18n").asText(), refused.body());
    assertTrue(refused.json().path("error").path("message").asText().contains("abort"), refused.body());
    assertEquals("2", clusterd.pins("prod").get(0).value(), "nothing changed");
    assertEquals(java.util.List.of("3", "3", "2"), java.util.List.of(value(web1, PORT), value(web2, PORT),
        value(db1, PORT)), "the rollout's first wave is untouched");

    assertEquals(200, post("/api/rollouts/r1/resume", "").status());
    awaitRollout("r1", "completed");
    assertEquals("3", value(db1, PORT));
    StateApiTest.Reply back = post("/api/clusters/prod/rollback", "{\"to\": " + s + "}");
    assertEquals(200, back.status(), back.body());
    assertEquals("1", clusterd.pins("prod").get(0).value());
    assertEquals(java.util.List.of("1", "1", "1"), java.util.List.of(value(web1, PORT), value(web2, PORT),
        value(db1, PORT)));
  }

  @Test
  void rollback_badPoints_areClear4xxAndChangeNothing() {
    pin("eu", PORT, "8080");
    long newest = newest();

    StateApiTest.Reply unknown = post("/api/clusters/eu/rollback", "{\"to\": " + (newest + 5) + "}");
    assertEquals(404, unknown.status(), unknown.body());
    assertEquals("HISTORY_NOT_FOUND", unknown.json().path("error").path("i18n").asText());
    assertTrue(unknown.json().path("error").path("message").asText().contains("newest is #" + newest),
        unknown.body());

    StateApiTest.Reply future = post("/api/clusters/eu/rollback", "{\"to\": \"2099-01-01T00:00:00Z\"}");
    assertEquals(404, future.status(), future.body());
    assertEquals("HISTORY_NOT_FOUND", future.json().path("error").path("i18n").asText());
    assertTrue(future.json().path("error").path("message").asText().contains("future"), future.body());

    for (String body : new String[] {"{}", "{\"to\": -1}", "{\"to\": \"yesterday\"}", "{\"to\": 1.5}",
        "{\"to\": 1, \"subtree\": \"yes\"}", "{\"to\": 1, \"keys\": \"user:/a\"}", "{\"to\": 1, \"keys\": [\"bogus:/x\"]}",
        "{\"to\": 1, \"key\": []}"}) {
      StateApiTest.Reply bad = post("/api/clusters/eu/rollback", body);
      assertEquals(400, bad.status(), body + " -> " + bad.body());
      assertFalse(bad.json().path("error").path("message").asText().isBlank(), bad.body());
    }
    for (String option : new String[] {"\"waves\": [[\"*\"]]", "\"maxFailures\": 1", "\"pause\": \"manual\"",
        "\"verify\": true"}) {
      StateApiTest.Reply staged = post("/api/clusters/eu/rollback", "{\"to\": 1, " + option + "}");
      assertEquals(400, staged.status(), option + " -> " + staged.body());
      assertEquals("INVALID_BODY", staged.json().path("error").path("i18n").asText(), staged.body());
      assertTrue(staged.json().path("error").path("message").asText().contains("cannot be rolled out in waves"),
          staged.body());
    }
    StateApiTest.Reply missing = post("/api/clusters/nope/rollback", "{\"to\": 1}");
    assertEquals(404, missing.status(), missing.body());
    assertEquals("CLUSTER_NOT_FOUND", missing.json().path("error").path("i18n").asText());
    assertEquals(newest, newest(), "nothing was recorded");
    assertEquals("8080", clusterd.pins("eu").get(0).value());
  }
}

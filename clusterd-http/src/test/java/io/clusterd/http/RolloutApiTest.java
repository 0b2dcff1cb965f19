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
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts over the REST API against elektrad stand-ins on loopback sockets: waves in order with manual pauses and
 * read-back, the reconciler keeping each instance at its wave's value, a halted rollout when one wave's host is
 * down (per-instance results), abort restoring the previous values on the hosts, dry runs and bad input.
 */
class RolloutApiTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");
  private static final String PORT_PATH = "/kdb/user%3A/app/port";

  @TempDir
  Path dir;

  /** staging (2 instances), eu (3), and 2 instances directly in prod, each group behind its own stand-in. */
  private final Map<String, ElektradServer> servers = new java.util.LinkedHashMap<>();
  private final Map<String, KeyDatabase> hosts = new java.util.LinkedHashMap<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Clusterd clusterd;
  private ApiClient api;
  private ClusterdServer server;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().store(SqliteStore.open(dir)).discoverTransports(getClass().getClassLoader())
        .connectTimeout(Duration.ofMillis(300)).responseTimeout(Duration.ofSeconds(5))
        .retryBackoff(Duration.ofMillis(5)).maxAttempts(2).reconcileEvery(Duration.ZERO).build();
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod"));
    group("staging", 2);
    group("eu", 3);
    group(null, 2);
    clusterd.pin("prod", PORT, "80");
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    open.add(server);
    open.add(clusterd);
    api = new ApiClient(server.url());
  }

  private void group(String cluster, int size) {
    String name = cluster == null ? "prod" : cluster;
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
    List<KeyDatabase> dbs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      KeyDatabase db = new KeyDatabase();
      dbs.add(db);
      b.mount("/i/" + i, db);
    }
    ElektradServer server = b.start();
    servers.put(name, server);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String id = name + "-" + i;
      hosts.put(id, dbs.get(i));
      clusterd.registerInstance(InstanceSpec.of(id, server.url("/i/" + i).toString()).withId(id));
      members.add(id);
    }
    if (cluster == null) {
      members.forEach(m -> clusterd.attach("prod", m));
    } else {
      clusterd.createCluster(ClusterSpec.of(cluster).withId(cluster).withParent("prod").withMembers(members));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    servers.values().forEach(ElektradServer::close);
  }

  private String value(String host) {
    return hosts.get(host).get(PORT).map(KeyDatabase.Entry::value).orElse("<missing>");
  }

  private List<String> values() {
    return hosts.keySet().stream().map(this::value).toList();
  }

  private JsonNode awaitRollout(String id, Predicate<JsonNode> condition) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < end) {
      last = api.get("/api/rollouts/" + id).json();
      if (condition.test(last)) {
        return last;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("rollout " + id + " never got there: " + last);
  }

  private static Predicate<JsonNode> state(String state) {
    return r -> r.path("state").asText().equals(state);
  }

  private ApiClient.Answer startRollout(String body) {
    return api.json("POST", "/api/clusters/prod/rollouts", body);
  }

  @Test
  void wavesInOrder_manualPausesWithVerify_eachWaveWaitsForResume() {
    ApiClient.Answer started = startRollout("{\"id\":\"r1\",\"op\":\"set\",\"key\":\"user:/app/port\",\"value\":"
        + "\"8080\",\"waves\":[[\"staging\"],[\"eu\"],[\"*\"]],\"pause\":\"manual\",\"verify\":true}");
    assertEquals(201, started.status(), started.raw());
    assertEquals("running", started.json().path("state").asText());
    assertEquals(List.of("staging-0", "staging-1"), ids(started.json().path("waves").get(0)));

    JsonNode paused = awaitRollout("r1", state("paused"));
    assertEquals(1, paused.path("wave").asInt());
    assertEquals("done", paused.path("waves").get(0).path("status").asText());
    assertEquals("waiting", paused.path("waves").get(1).path("status").asText());
    assertEquals(List.of("8080", "8080", "80", "80", "80", "80", "80"), values());

    ApiClient.Answer second = api.text("PUT", "/api/clusters/prod" + PORT_PATH, "9090");
    assertEquals(409, second.status(), second.raw());
    assertEquals("ROLLOUT_IN_PROGRESS", second.i18n());
    assertEquals("r1", second.json().path("error").path("details").path("rollout").asText(), second.raw());

    // the reconciler follows the waves: a started instance goes back to the target, a later one to the previous
    hosts.get("staging-1").set(PORT, "1");
    hosts.get("eu-2").set(PORT, "2");
    clusterd.reconcile().join();
    assertEquals(List.of("8080", "8080", "80", "80", "80", "80", "80"), values());

    assertEquals(200, api.send("POST", "/api/rollouts/r1/resume", null, null).status());
    awaitRollout("r1", r -> r.path("state").asText().equals("paused") && r.path("wave").asInt() == 2);
    assertEquals(List.of("8080", "8080", "8080", "8080", "8080", "80", "80"), values());
    api.send("POST", "/api/rollouts/r1/resume", null, null);
    JsonNode done = awaitRollout("r1", state("completed"));
    assertTrue(values().stream().allMatch("8080"::equals), values().toString());
    assertEquals("done", done.path("waves").get(2).path("status").asText());
    assertEquals("8080", api.get("/api/clusters/prod/kdb/user%3A/app/port").json().path("value").asText());

    List<String> history = new ArrayList<>();
    api.get("/api/history?node=prod&limit=20").json().path("history")
        .forEach(h -> history.add(h.path("operation").asText()));
    assertTrue(history.containsAll(List.of("rollout-start", "rollout-wave", "rollout-wave-done", "rollout-complete")),
        history.toString());
    assertEquals(200, api.text("PUT", "/api/clusters/prod" + PORT_PATH, "9090").status());
  }

  @Test
  void liveEvents_everyStepArrivesAsARolloutEventWithItsProgress() {
    SseClient events = SseClient.open(server.url(), Optional.empty(), Optional.empty());
    open.add(0, events);
    startRollout("{\"id\":\"r1\",\"op\":\"set\",\"key\":\"user:/app/port\",\"value\":\"8080\","
        + "\"waves\":[[\"staging\"],[\"*\"]],\"pause\":\"manual\"}");
    awaitRollout("r1", state("paused"));
    assertEquals(200, api.send("POST", "/api/rollouts/r1/resume", null, null).status());
    awaitRollout("r1", state("completed"));

    List<String> steps = new ArrayList<>();
    SseClient.Message last = null;
    while (!steps.contains("complete")) {
      SseClient.Message m = events.next();
      assertFalse(m.event().equals("pin.changed") && m.data().path("operation").asText().startsWith("rollout-"),
          "a rollout step is no pin change: " + m);
      if (m.event().equals("rollout")) {
        assertEquals("r1", m.data().path("rollout").asText(), m.toString());
        assertEquals("prod", m.data().path("cluster").asText(), m.toString());
        assertEquals(m.id(), m.data().path("seq").asText(), "numbered as its history entry: " + m);
        steps.add(m.data().path("step").asText());
        last = m;
      }
    }
    assertEquals(List.of("start", "wave", "wave-done", "wave", "wave-done", "complete"), steps);
    assertEquals("completed", last.data().path("state").asText());
    assertEquals(2, last.data().path("waves").asInt());
    assertEquals(hosts.size(), last.data().path("done").asInt(), last.toString());
    assertEquals(0, last.data().path("failed").asInt());
  }

  @Test
  void waveWithItsHostDown_haltsWithPerInstanceResultsAndSendsNothingFurther() {
    servers.get("eu").stop();
    assertEquals(201, startRollout("{\"id\":\"r1\",\"op\":\"set\",\"key\":\"user:/app/port\",\"value\":\"8080\","
        + "\"waves\":[[\"staging\"],[\"eu\"],[\"*\"]],\"maxFailures\":\"50%\"}").status());
    JsonNode halted = awaitRollout("r1", state("halted"));
    assertEquals(2, halted.path("wave").asInt());
    JsonNode eu = halted.path("waves").get(1);
    assertEquals("failed", eu.path("status").asText());
    assertEquals(3, eu.path("summary").path("failed").asInt());
    eu.path("instances").forEach(i -> {
      assertEquals("failed", i.path("outcome").asText());
      assertTrue(i.path("error").asText().startsWith("INSTANCE_"), i.toString());
    });
    assertEquals("done", halted.path("waves").get(0).path("status").asText());
    assertEquals("waiting", halted.path("waves").get(2).path("status").asText());
    assertEquals("80", value("prod-0"), "nothing is sent to the wave after a halted one");
    assertEquals("8080", value("staging-0"));
  }

  @Test
  void abort_afterFirstWave_restoresPreviousValuesOnTheHosts() {
    startRollout("{\"id\":\"r1\",\"op\":\"set\",\"key\":\"user:/app/port\",\"value\":\"8080\","
        + "\"waves\":[[\"staging\"],[\"*\"]],\"pause\":\"manual\"}");
    awaitRollout("r1", state("paused"));
    ApiClient.Answer aborted = api.send("POST", "/api/rollouts/r1/abort", null, null);
    assertEquals(200, aborted.status(), aborted.raw());
    assertEquals("aborted", aborted.json().path("state").asText());
    assertEquals(2, aborted.json().path("fanOut").path("summary").path("succeeded").asInt());
    assertTrue(values().stream().allMatch("80"::equals), values().toString());
    assertEquals("80", api.get("/api/clusters/prod/kdb/user%3A/app/port").json().path("value").asText());
    ApiClient.Answer again = api.send("POST", "/api/rollouts/r1/resume", null, null);
    assertEquals(409, again.status());
    assertEquals("ROLLOUT_FINISHED", again.i18n());
  }

  @Test
  void dryRun_answersTheWavesWithTheirInstancesAndChangesNothing() {
    ApiClient.Answer planned = api.json("POST", "/api/clusters/prod/rollouts?dryRun=true",
        "{\"op\":\"set\",\"key\":\"user:/app/port\",\"value\":\"8080\",\"waves\":[30,100]}");
    assertEquals(200, planned.status(), planned.raw());
    assertEquals("planned", planned.json().path("state").asText());
    assertEquals(3, planned.json().path("waves").get(0).path("instances").size());
    assertEquals(4, planned.json().path("waves").get(1).path("instances").size());
    assertEquals(0, api.get("/api/rollouts").json().path("rollouts").size());
    assertTrue(values().stream().allMatch("80"::equals));
  }

  @Test
  void badInput_clearErrorsAndNothingStored() {
    ApiClient.Answer unknown = startRollout("{\"op\":\"set\",\"key\":\"user:/a\",\"value\":\"1\",\"wave\":[]}");
    assertEquals(400, unknown.status());
    assertEquals("INVALID_BODY", unknown.i18n());
    assertEquals("wave", unknown.json().path("error").path("details").path("field").asText());
    ApiClient.Answer outside = startRollout("{\"op\":\"set\",\"key\":\"user:/a\",\"value\":\"1\","
        + "\"waves\":[[\"nowhere\"],[\"*\"]]}");
    assertEquals(400, outside.status());
    assertTrue(outside.raw().contains("nowhere"), outside.raw());
    ApiClient.Answer pause = startRollout("{\"op\":\"set\",\"key\":\"user:/a\",\"value\":\"1\",\"pause\":\"soon\"}");
    assertEquals(400, pause.status());
    assertEquals("pause", pause.json().path("error").path("details").path("field").asText());
    ApiClient.Answer failures = startRollout("{\"op\":\"set\",\"key\":\"user:/a\",\"value\":\"1\","
        + "\"maxFailures\":\"150%\"}");
    assertEquals(400, failures.status());
    ApiClient.Answer noValue = startRollout("{\"op\":\"set\",\"key\":\"user:/a\"}");
    assertEquals(400, noValue.status());
    assertEquals("value", noValue.json().path("error").path("details").path("field").asText());
    ApiClient.Answer missing = api.send("POST", "/api/rollouts/nope/pause", null, null);
    assertEquals(404, missing.status());
    assertEquals("ROLLOUT_NOT_FOUND", missing.i18n());
    assertEquals(404, api.get("/api/rollouts/nope").status());
    ApiClient.Answer noCluster = api.json("POST", "/api/clusters/nope/rollouts", "{\"op\":\"delete\",\"key\":\"user:/a\"}");
    assertEquals(404, noCluster.status());
    assertEquals(0, api.get("/api/rollouts").json().path("rollouts").size());
  }

  private static List<String> ids(JsonNode wave) {
    List<String> out = new ArrayList<>();
    wave.path("instances").forEach(i -> out.add(i.path("id").asText()));
    return out;
  }
}

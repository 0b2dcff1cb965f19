package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.Endpoint;
import io.clusterd.KeyName;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.clusterd.core.NodeUpdate;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo mode: stand-ins on free ports, a later start with the same data, an outage and its repair. */
class DemoTest {
  private static final KeyName PORT = KeyName.parse("user:/app/http/port");

  @TempDir
  Path dir;

  private static Clusterd clusterd(Path data) {
    return Clusterd.builder().store(SqliteStore.open(data)).transport(new HttpTransportFactory())
        .reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5)).build();
  }

  private static Set<Integer> ports(Clusterd c) {
    Set<Integer> out = new HashSet<>();
    c.instances().forEach(i -> out.add(i.endpoint().port()));
    return out;
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void twoDemos_onOneMachine_bothRunOnFreePorts() {
    try (DemoTree a = DemoTree.startStandIns(OptionalInt.empty());
         DemoTree b = DemoTree.startStandIns(OptionalInt.empty());
         Clusterd ca = clusterd(dir.resolve("a"));
         Clusterd cb = clusterd(dir.resolve("b"))) {
      a.register(ca);
      b.register(cb);
      assertEquals(12, ca.instances().size());
      Set<Integer> shared = new HashSet<>(ports(ca));
      shared.retainAll(ports(cb));
      assertTrue(shared.isEmpty(), "the demos share ports " + shared);
      assertEquals("8080", ca.lookup("web-eu-1", PORT, 0).join().value());
      assertEquals("8080", cb.lookup("web-eu-1", PORT, 0).join().value());
    }
  }

  @Test
  void laterStart_withTheSameData_pointsTheDemoInstancesAtThisRunsStandIns() {
    Path data = dir.resolve("data");
    try (DemoTree first = DemoTree.startStandIns(OptionalInt.empty()); Clusterd c = clusterd(data)) {
      first.register(c);
      c.apply(new Change.UpdateInstance("laptop", new NodeUpdate(Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.of("http://10.0.0.9:33333"))));
    }
    try (DemoTree second = DemoTree.startStandIns(OptionalInt.empty()); Clusterd c = clusterd(data)) {
      List<String> rebound = second.register(c);
      assertEquals(11, rebound.size(), "every stand-in but the one the user pointed elsewhere: " + rebound);
      assertFalse(rebound.contains("laptop"));
      assertEquals(Endpoint.parse("http://10.0.0.9:33333"), c.instance("laptop").endpoint(), "the user's change stays");
      assertEquals(second.port("web-eu-1"), c.instance("web-eu-1").endpoint().port());
      c.reconcile().join();
      assertEquals("8080", c.lookup("web-eu-1", PORT, 0).join().value(), "the fresh stand-in got its pins");
    }
  }

  @Test
  void standInTakenDown_missesAClusterWrite_andIsInSyncOnceBroughtBack() throws Exception {
    try (DemoTree demo = DemoTree.startStandIns(OptionalInt.empty()); Clusterd c = clusterd(dir.resolve("data"))) {
      demo.register(c);
      try (ClusterdServer server = ClusterdServer.start(c, ServerConfig.loopback(0), Optional.of(demo))) {
        ApiClient api = new ApiClient(server.url());
        assertEquals(12, api.get("/api/demo").json().get("standIns").size());

        ApiClient.Answer down = api.send("POST", "/api/demo/instances/web-eu-1/stop", null, null);
        assertEquals(200, down.status(), down.raw());
        assertFalse(down.json().get("running").asBoolean());
        ApiClient.Answer pin = api.text("PUT", "/api/clusters/eu-web/kdb/user%3A/app/http/port", "9090");
        assertEquals(207, pin.status(), pin.raw());
        assertEquals("pending", api.get("/api/instances/web-eu-1/status").json().get("status").asText());

        ApiClient.Answer up = api.send("POST", "/api/demo/instances/web-eu-1/start", null, null);
        assertEquals(200, up.status(), up.raw());
        assertTrue(up.json().get("running").asBoolean());
        waitFor(() -> api.get("/api/instances/web-eu-1/status").json().get("status").asText().equals("in-sync"),
            "in sync after the stand-in came back");
        assertEquals("9090", api.get("/api/instances/web-eu-1/kdb/user%3A/app/http/port").json().get("value").asText());

        ApiClient.Answer unknown = api.send("POST", "/api/demo/instances/no-such/stop", null, null);
        assertEquals(404, unknown.status());
        assertEquals("NOT_FOUND", unknown.i18n());
        JsonNode paths = api.get("/api/openapi.json").json().get("paths");
        assertTrue(paths.has("/api/demo/instances/{id}/stop"));
      }
    }
  }

  @Test
  void daemonWithoutDemo_servesNoDemoRoutes() {
    try (Clusterd c = clusterd(dir.resolve("data"));
         ClusterdServer server = ClusterdServer.start(c, ServerConfig.loopback(0))) {
      ApiClient api = new ApiClient(server.url());
      assertEquals(404, api.get("/api/demo").status());
      assertEquals(404, api.send("POST", "/api/demo/instances/web-eu-1/stop", null, null).status());
      assertFalse(api.get("/api/openapi.json").json().get("paths").has("/api/demo"));
    }
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes of instance keys no cluster locks are checked against the key's metadata and its {@code spec:/} key's on
 * that instance (read from an elektrad stand-in over loopback) before anything is sent: 422 {@code INVALID_VALUE}
 * naming the key, the check and the reason, the host unchanged; a dry run lists it as a conflict.
 */
class InstanceValidationApiTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");
  private static final KeyName SPEC_PORT = KeyName.parse("spec:/app/port");
  private static final KeyName MODE = KeyName.parse("system:/app/mode");

  private final KeyDatabase web1 = new KeyDatabase();
  private ElektradServer host;
  private Clusterd clusterd;
  private ClusterdServer server;
  private String url;

  @BeforeEach
  void start() {
    host = ElektradServer.builder().bindHost("127.0.0.1").port(0).mount("/web-1", web1).start();
    clusterd = Clusterd.builder().discoverTransports(getClass().getClassLoader()).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(5)).build();
    clusterd.registerInstance(InstanceSpec.of("web 1", host.url("/web-1").toString()).withId("web-1"));
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    url = server.url();
    web1.set(SPEC_PORT, "");
    web1.setMeta(SPEC_PORT, "check/type", "long");
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
    host.close();
  }

  private StateApiTest.Reply put(String path, String value) {
    return StateApiTest.send(url, "PUT", path, "text/plain", value);
  }

  private static void assertInvalid(StateApiTest.Reply r, String key, String check, String reason) {
    assertEquals(422, r.status(), r.body());
    JsonNode error = r.json().path("error");
    assertEquals("INVALID_VALUE", error.path("i18n").asText(), r.body());
    assertEquals(key, error.path("details").path("key").asText(), r.body());
    assertEquals(check, error.path("details").path("check").asText(), r.body());
    assertTrue(error.path("message").asText().contains(reason), r.body());
  }

  private String value(KeyName key) {
    return web1.get(key).map(KeyDatabase.Entry::value).orElse(null);
  }

  @Test
  void set_valueFailingTheSpecKeysType_isRefusedAndNeverSent() {
    long before = host.requestsReceived();

    StateApiTest.Reply r = put("/api/instances/web-1/kdb/user%3A/app/port", "8o8o");

    assertInvalid(r, "user:/app/port", "check/type", "\"8o8o\" is not a long");
    assertEquals(null, value(PORT), "nothing reached the host");
    assertEquals(2, host.requestsReceived() - before, "two reads (the key and its spec:/ key), no write");
    StateApiTest.Reply ok = put("/api/instances/web-1/kdb/user%3A/app/port", "8080");
    assertEquals(200, ok.status(), ok.body());
    assertEquals("8080", value(PORT));
  }

  @Test
  void set_valueFailingTheKeysOwnRangeOverTheSpecKey_isRefused() {
    web1.set(PORT, "80");
    web1.setMeta(PORT, "check/range", "1-1024");

    assertInvalid(put("/api/instances/web-1/kdb/user%3A/app/port", "8080"), "user:/app/port", "check/range",
        "\"8080\" is not within 1-1024");
    assertEquals("80", value(PORT));
    assertEquals(200, put("/api/instances/web-1/kdb/user%3A/app/port", "443").status());
  }

  @Test
  void metaWrite_underWhichTheCurrentValueFails_isRefused() {
    web1.set(MODE, "fast");

    StateApiTest.Reply r = StateApiTest.send(url, "POST", "/api/instances/web-1/kdbMeta/system%3A/app/mode",
        "application/json", "{\"key\":\"check/enum/#0\",\"value\":\"slow\"}");

    assertInvalid(r, "system:/app/mode", "check/enum", "\"fast\" is not one of [slow]");
    assertTrue(web1.get(MODE).orElseThrow().meta().isEmpty(), "the check was not stored on the host");
    StateApiTest.Reply fine = StateApiTest.send(url, "POST", "/api/instances/web-1/kdbMeta/system%3A/app/mode",
        "application/json", "{\"key\":\"description\",\"value\":\"how fast\"}");
    assertEquals(204, fine.status(), fine.body());
  }

  @Test
  void dryRun_ofAnInvalidValue_listsTheConflictAndSendsNothing() {
    StateApiTest.Reply r = put("/api/instances/web-1/kdb/user%3A/app/port?dryRun=true", "many");

    assertEquals(200, r.status(), r.body());
    assertFalse(r.json().path("accepted").asBoolean(), r.body());
    JsonNode conflict = r.json().path("conflicts").get(0);
    assertEquals("INVALID_VALUE", conflict.path("i18n").asText(), r.body());
    assertEquals("check/type", conflict.path("details").path("check").asText(), r.body());
    assertEquals(null, value(PORT));
  }

  @Test
  void lockedKey_isCheckedAgainstThePinsMetadataNotTheHosts() {
    StateApiTest.Reply pin = put("/api/clusters/prod/kdb/user%3A/app/port", "not a number but pinned");
    assertEquals(200, pin.status(), "a pin's checks are the pin's own metadata: " + pin.body());

    StateApiTest.Reply locked = put("/api/instances/web-1/kdb/user%3A/app/port", "1");
    assertEquals(409, locked.status(), locked.body());
    assertEquals("KEY_LOCKED", locked.json().path("error").path("i18n").asText());
  }
}

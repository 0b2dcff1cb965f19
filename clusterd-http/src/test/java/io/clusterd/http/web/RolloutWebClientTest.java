package io.clusterd.http.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.Rollout;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The web client's rollout controls in headless Chromium, against stand-in elektrad instances: a cluster write
 * offers "Roll out in waves" next to "Apply now", shows the waves before the start, then the progress of each
 * wave, with resume, pause and abort.
 *
 * <pre>
 * prod: web (web-1, web-2), db (db-1); prod pins user:/app/level = info
 * </pre>
 */
class RolloutWebClientTest {
  private static final String KEY = "user:/app/level";

  private final Map<String, KeyDatabase> dbs = new LinkedHashMap<>();
  private final Map<String, ElektradServer> standIns = new LinkedHashMap<>();
  private Clusterd clusterd;
  private ClusterdServer server;
  private Browser browser;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Browser.available(), "headless Chromium is not installed (apt-get install chromium chromium-driver): "
        + "the web client's browser tests are skipped");
    clusterd = Clusterd.builder().discoverTransports(getClass().getClassLoader()).reconcileEvery(Duration.ZERO)
        .maxAttempts(2).retryBackoff(Duration.ofMillis(20)).build();
    for (String id : List.of("web-1", "web-2", "db-1")) {
      KeyDatabase db = new KeyDatabase();
      ElektradServer s = ElektradServer.start("127.0.0.1", 0, db);
      dbs.put(id, db);
      standIns.put(id, s);
      clusterd.registerInstance(InstanceSpec.of(id, s.url().toString()).withId(id));
    }
    clusterd.createCluster(ClusterSpec.of("Production").withId("prod"));
    clusterd.createCluster(ClusterSpec.of("Web servers").withId("web").withParent("prod")
        .withMembers(List.of("web-1", "web-2")));
    clusterd.createCluster(ClusterSpec.of("Databases").withId("db").withParent("prod").withMembers(List.of("db-1")));
    clusterd.pin("prod", KeyName.parse(KEY), "info");
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    browser = new Browser(server.url());
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    standIns.values().forEach(ElektradServer::close);
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private String valueOn(String instance) {
    return dbs.get(instance).get(KeyName.parse(KEY)).map(KeyDatabase.Entry::value).orElse(null);
  }

  /** Edits the pin on prod and opens the rollout dialog from the preview. */
  private void rollOut(String value) {
    browser.open("/#/cluster/prod/keys");
    browser.click(".pins-table tr[data-pin='" + KEY + "'] button");
    browser.waitText(".editor .key-name", KEY);
    browser.type("#key-value", value);
    browser.click("#key-save");
    browser.waitText("#preview-dialog button[data-action='apply']", "Apply now");
    browser.click("#preview-dialog button[data-action='rollout']");
    // the waves are shown before anything starts: one per child by default
    browser.waitText("#rollout-plan tr[data-wave='1']", "web");
    browser.waitText("#rollout-plan tr[data-wave='1']", "web-2");
    browser.waitText("#rollout-plan tr[data-wave='2']", "db-1");
    assertEquals("info", valueOn("web-1"), "showing the waves changes nothing");
  }

  @Test
  void rollout_wavesShownThenResumedWaveByWave_reachesEveryInstance() {
    rollOut("debug");
    browser.screenshot("rollout-plan");
    browser.click("#rollout-dialog button[data-action='start']");
    browser.waitText("#rollout-progress .rollout-state", "paused");
    browser.waitText("#rollout-progress tr[data-wave='1'][data-status='done']", "done");
    browser.find("#rollout-progress tr[data-wave='2'][data-status='waiting'] li[data-instance='db-1']"
        + "[data-outcome='waiting']");
    assertEquals("debug", valueOn("web-1"));
    assertEquals("debug", valueOn("web-2"));
    assertEquals("info", valueOn("db-1"), "the second wave waits for resume");
    browser.screenshot("rollout-progress");

    browser.click("#rollout-progress button[data-action='resume']");
    browser.waitText("#rollout-progress .rollout-state", "completed");
    browser.find("#rollout-progress li[data-instance='db-1'][data-outcome='done']");
    assertEquals("debug", valueOn("db-1"));
    browser.click("#rollout-progress button[data-action='cancel']");
    browser.waitText("#status", "completed");
    assertEquals(Rollout.State.COMPLETED, clusterd.rollouts().get(0).state());
    assertTrue(browser.consoleErrors().isEmpty(), browser.consoleErrors().toString());
  }

  @Test
  void rollout_pausedThenAborted_setsTheFirstWaveBack() {
    rollOut("trace");
    browser.type("#rollout-waves", "db | *");
    browser.click("#rollout-dialog button[data-action='plan']");
    browser.waitText("#rollout-plan tr[data-wave='1']", "db-1");
    browser.waitText("#rollout-plan tr[data-wave='2']", "web-1");
    browser.click("#rollout-dialog button[data-action='start']");
    browser.waitText("#rollout-progress .rollout-state", "paused");
    assertEquals("trace", valueOn("db-1"));
    browser.click("#rollout-progress button[data-action='pause']");
    browser.waitText("#rollout-progress .rollout-state", "paused");
    browser.click("#rollout-progress button[data-action='abort']");
    browser.waitText("#rollout-progress .rollout-state", "aborted");
    browser.until("db-1 back to info", Duration.ofSeconds(10), d -> "info".equals(valueOn("db-1")) ? true : null);
    assertEquals("info", valueOn("web-1"));
    assertNull(clusterd.pins("prod").stream().filter(p -> p.value().equals("trace")).findFirst().orElse(null));
    browser.click("#rollout-progress button[data-action='cancel']");
  }
}

package io.clusterd.http.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Cascade;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web client end to end in headless Chromium: the daemon runs in-process over stand-in elektrad instances
 * (real HTTP on ephemeral ports) arranged in nested clusters with pins, and the browser does what a user does.
 * The steps build on each other, in order. Screenshots of the main views go to target/screenshots/.
 *
 * <pre>
 * prod "Production"  pins user:/app/log/level=info
 *   web "Web servers"  pins user:/app/http/port=8080 (check/range 1-65535): web-1, web-2
 *   db "Databases": db-1
 * lone-1, spare-1 (top level); new-1 runs but is not registered
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebClientTest {
  private static final List<String> INSTANCES = List.of("web-1", "web-2", "db-1", "lone-1", "spare-1", "new-1");

  private final Map<String, KeyDatabase> dbs = new LinkedHashMap<>();
  private final Map<String, ElektradServer> standIns = new LinkedHashMap<>();
  private final ReentrantLock reconcileLock = new ReentrantLock();
  private volatile boolean reconciling = true;
  private ScheduledExecutorService reconciler;
  private Clusterd clusterd;
  private ClusterdServer server;
  private Browser browser;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(Browser.available(), "headless Chromium is not installed (apt-get install chromium chromium-driver): "
        + "the web client's browser tests are skipped");
    // the reconciler is driven here (the same pass the daemon schedules) so the drift step can pause it
    clusterd = Clusterd.builder().discoverTransports(getClass().getClassLoader()).reconcileEvery(Duration.ZERO)
        .maxAttempts(2).retryBackoff(Duration.ofMillis(20)).connectTimeout(Duration.ofSeconds(1))
        .responseTimeout(Duration.ofSeconds(3)).build();
    for (String id : INSTANCES) {
      KeyDatabase db = new KeyDatabase();
      ElektradServer s = ElektradServer.start("127.0.0.1", 0, db);
      dbs.put(id, db);
      standIns.put(id, s);
      if (!id.equals("new-1")) {
        clusterd.registerInstance(InstanceSpec.of(id, s.url().toString()).withId(id));
      }
    }
    clusterd.createCluster(ClusterSpec.of("Production").withId("prod"));
    clusterd.createCluster(ClusterSpec.of("Web servers").withId("web").withParent("prod")
        .withMembers(List.of("web-1", "web-2")));
    clusterd.createCluster(ClusterSpec.of("Databases").withId("db").withParent("prod").withMembers(List.of("db-1")));
    clusterd.pin("prod", key("user:/app/log/level"), "info");
    clusterd.pin("web", key("user:/app/http/port"), "8080");
    clusterd.apply(new Change.WriteCluster("web", KeyOperation.setMeta(key("user:/app/http/port"), "check/range",
        "1-65535"), false)).get(10, TimeUnit.SECONDS);
    KeyDatabase web1 = dbs.get("web-1");
    web1.set(key("user:/app/workers"), "4");
    web1.setMeta(key("user:/app/workers"), "check/type", "short");
    web1.setMeta(key("user:/app/workers"), "check/range", "1-64");
    web1.set(key("user:/app/mode"), "fast");
    web1.setMeta(key("user:/app/mode"), "check/enum", "#1");
    web1.setMeta(key("user:/app/mode"), "check/enum/#0", "fast");
    web1.setMeta(key("user:/app/mode"), "check/enum/#1", "safe");
    clusterd.reconcile().get(10, TimeUnit.SECONDS);
    reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "test-reconciler");
      t.setDaemon(true);
      return t;
    });
    reconciler.scheduleWithFixedDelay(this::reconcileOnce, 300, 300, TimeUnit.MILLISECONDS);
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    browser = new Browser(server.url());
  }

  private void reconcileOnce() {
    reconcileLock.lock();
    try {
      if (reconciling) {
        clusterd.reconcile().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // the next pass tries again
    } finally {
      reconcileLock.unlock();
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (reconciler != null) {
      reconciler.shutdownNow();
    }
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

  private static KeyName key(String name) {
    return KeyName.parse(name);
  }

  private String valueOn(String instance, String name) {
    return dbs.get(instance).get(key(name)).map(KeyDatabase.Entry::value).orElse(null);
  }

  private void waitValue(String instance, String name, String expected) {
    browser.until(name + " = " + expected + " on " + instance, Duration.ofSeconds(10),
        d -> expected.equals(valueOn(instance, name)) ? true : null);
  }

  private static String row(String id) {
    return "li[data-id='" + id + "'] > .row";
  }

  private static String keyRow(String name) {
    return "li[data-key='" + name + "'] > .row";
  }

  private void clickMenuItem(String label) {
    browser.until("menu item " + label, d -> {
      List<WebElement> items = d.findElements(By.xpath("//div[@role='menu']/button[normalize-space()='" + label + "']"));
      if (items.isEmpty()) {
        return null;
      }
      items.get(0).click();
      return true;
    });
  }

  /** Selects a node in the forest and a tab of its detail view. */
  private void openNode(String id, String tab) {
    browser.click(row(id) + " .name");
    browser.click("#tab-" + tab);
    browser.until("tab " + tab + " selected", d -> "true".equals(browser.find("#tab-" + tab).getDomAttribute("aria-selected")));
  }

  /** Expands the key tree down to name's parent and selects name in the editor. */
  private void selectKey(String name) {
    String[] parts = name.substring(name.indexOf(":/") + 2).split("/");
    String at = name.substring(0, name.indexOf(":/") + 2);
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.endsWith(":/") ? at + parts[i] : at + "/" + parts[i];
      WebElement twisty = browser.find(keyRow(at) + " .twisty");
      if ("false".equals(twisty.getDomAttribute("aria-expanded"))) {
        twisty.click();
      }
    }
    browser.click(keyRow(name) + " .name");
    browser.waitText(".editor .key-name", name);
  }

  private void applyPreviewAndCloseResults() {
    browser.click("#preview-dialog button[data-action='apply']");
    browser.find("#results-dialog");
    browser.click("#results-dialog button[data-action='cancel']");
    browser.waitGone("#results-dialog");
  }

  @Test
  @Order(10)
  void forest_onLoad_showsNestedClustersWithInstanceStatusAndFiltersBySearch() {
    browser.open("/");
    browser.waitText("li[data-id='prod'] li[data-id='web'] " + row("web-1") + " .badge", "in-sync");
    assertTrue(browser.present(".forest > li[data-id='lone-1']"), "lone-1 is top-level");
    assertFalse(browser.find(row("web-1") + " time").getText().contains("never"), "web-1 was seen");
    browser.waitText("#summary", "5 instances");

    browser.click(row("prod") + " .twisty");
    browser.waitGone(row("web-1"));
    assertEquals("false", browser.find(row("prod") + " .twisty").getDomAttribute("aria-expanded"));
    browser.click(row("prod") + " .twisty");
    browser.find(row("web-1"));

    browser.type("#search", "db-");
    browser.waitGone(row("web-1"));
    assertTrue(browser.present(row("prod")) && browser.present(row("db")) && browser.present(row("db-1")),
        "a match shows its ancestors");
    browser.find("#search").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    browser.find(row("web-1"));
    browser.screenshot("forest");
  }

  @Test
  @Order(15)
  void validate_elektraCheckMetadata_acceptsOnlyWhatTheChecksAllow() {
    // value, metadata as JSON, whether it is accepted
    Object[][] cases = {
        {"32767", "{\"check/type\":\"short\"}", true},
        {"32768", "{\"check/type\":\"short\"}", false},
        {"-1", "{\"check/type\":\"unsigned_long\"}", false},
        {"4294967295", "{\"check/type\":\"unsigned_long\"}", true},
        {"2147483648", "{\"check/type\":\"long\"}", false},
        {"12x", "{\"check/type\":\"long\"}", false},
        {"1.5e3", "{\"check/type\":\"double\"}", true},
        {"abc", "{\"check/type\":\"float\"}", false},
        {"on", "{\"check/type\":\"boolean\"}", true},
        {"maybe", "{\"check/type\":\"boolean\"}", false},
        {"b", "{\"check/enum\":\"'a', 'b'\"}", true},
        {"c", "{\"check/enum\":\"'a', 'b'\"}", false},
        {"y", "{\"check/enum\":\"#1\",\"check/enum/#0\":\"x\",\"check/enum/#1\":\"y\"}", true},
        {"x_y", "{\"check/enum/#0\":\"x\",\"check/enum/#1\":\"y\",\"check/enum/multi\":\"_\"}", true},
        {"x_z", "{\"check/enum/#0\":\"x\",\"check/enum/#1\":\"y\",\"check/enum/multi\":\"_\"}", false},
        {"0", "{\"check/range\":\"1-65535\"}", false},
        {"65535", "{\"check/range\":\"1-65535\"}", true},
        {"-5", "{\"check/range\":\"-10--1\"}", true},
        {"15", "{\"check/range\":\"1-10,20-30\"}", false},
        {"25", "{\"check/range\":\"1-10,20-30\"}", true},
        {"anything", "{\"description\":\"no checks\"}", true},
    };
    List<Object> answers = castList(browser.jsAsync("""
        const done = arguments[arguments.length - 1];
        import('/validate.js')
          .then(m => done(arguments[0].map(([v, meta]) => m.validate(v, JSON.parse(meta)))))
          .catch(e => done('import failed: ' + e));
        """, (Object) java.util.Arrays.stream(cases).map(c -> List.of(c[0], c[1])).toList()));
    for (int i = 0; i < cases.length; i++) {
      assertEquals(cases[i][2], answers.get(i) == null, cases[i][0] + " with " + cases[i][1] + ": " + answers.get(i));
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Object> castList(Object o) {
    assertTrue(o instanceof List, String.valueOf(o));
    return (List<Object>) o;
  }

  @Test
  @Order(15)
  void detailHead_topLevelInstance_readsTopLevelNotInTopLevel() {
    openNode("lone-1", "keys");
    String facts = browser.waitText(".detail-head .facts", "top level");
    assertFalse(facts.contains("in top level"), facts);
  }

  @Test
  @Order(20)
  void createCluster_insideAnother_appearsNestedInTheTree() {
    browser.click("#new-cluster");
    browser.type("#cluster-name", "Canary");
    browser.type("#cluster-id", "web");
    browser.click("#create-cluster-dialog button[data-action='create']");
    browser.waitText("#create-cluster-dialog .dialog-error", "ID_ALREADY_EXISTS");
    browser.type("#cluster-id", "canary");
    new Select(browser.find("#cluster-parent")).selectByValue("prod");
    browser.click("#create-cluster-dialog button[data-action='create']");
    browser.find("li[data-id='prod'] > ul > li[data-id='canary']");
    browser.until("canary selected", d -> d.getCurrentUrl().endsWith("#/cluster/canary"));
    assertEquals(Optional.of("prod"), clusterd.parentOf("canary"));
  }

  @Test
  @Order(25)
  void createCluster_withoutId_getsTheSlugOfItsNameMadeUnique() {
    for (String expected : List.of("edge-nodes", "edge-nodes-2")) {
      browser.click("#new-cluster");
      browser.type("#cluster-name", "Edge nodes");
      new Select(browser.find("#cluster-parent")).selectByValue("");
      browser.click("#create-cluster-dialog button[data-action='create']");
      browser.until(expected + " selected", d -> d.getCurrentUrl().endsWith("#/cluster/" + expected));
      browser.waitText(".detail-head .node-id", expected);
    }
    clusterd.apply(new Change.DeleteCluster("edge-nodes", Cascade.NONE)).join();
    clusterd.apply(new Change.DeleteCluster("edge-nodes-2", Cascade.NONE)).join();
  }

  @Test
  @Order(30)
  void registerInstance_intoCluster_joinsAndGetsTheInheritedPins() {
    browser.click("#new-instance");
    browser.type("#instance-name", "new-1");
    browser.type("#instance-host", standIns.get("new-1").url().toString());
    browser.type("#instance-id", "new-1");
    new Select(browser.find("#instance-cluster")).selectByValue("web");
    browser.click("#register-dialog button[data-action='register']");
    browser.find("#results-dialog tr[data-instance='new-1'][data-result='ok']");
    browser.click("#results-dialog button[data-action='cancel']");
    browser.find("li[data-id='web'] " + row("new-1"));
    assertEquals(Optional.of("web"), clusterd.parentOf("new-1"));
    waitValue("new-1", "user:/app/http/port", "8080");
    waitValue("new-1", "user:/app/log/level", "info");
  }

  @Test
  @Order(40)
  void moveInstance_withKeyboardOnlyMenu_previewsThenMovesIntoCluster() {
    browser.js("arguments[0].focus()", browser.find(row("lone-1") + " .more"));
    browser.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
    browser.until("menu focused", d -> "menuitem".equals(d.switchTo().activeElement().getDomAttribute("role")));
    browser.driver().switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
    assertEquals("Move to\u2026", browser.driver().switchTo().activeElement().getText());
    browser.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
    WebElement target = browser.find("#move-target");
    assertEquals(target, browser.driver().switchTo().activeElement(), "the dialog focuses its first field");
    new Select(target).selectByValue("canary");
    browser.click("#move-dialog button[data-action='move']");
    browser.waitText("#preview-dialog tr[data-instance='lone-1']", "set user:/app/log/level = info");
    applyPreviewAndCloseResults();
    browser.find("li[data-id='canary'] " + row("lone-1"));
    assertEquals(Optional.of("canary"), clusterd.parentOf("lone-1"));
    assertEquals("info", valueOn("lone-1", "user:/app/log/level"));
  }

  @Test
  @Order(50)
  void dragAndDrop_instanceOntoCluster_movesItAfterThePreview() {
    browser.find(row("spare-1"));
    browser.js("""
        const src = document.querySelector(arguments[0]);
        const dst = document.querySelector(arguments[1]);
        const dt = new DataTransfer();
        src.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
        dst.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
        dst.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
        src.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));
        """, row("spare-1"), row("db"));
    browser.waitText("#preview-dialog tr[data-instance='spare-1']", "set user:/app/log/level = info");
    applyPreviewAndCloseResults();
    browser.find("li[data-id='db'] " + row("spare-1"));
    assertEquals(Optional.of("db"), clusterd.parentOf("spare-1"));
  }

  @Test
  @Order(60)
  void pinOnParentCluster_previewThenConfirm_showsResultsOfEveryInstanceBelow() {
    openNode("prod", "keys");
    browser.waitText(".pins-table", "user:/app/log/level");
    browser.click("#new-key");
    browser.type("#new-key-name", "user:/app/feature");
    browser.type("#new-key-value", "on");
    browser.click("#new-key-dialog button[data-action='create']");
    browser.waitText("#preview-dialog .plan-summary", "6 instances will change");
    browser.waitText("#preview-dialog tr[data-instance='web-2']", "set user:/app/feature = on");
    browser.screenshot("cluster-preview");
    browser.click("#preview-dialog button[data-action='apply']");
    browser.waitText("#results-dialog .summary", "6 of 6 instances succeeded");
    assertEquals(6, browser.all("#results-dialog tr[data-result='ok']").size());
    browser.screenshot("cluster-results");
    browser.click("#results-dialog button[data-action='cancel']");
    browser.waitText(".pins-table", "user:/app/feature");
    for (String id : List.of("web-1", "web-2", "db-1", "lone-1", "spare-1", "new-1")) {
      assertEquals("on", valueOn(id, "user:/app/feature"), id);
    }
  }

  @Test
  @Order(62)
  void clusterPins_ofNestedCluster_listInheritedPinsWithTheClusterLockingThem() {
    openNode("web", "keys");
    browser.waitText(".pins h3", "Pinned keys (1 own, 2 inherited)");
    browser.find(".pins-table tr[data-pin='user:/app/http/port'][data-inherited='false'] button");
    browser.waitText(".pins-table tr[data-pin='user:/app/log/level'][data-inherited='true'][data-locked-by='prod']",
        "Production");
    browser.waitText(".pins-table tr[data-pin='user:/app/feature'][data-inherited='true']", "on");
    assertFalse(browser.find(".pins").getText().contains("null"), browser.find(".pins").getText());
    browser.screenshot("cluster-inherited-pins");
    browser.click(".pins-table tr[data-pin='user:/app/log/level'] a.lock-link");
    browser.until("locking cluster selected", d -> d.getCurrentUrl().endsWith("#/cluster/prod/keys"));
    browser.waitText(".pins h3", "Pinned keys (2)");
  }

  @Test
  @Order(65)
  void pinOnParentCluster_keyPinnedBelow_previewShowsTheConflictAndCannotBeApplied() {
    browser.click("#new-key");
    browser.type("#new-key-name", "user:/app/http/port");
    browser.type("#new-key-value", "1");
    browser.click("#new-key-dialog button[data-action='create']");
    browser.waitText("#preview-dialog .conflicts", "KEY_PINNED_BELOW");
    assertFalse(browser.find("#preview-dialog button[data-action='apply']").isEnabled());
    assertTrue(browser.present("#preview-dialog button[data-action='force']"), "taking ownership is offered");
    browser.click("#preview-dialog button[data-action='cancel']");
    browser.waitGone("#preview-dialog");
    assertTrue(clusterd.pins("prod").stream().noneMatch(p -> p.key().equals(key("user:/app/http/port"))));
    assertEquals("8080", valueOn("web-1", "user:/app/http/port"));
  }

  @Test
  @Order(70)
  void lockedKey_onMemberInstance_namesItsClusterAndCannotBeEditedThere() {
    openNode("web-1", "keys");
    selectKey("user:/app/feature");
    browser.waitText(".lock-banner", "Locked by cluster Production");
    assertTrue(browser.present(keyRow("user:/app/feature") + " .lock"), "the tree marks the lock");
    assertFalse(browser.find("#key-value").isEnabled(), "the value cannot be edited");
    assertFalse(browser.find("#key-save").isEnabled(), "nor saved");
    assertTrue(browser.all(".meta-table input").stream().noneMatch(WebElement::isEnabled), "nor its metadata");
    browser.screenshot("instance-locked");

    browser.click(".lock-banner a.lock-link");
    browser.until("cluster selected", d -> d.getCurrentUrl().endsWith("#/cluster/prod/keys"));
    browser.waitText(".detail-head h2", "Production");
    assertEquals("on", valueOn("web-1", "user:/app/feature"));
  }

  @Test
  @Order(72)
  void newKey_lockedOnInstance_dialogStaysOpenWithKeyLockedAndKeepsTheInput() {
    openNode("web-1", "keys");
    browser.click("#new-key");
    browser.type("#new-key-name", "user:/app/http/port");
    browser.type("#new-key-value", "1");
    browser.click("#new-key-dialog button[data-action='create']");
    browser.waitText("#new-key-dialog .dialog-error", "KEY_LOCKED");
    assertEquals("user:/app/http/port", browser.find("#new-key-name").getDomProperty("value"));
    assertEquals("1", browser.find("#new-key-value").getDomProperty("value"));
    assertTrue(browser.all("#alerts .alert").isEmpty(), "the refusal is shown in the dialog only");
    assertEquals("8080", valueOn("web-1", "user:/app/http/port"));

    browser.type("#new-key-name", "user:/app/fresh");
    browser.click("#new-key-dialog button[data-action='create']");
    browser.waitGone("#new-key-dialog");
    waitValue("web-1", "user:/app/fresh", "1");
    browser.waitText(".editor .key-name", "user:/app/fresh");
  }

  @Test
  @Order(75)
  void alerts_sameErrorTwice_oneBannerWithACount() {
    browser.waitText(".editor .key-name", "user:/app/fresh");
    browser.click(".add-meta button");
    browser.click(".add-meta button");
    browser.waitText("#alerts .alert .alert-count", "\u00d72");
    assertEquals(1, browser.all("#alerts .alert").size(), "identical banners do not stack");
    browser.click("#alerts .alert button[aria-label='Dismiss']");
    browser.waitGone("#alerts .alert");
  }

  @Test
  @Order(80)
  void unlockedKey_onInstance_isCheckedAgainstItsMetadataThenSaved() {
    openNode("web-1", "keys");
    selectKey("user:/app/workers");
    assertTrue(browser.find("#key-value").isEnabled());
    browser.type("#key-value", "abc");
    browser.waitText("#value-error", "must be a whole number");
    assertFalse(browser.find("#key-save").isEnabled());
    browser.type("#key-value", "100");
    browser.waitText("#value-error", "must be in the range 1-64");
    browser.type("#key-value", "16");
    browser.until("no error", d -> browser.find("#key-value").getDomAttribute("aria-invalid").equals("false"));
    browser.click("#key-save");
    waitValue("web-1", "user:/app/workers", "16");
    browser.waitText(keyRow("user:/app/workers"), "16");

    selectKey("user:/app/mode");
    browser.type("#key-value", "turbo");
    browser.waitText("#value-error", "must be one of 'fast', 'safe'");
    browser.type("#key-value", "safe");
    browser.click("#key-save");
    waitValue("web-1", "user:/app/mode", "safe");

    browser.type(".add-meta input[aria-label='New metadata name']", "description");
    browser.type(".add-meta input[aria-label='New metadata value']", "how fast");
    browser.click(".add-meta button");
    browser.until("meta stored", Duration.ofSeconds(10), d -> "how fast".equals(dbs.get("web-1")
        .get(key("user:/app/mode")).map(e -> e.meta().get("description")).orElse(null)) ? true : null);
    browser.find(".meta-table tr[data-meta='description']");

    browser.click(".key-actions button:nth-child(3)"); // Copy…
    browser.type("#target-key-name", "user:/app/mode2");
    browser.click("dialog button[data-action='go']");
    waitValue("web-1", "user:/app/mode2", "safe");
    browser.waitText(".editor .key-name", "user:/app/mode2");
    browser.click(".key-actions button:nth-child(2)"); // Rename / move…
    browser.type("#target-key-name", "user:/app/old/mode");
    browser.click("dialog button[data-action='go']");
    waitValue("web-1", "user:/app/old/mode", "safe");
    assertEquals(null, valueOn("web-1", "user:/app/mode2"));
    browser.waitText(".editor .key-name", "user:/app/old/mode");
    browser.click(".key-actions button.danger");
    browser.click("dialog button[data-action='ok']");
    browser.until("old/mode deleted", d -> valueOn("web-1", "user:/app/old/mode") == null ? true : null);
    browser.waitGone(keyRow("user:/app/old/mode"));
  }

  @Test
  @Order(90)
  void standIn_stoppedWrittenThenRestarted_isUnreachablePendingThenInSync() {
    int port = standIns.get("web-2").port();
    standIns.get("web-2").close();
    browser.waitText(row("web-2") + " .badge", "unreachable", Duration.ofSeconds(15));
    browser.screenshot("unreachable");

    openNode("web", "keys");
    browser.click(".pins-table tr[data-pin='user:/app/http/port'] button");
    browser.waitText(".editor .key-name", "user:/app/http/port");
    browser.type("#key-value", "70000");
    browser.waitText("#value-error", "must be in the range 1-65535");
    browser.type("#key-value", "9090");
    browser.click("#key-save");
    browser.waitText("#preview-dialog tr[data-instance='web-2']", "set user:/app/http/port = 9090");
    browser.click("#preview-dialog button[data-action='apply']");
    browser.find("#results-dialog tr[data-instance='web-2'][data-result='pending']");
    browser.find("#results-dialog tr[data-instance='web-1'][data-result='ok']");
    browser.waitText("#results-dialog .summary", "2 of 3 instances succeeded");
    browser.screenshot("results-pending");
    browser.click("#results-dialog button[data-action='cancel']");
    browser.waitText("#status", "applied to 2 of 3, 1 pending");
    assertFalse(browser.find("#status").getText().contains("done"), "a partial write is never 'done'");
    assertEquals("8080", valueOn("web-2", "user:/app/http/port"), "nothing reached the stopped instance");
    browser.waitText(row("web-2") + " .badge", "pending", Duration.ofSeconds(15));
    browser.screenshot("pending");

    standIns.put("web-2", ElektradServer.start("127.0.0.1", port, dbs.get("web-2")));
    browser.waitText(row("web-2") + " .badge", "in-sync", Duration.ofSeconds(20));
    assertEquals("9090", valueOn("web-2", "user:/app/http/port"));
  }

  @Test
  @Order(100)
  void drift_localChangeOnMember_isShownThenSynced() {
    reconcileLock.lock();
    try {
      reconciling = false;
    } finally {
      reconcileLock.unlock();
    }
    try {
      dbs.get("db-1").set(key("user:/app/log/level"), "debug");
      openNode("prod", "drift");
      String drifted = browser.waitText("tr[data-instance='db-1'][data-drift='drifted']", "debug");
      assertTrue(drifted.contains("\"info\""), drifted);
      browser.find("tr[data-instance='web-1'][data-drift='in-sync']");
      browser.waitText(row("db-1") + " .badge", "drifted");
      browser.screenshot("drift");
      browser.click("#sync");
      browser.waitText("#preview-dialog tr[data-instance='db-1']", "set user:/app/log/level = info");
      applyPreviewAndCloseResults();
      browser.find("tr[data-instance='db-1'][data-drift='in-sync']");
      assertEquals("info", valueOn("db-1", "user:/app/log/level"));
    } finally {
      reconciling = true;
    }
  }

  @Test
  @Order(110)
  void history_ofCluster_listsItsChangesNewestFirst() {
    openNode("prod", "history");
    String first = browser.waitText(".history-table tbody tr", "user:/app/feature");
    assertTrue(first.contains("pin"), first);
    assertTrue(browser.all(".history-table tbody tr").size() >= 3, "pins and the creation are listed");
  }

  @Test
  @Order(112)
  void history_ofInstance_listsThePinsItReceivedFromItsClusters() {
    openNode("web-1", "history");
    browser.waitText(".history-table tr[data-node='web'][data-inherited='true']", "user:/app/http/port");
    browser.waitText(".history-table tr[data-node='prod'][data-inherited='true']", "user:/app/feature");
    browser.waitText(".history-table tr[data-node='web-1'][data-inherited='false']", "user:/app/fresh");
    browser.screenshot("instance-history");
  }

  @Test
  @Order(113)
  void history_nodeColumn_doesNotWrap() {
    openNode("web-1", "history");
    WebElement node = browser.find(".history-table tr[data-node='web'] td.node");
    assertEquals("nowrap", node.getCssValue("white-space"));
    assertTrue(node.getText().contains("Web servers"), node.getText());
  }

  @Test
  @Order(114)
  void history_restoreToHere_previewsThePinsAndInstancesThenRollsBack() throws Exception {
    KeyName port = key("user:/app/http/port");
    String before = clusterd.pins("web").stream().filter(p -> p.key().equals(port)).findFirst().orElseThrow().value();
    long seq = clusterd.history(Optional.of("web"), Long.MAX_VALUE, 1).get(0).seq();
    clusterd.pin("web", port, "9443");
    assertEquals("9443", valueOn("web-1", "user:/app/http/port"));

    openNode("web", "history");
    browser.click(".history-table button.restore[data-seq='" + seq + "']");
    String pins = browser.waitText("#rollback-dialog .rollback-pins", "user:/app/http/port");
    assertTrue(pins.contains("9443") && pins.contains(before), pins);
    String instances = browser.waitText("#rollback-dialog .rollback-changes", "web-2");
    assertTrue(instances.contains("web-1"), instances);
    assertEquals("9443", valueOn("web-1", "user:/app/http/port"), "the preview changes nothing");
    browser.screenshot("restore-to-here");
    browser.click("#rollback-dialog button[data-action='restore']");
    browser.waitGone("#rollback-dialog");

    assertEquals(before, clusterd.pins("web").stream().filter(p -> p.key().equals(port)).findFirst().orElseThrow()
        .value());
    assertEquals(before, valueOn("web-1", "user:/app/http/port"));
    assertEquals(before, valueOn("web-2", "user:/app/http/port"));
    browser.waitText(".history-table tbody tr", "rollback");
  }

  @Test
  @Order(115)
  void detach_instanceFromItsCluster_becomesTopLevel() {
    browser.click(row("spare-1") + " .more");
    clickMenuItem("Detach from Databases");
    browser.click("dialog button[data-action='ok']");
    browser.find(".forest > li[data-id='spare-1']");
    assertEquals(Optional.empty(), clusterd.parentOf("spare-1"));
  }

  @Test
  @Order(120)
  void renameThenDelete_nonEmptyCluster_asksWhatHappensToItsMembers() {
    browser.click(row("canary") + " .more");
    clickMenuItem("Rename\u2026");
    browser.type("#rename-name", "Canary ring");
    browser.click("#rename-dialog button[data-action='rename']");
    browser.waitText(row("canary") + " .name", "Canary ring");

    browser.click(row("canary") + " .more");
    clickMenuItem("Delete\u2026");
    browser.find("#delete-dialog #cascade-detach").click();
    browser.click("#delete-dialog button[data-action='ok']");
    browser.waitGone(row("canary"));
    browser.find("li[data-id='prod'] > ul > li[data-id='lone-1']");
    assertEquals(Optional.of("prod"), clusterd.parentOf("lone-1"));
    assertTrue(clusterd.node("canary").isEmpty());
  }

  @Test
  @Order(130)
  void phoneWidth_nodeSelected_showsTheDetailWithABackButton() {
    browser.resizeViewport(390, 844);
    try {
      browser.open("/#/instance/web-1/keys");
      browser.find(".detail-head .back");
      browser.find(keyRow("user:/app"));
      assertFalse(browser.driver().findElement(By.id("forest")).isDisplayed());
      selectKey("user:/app/http/port");
      browser.waitText(".lock-banner", "Locked by cluster Web servers");
      browser.screenshot("phone-instance");
      browser.click(".detail-head .back");
      browser.find("#forest");
      browser.find(row("web-1"));
    } finally {
      browser.resizeViewport(1280, 800);
    }
  }

  @Test
  @Order(135)
  void signIn_beforeAnyAttempt_showsNoErrorMessage() {
    try (ClusterdServer guarded = ClusterdServer.start(clusterd, ServerConfig.loopback(0)
        .withTokens(List.of(ServerConfig.Token.parse("ops:admin:another-correct-horse"))))) {
      browser.driver().get(guarded.url() + "/");
      browser.find("#token");
      WebElement error = browser.driver().findElement(By.cssSelector("#signin .field-error"));
      assertEquals("", error.getText());
      assertFalse(error.isDisplayed(), "no red message before an attempt");
      assertFalse(browser.present("#session-ended"), "nobody was signed in");
      assertTrue(browser.all("#alerts .alert").isEmpty());
    }
  }

  @Test
  @Order(140)
  void signIn_daemonWithToken_asksForTheTokenThenShowsTheTree() {
    try (ClusterdServer guarded = ClusterdServer.start(clusterd, ServerConfig.loopback(0)
        .withTokens(List.of(ServerConfig.Token.parse("ops:admin:correct-horse-battery"))))) {
      browser.driver().get(guarded.url() + "/");
      browser.type("#token", "wrong-token-value");
      browser.click("#signin button[type='submit']");
      browser.waitText("#signin .field-error", "not valid");
      assertFalse(browser.driver().findElement(By.id("main")).isDisplayed(), "nothing but the form before sign-in");
      browser.screenshot("sign-in");
      browser.type("#token", "correct-horse-battery");
      browser.click("#signin button[type='submit']");
      browser.find(row("web-1"));
      browser.waitText("#session", "Signed in as ops (admin)");
      assertFalse(browser.driver().findElement(By.id("signin")).isDisplayed());
    }
  }

  @Test
  @Order(150)
  void console_afterEveryStep_hasNoErrors() {
    assertEquals(List.of(), browser.consoleErrors());
  }
}

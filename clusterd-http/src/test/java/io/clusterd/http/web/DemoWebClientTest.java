package io.clusterd.http.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.DemoTree;
import io.clusterd.http.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web client of a demo daemon in headless Chromium: the status probed at start, an outage and its repair in two
 * clicks of an instance's menu, and "Retry now" for an instance that came back unnoticed. No background reconciler
 * (only the one probe at start, as the daemon runs it): only the clicks repair.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoWebClientTest {
  private static final KeyName PORT = KeyName.parse("user:/app/http/port");

  private DemoTree demo;
  private Clusterd clusterd;
  private ClusterdServer server;
  private Browser browser;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(Browser.available(), "headless Chromium is not installed: the web client's browser tests are skipped");
    demo = DemoTree.startStandIns(OptionalInt.empty());
    clusterd = Clusterd.builder().transport(new HttpTransportFactory()).reconcileEvery(Duration.ZERO)
        .maxAttempts(2).retryBackoff(Duration.ofMillis(20)).connectTimeout(Duration.ofSeconds(1)).build();
    demo.register(clusterd);
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0), Optional.of(demo));
    clusterd.reconcile(); // as the daemon does at start: every instance probed once, not waited for
    browser = new Browser(server.url());
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    if (clusterd != null) {
      clusterd.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  private static String row(String id) {
    return "li[data-id='" + id + "'] > .row";
  }

  private List<String> menu(String id) {
    browser.click(row(id) + " .more");
    browser.find("div[role='menu']");
    List<String> labels = browser.all("div[role='menu'] button").stream().map(WebElement::getText).toList();
    browser.driver().switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.ESCAPE);
    browser.waitGone("div[role='menu']");
    return labels;
  }

  private void clickMenuItem(String id, String label) {
    browser.click(row(id) + " .more");
    browser.until("menu item " + label, d -> {
      List<WebElement> items = d.findElements(By.xpath("//div[@role='menu']/button[normalize-space()='" + label + "']"));
      if (items.isEmpty()) {
        return null;
      }
      items.get(0).click();
      return true;
    });
  }

  @Test
  @Order(5)
  void forest_rightAfterStart_showsTheProbedStatusNotUnknownNever() {
    browser.open("/");
    browser.find(row("web-eu-1"));
    browser.until("every instance probed", Duration.ofSeconds(5), d -> {
      List<String> statuses = browser.all("li.instance > .row .badge").stream().map(WebElement::getText).toList();
      return statuses.size() == 12 && statuses.stream().allMatch("in-sync"::equals) ? true : null;
    });
    List<String> seen = browser.all("li.instance > .row time").stream().map(WebElement::getText).toList();
    assertTrue(seen.stream().noneMatch("never"::equals), seen.toString());
    assertFalse(browser.find("#summary").getText().contains("unknown"), browser.find("#summary").getText());
  }

  @Test
  @Order(10)
  void instanceMenu_inDemoMode_offersToTakeTheStandInDown() {
    browser.open("/");
    browser.find(row("web-eu-1"));
    List<String> items = menu("web-eu-1");
    assertTrue(items.contains("Take stand-in down (demo)"), items.toString());
    assertTrue(items.contains("Retry now"), items.toString());
    assertFalse(menu("eu-web").contains("Take stand-in down (demo)"), "clusters have no stand-in");
  }

  @Test
  @Order(20)
  void standInTakenDownAndBroughtBack_showsPendingThenInSync() {
    clickMenuItem("web-eu-1", "Take stand-in down (demo)");
    browser.waitText("#status", "stand-in down");
    assertFalse(demo.running("web-eu-1"));
    assertEquals(207, clusterd.pin("eu-web", PORT, "9090").status());
    browser.waitText(row("web-eu-1") + " .badge", "pending", Duration.ofSeconds(15));
    assertTrue(menu("web-eu-1").contains("Bring stand-in back (demo)"));

    clickMenuItem("web-eu-1", "Bring stand-in back (demo)");
    browser.waitText(row("web-eu-1") + " .badge", "in-sync", Duration.ofSeconds(15));
    assertEquals("9090", clusterd.lookup("web-eu-1", PORT, 0).join().value());
  }

  @Test
  @Order(30)
  void retryNow_ofAnInstanceThatCameBackUnnoticed_deliversWhatWaited() {
    demo.stop("web-eu-2");
    assertEquals(207, clusterd.pin("eu-web", PORT, "9191").status());
    demo.start("web-eu-2"); // back, but nothing has contacted it since
    browser.waitText(row("web-eu-2") + " .badge", "pending", Duration.ofSeconds(15));
    clickMenuItem("web-eu-2", "Retry now");
    browser.waitText("#status", "Retry web-eu-2: done");
    browser.waitText(row("web-eu-2") + " .badge", "in-sync", Duration.ofSeconds(15));
    assertEquals("9191", clusterd.lookup("web-eu-2", PORT, 0).join().value());
  }

  @Test
  @Order(40)
  void console_afterEveryStep_hasNoErrors() {
    assertEquals(List.of(), browser.consoleErrors());
  }
}

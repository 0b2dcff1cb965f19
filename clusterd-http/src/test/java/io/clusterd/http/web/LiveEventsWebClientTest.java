package io.clusterd.http.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The web client follows {@code GET /api/events} in headless Chromium: changes made through the API (a new cluster,
 * a write to an instance that is down) show in the open page without a reload and long before the fallback poll;
 * when the daemon refuses the stream (its subscriber bound is reached) the page says so and polls slowly instead.
 */
class LiveEventsWebClientTest {
  /** Well below the fallback poll (15 s): what shows this fast came through the stream. */
  private static final Duration LIVE = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newHttpClient();
  private Clusterd clusterd;
  private ClusterdServer server;
  private ElektradServer standIn;
  private Browser browser;

  private void start(UnaryOperator<Clusterd.Builder> setup) throws Exception {
    assumeTrue(Browser.available(), "headless Chromium is not installed (apt-get install chromium chromium-driver): "
        + "the web client's browser tests are skipped");
    clusterd = setup.apply(Clusterd.builder().discoverTransports(getClass().getClassLoader())
        .reconcileEvery(Duration.ZERO).maxAttempts(1).connectTimeout(Duration.ofMillis(500))).build();
    standIn = ElektradServer.start("127.0.0.1", 0, new KeyDatabase());
    clusterd.registerInstance(InstanceSpec.of("web 1", standIn.url().toString()).withId("web-1"));
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(java.util.List.of("web-1")));
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
    if (standIn != null) {
      standIn.close();
    }
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private int send(String method, String path, String contentType, String body) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Content-Type", contentType)
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String row(String id) {
    return "li[data-id='" + id + "'] > .row";
  }

  @Test
  void changesThroughTheApi_showInTheOpenPageWithoutReload() throws Exception {
    start(b -> b);
    browser.open("/");
    browser.waitText(row("web-1"), "web 1");
    browser.until("subscribed", d -> "events".equals(browser.js("return document.body.dataset.live")));
    browser.js("window.notReloaded = true");

    assertEquals(201, send("POST", "/api/clusters", "application/json", "{\"name\":\"Live\",\"id\":\"live\"}"));
    browser.waitText(row("live"), "Live", LIVE);

    standIn.stop();
    assertEquals(502, send("PUT", "/api/clusters/prod/kdb/user%3A/app/port", "text/plain", "8080"));
    browser.waitText(row("web-1") + " .badge", "pending", LIVE);

    assertEquals(Boolean.TRUE, browser.js("return window.notReloaded === true"), "the page was not reloaded");
    assertEquals(java.util.List.of(), browser.consoleErrors().stream()
        .filter(e -> !e.contains("/api/clusters/prod/kdb")).toList());
    browser.screenshot("live-events");
  }

  @Test
  void aRefusedStream_fallsBackToASlowPoll() throws Exception {
    start(b -> b.maxSubscribers(1));
    // the one place is taken
    HttpResponse<InputStream> taken = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/events"))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = taken.body()) {
      assertEquals(200, taken.statusCode());
      browser.open("/");
      browser.waitText(row("web-1"), "web 1");
      browser.until("polling", d -> "poll".equals(browser.js("return document.body.dataset.live")));
      assertEquals(201, send("POST", "/api/clusters", "application/json", "{\"name\":\"Polled\",\"id\":\"polled\"}"));
      browser.waitText(row("polled"), "Polled", Duration.ofSeconds(25));
    }
  }
}

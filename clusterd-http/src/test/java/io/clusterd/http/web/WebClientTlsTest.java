package io.clusterd.http.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import io.clusterd.http.tls.TestCerts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web client unchanged over HTTPS in headless Chromium (the test's self-signed certificate accepted with
 * {@code --ignore-certificate-errors}) and over HTTP/2, which ALPN offers: signing in sets a Secure session
 * cookie, which the browser sends back.
 */
class WebClientTlsTest {
  @TempDir
  Path dir;

  @Test
  void webClient_overHttpsWithToken_signsInAndShowsTheForest() throws Exception {
    assumeTrue(Browser.available(), "headless Chromium is not installed: the browser test over HTTPS is skipped");
    TestCerts.Identity id = TestCerts.create(dir, "daemon");
    try (Clusterd clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .build()) {
      clusterd.registerInstance(InstanceSpec.of("web-1", "mem://web-1").withId("web-1"));
      clusterd.createCluster(ClusterSpec.of("Production").withId("prod").withMembers(List.of("web-1")));
      ServerConfig config = ServerConfig.loopback(0)
          .withTokens(List.of(ServerConfig.Token.parse("ops:admin:browser-secret-1")))
          .withTls(ServerConfig.Tls.pem(id.certificate(), id.key()).withReloadCheck(Duration.ZERO));
      try (ClusterdServer server = ClusterdServer.start(clusterd, config);
           Browser browser = new Browser(server.url(), "--ignore-certificate-errors")) {
        assertTrue(server.url().startsWith("https://"));
        browser.open("/");
        browser.type("#token", "browser-secret-1");
        browser.click(".signin-form button[type=submit]");
        browser.waitText("li[data-id='prod'] > .row", "Production");
        assertEquals("https:", browser.js("return location.protocol;"));
        assertEquals("h2", browser.js("return performance.getEntriesByType('navigation')[0].nextHopProtocol;"),
            "the browser negotiated HTTP/2");
        browser.screenshot("https-forest");
        assertEquals(List.of(), browser.consoleErrors());
      }
    }
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.tls.TestCerts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon over HTTPS on real loopback sockets, with certificates made in the test by keytool: PEM files and a
 * PKCS#12 keystore, HSTS and Secure session cookies, reload of renewed files without dropping open connections,
 * and the refusal to listen beyond loopback with tokens over plain HTTP.
 */
class TlsServerTest {
  private static final String ADMIN = "tls-admin-secret-1";

  @TempDir
  static Path certs;
  private static TestCerts.Identity first;
  private static TestCerts.Identity second;

  @TempDir
  Path dir;
  private Clusterd clusterd;
  private ClusterdServer server;

  @BeforeAll
  static void makeCertificates() throws Exception {
    first = TestCerts.create(certs, "first");
    second = TestCerts.create(certs, "second");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private ServerConfig withToken() {
    return ServerConfig.loopback(0).withTokens(List.of(ServerConfig.Token.parse("ops:admin:" + ADMIN)));
  }

  private ClusterdServer start(ServerConfig config) {
    if (clusterd != null) {
      clusterd.close();
    }
    clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO).build();
    server = ClusterdServer.start(clusterd, config);
    return server;
  }

  private static HttpResponse<String> get(SSLContext trust, String url, String bearer) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pemFiles_https_servesTheApiWithHstsAndSecureCookies() throws Exception {
    start(withToken().withTls(ServerConfig.Tls.pem(first.certificate(), first.key()).withReloadCheck(Duration.ZERO)));
    assertTrue(server.url().startsWith("https://127.0.0.1:"), server.url());
    HttpResponse<String> tree = get(first.trustingIt(), server.url() + "/api/tree", ADMIN);
    assertEquals(200, tree.statusCode(), tree.body());
    assertEquals("max-age=31536000", tree.headers().firstValue("Strict-Transport-Security").orElse(""));
    assertEquals(401, get(first.trustingIt(), server.url() + "/api/tree", null).statusCode());
    HttpClient client = HttpClient.newBuilder().sslContext(first.trustingIt()).build();
    HttpResponse<String> signIn = client.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/session"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + ADMIN + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signIn.statusCode());
    String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.contains("; Secure") && cookie.contains("HttpOnly"), cookie);
    HttpResponse<String> openApi = get(first.trustingIt(), server.url() + "/api/openapi.json", ADMIN);
    assertTrue(openApi.body().contains("\"url\":\"https://"), "the description names the https server");
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(SSLContext trust, HttpClient.Version version) {
    return HttpClient.newBuilder().sslContext(trust).version(version).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void alpn_http2AndHttp1Clients_eachGetTheirProtocol() throws Exception {
    start(withToken().withTls(ServerConfig.Tls.pem(first.certificate(), first.key()).withReloadCheck(Duration.ZERO)));
    HttpResponse<String> h2 = get(client(first.trustingIt(), HttpClient.Version.HTTP_2), server.url() + "/api/tree");
    assertEquals(200, h2.statusCode(), h2.body());
    assertEquals(HttpClient.Version.HTTP_2, h2.version());
    assertEquals("max-age=31536000", h2.headers().firstValue("Strict-Transport-Security").orElse(""));
    HttpClient h2Client = client(first.trustingIt(), HttpClient.Version.HTTP_2);
    HttpResponse<String> created = h2Client.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/clusters"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"over-h2\",\"name\":\"over h2\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, created.version());
    assertTrue(created.statusCode() < 300, created.statusCode() + " " + created.body());

    HttpResponse<String> h1 = get(client(first.trustingIt(), HttpClient.Version.HTTP_1_1), server.url() + "/api/tree");
    assertEquals(200, h1.statusCode(), h1.body());
    assertEquals(HttpClient.Version.HTTP_1_1, h1.version());
    assertTrue(h1.body().contains("over-h2"), h1.body());
    try (SSLSocket http11Only = connect(List.of("http/1.1"))) {
      assertEquals("http/1.1", http11Only.getApplicationProtocol());
      assertTrue(request(http11Only).startsWith("HTTP/1.1 200"));
    }
    try (SSLSocket noAlpn = connect(List.of())) {
      assertTrue(request(noAlpn).startsWith("HTTP/1.1 200"), "a client without ALPN speaks HTTP/1.1");
    }
  }

  @Test
  void plainHttp_http2Client_isAnsweredOverHttp1() throws Exception {
    start(withToken());
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> r = get(client, server.url() + "/api/tree");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(HttpClient.Version.HTTP_1_1, r.version());
  }

  @Test
  void renewedFiles_reload_http2ConnectionsGetTheNewCertificateAndOpenOnesStay() throws Exception {
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    TestCerts.install(first, cert, key);
    start(withToken().withTls(ServerConfig.Tls.pem(cert, key).withReloadCheck(Duration.ZERO)));
    SSLContext trustBoth = TestCerts.trusting(first, second);
    HttpClient open = client(trustBoth, HttpClient.Version.HTTP_2);
    HttpResponse<String> before = get(open, server.url() + "/api/health");
    assertEquals(HttpClient.Version.HTTP_2, before.version());
    assertEquals(first.cert(), before.sslSession().orElseThrow().getPeerCertificates()[0]);

    TestCerts.install(second, cert, key);
    assertTrue(server.reloadTlsIfChanged(), "the files changed");
    HttpResponse<String> fresh = get(client(trustBoth, HttpClient.Version.HTTP_2), server.url() + "/api/health");
    assertEquals(HttpClient.Version.HTTP_2, fresh.version());
    assertEquals(second.cert(), fresh.sslSession().orElseThrow().getPeerCertificates()[0]);
    HttpResponse<String> freshH1 = get(client(trustBoth, HttpClient.Version.HTTP_1_1), server.url() + "/api/health");
    assertEquals(HttpClient.Version.HTTP_1_1, freshH1.version());
    assertEquals(second.cert(), freshH1.sslSession().orElseThrow().getPeerCertificates()[0]);

    HttpResponse<String> after = get(open, server.url() + "/api/health");
    assertEquals(200, after.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, after.version());
    assertEquals(first.cert(), after.sslSession().orElseThrow().getPeerCertificates()[0],
        "the HTTP/2 connection opened before the reload still works");
  }

  @Test
  void pemFiles_untrustedClient_failsTheHandshake() {
    start(withToken().withTls(ServerConfig.Tls.pem(first.certificate(), first.key()).withReloadCheck(Duration.ZERO)));
    assertThrows(javax.net.ssl.SSLHandshakeException.class,
        () -> get(second.trustingIt(), server.url() + "/api/health", null));
  }

  @Test
  void pkcs12Keystore_https_servesTheApi() throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), TestCerts.STORE_PASSWORD + "\n");
    start(withToken().withTls(ServerConfig.Tls.keystore(second.keystore(), Optional.of(password))));
    assertEquals(200, get(second.trustingIt(), server.url() + "/api/health", null).statusCode());
  }

  @Test
  void badFiles_atStart_areRefusedNamingTheFile() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    IllegalArgumentException noCert = assertThrows(IllegalArgumentException.class,
        () -> start(withToken().withTls(ServerConfig.Tls.pem(garbage, first.key()))));
    assertTrue(noCert.getMessage().contains("garbage.pem"), noCert.getMessage());
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> start(withToken().withTls(ServerConfig.Tls.pem(first.certificate(), second.key()))));
    assertTrue(mismatch.getMessage().contains("does not belong to the certificate"), mismatch.getMessage());
    Path rsaTraditional = Files.writeString(dir.resolve("rsa.key"),
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    IllegalArgumentException pkcs1 = assertThrows(IllegalArgumentException.class,
        () -> start(withToken().withTls(ServerConfig.Tls.pem(first.certificate(), rsaTraditional))));
    assertTrue(pkcs1.getMessage().contains("openssl pkcs8 -topk8"), pkcs1.getMessage());
    IllegalArgumentException wrongPassword = assertThrows(IllegalArgumentException.class,
        () -> start(withToken().withTls(ServerConfig.Tls.keystore(second.keystore(), Optional.empty()))));
    assertTrue(wrongPassword.getMessage().contains("--tls-keystore-password-file"), wrongPassword.getMessage());
  }

  @Test
  void renewedFiles_reload_newConnectionsGetTheNewCertificateAndOpenOnesStay() throws Exception {
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    TestCerts.install(first, cert, key);
    start(withToken().withTls(ServerConfig.Tls.pem(cert, key).withReloadCheck(Duration.ZERO)));
    try (SSLSocket open = connect()) {
      assertEquals(first.cert(), open.getSession().getPeerCertificates()[0]);
      assertTrue(request(open).startsWith("HTTP/1.1 200"));
      assertFalse(server.reloadTlsIfChanged(), "nothing changed yet");

      TestCerts.install(second, cert, key);
      assertTrue(server.reloadTlsIfChanged(), "the files changed");
      try (SSLSocket fresh = connect()) {
        assertEquals(second.cert(), fresh.getSession().getPeerCertificates()[0]);
      }
      assertTrue(request(open).startsWith("HTTP/1.1 200"), "the connection opened before the reload still works");
      assertEquals(first.cert(), open.getSession().getPeerCertificates()[0]);

      Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nnot yet\n-----END PRIVATE KEY-----\n");
      assertFalse(server.reloadTlsIfChanged(), "a half-written renewal is not taken");
      try (SSLSocket still = connect()) {
        assertEquals(second.cert(), still.getSession().getPeerCertificates()[0]);
      }
      TestCerts.install(first, cert, key);
      server.reloadTls(); // what SIGHUP does
      try (SSLSocket back = connect()) {
        assertEquals(first.cert(), back.getSession().getPeerCertificates()[0]);
      }
    }
  }

  @Test
  void tokensBeyondLoopback_withoutTls_refusedToStartUnlessInsecureHttp() {
    ServerConfig open = withToken().withBind("0.0.0.0");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(open));
    assertTrue(e.getMessage().contains("--tls-cert") && e.getMessage().contains("--insecure-http"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    open.withInsecureHttp(true).checkSafeToListen();
    open.withTls(ServerConfig.Tls.pem(first.certificate(), first.key())).checkSafeToListen();
    withToken().checkSafeToListen(); // loopback over plain HTTP stays allowed
  }

  @Test
  void commandLine_tokensBeyondLoopbackWithoutTls_exitsWithOneLine() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "ops:admin:" + ADMIN + "\n");
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(
          "--data-dir", dir.resolve("data").toString(), "--port", "0", "--bind", "0.0.0.0",
          "--token-file", tokens.toString(), "--reconcile-every", "0"));
    } finally {
      System.setErr(old);
    }
    String out = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, code, out);
    assertTrue(out.strip().startsWith("clusterd: refusing to listen on 0.0.0.0 with tokens over plain HTTP"), out);
    assertEquals(1, out.strip().lines().count(), out);
  }

  private SSLSocket connect() throws Exception {
    return connect(null);
  }

  /** A TLS connection that trusts any certificate; with {@code alpn}, offering those protocols. */
  private SSLSocket connect(List<String> alpn) throws Exception {
    SSLContext any = SSLContext.getInstance("TLS");
    any.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) { }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) { }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    SSLSocket s = (SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", server.port());
    s.setSoTimeout(20_000);
    if (alpn != null) {
      javax.net.ssl.SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(alpn.toArray(String[]::new));
      s.setSSLParameters(p);
    }
    s.startHandshake();
    return s;
  }

  /** One keep-alive request on the socket; answers the status line (the body is read to its end). */
  private static String request(SSLSocket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed: " + head);
      }
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    int length = headers.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
        .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElseThrow();
    in.readNBytes(length);
    return headers.lines().findFirst().orElseThrow();
  }
}

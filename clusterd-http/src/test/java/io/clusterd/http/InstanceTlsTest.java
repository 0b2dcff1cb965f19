package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.http.AddressPolicy;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.http.internal.TlsFiles;
import io.clusterd.http.tls.TestCerts;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Towards {@code https} instances over real loopback sockets: a stand-in answering elektrad's {@code /version} over
 * TLS with a certificate made in the test; verified against {@code --instance-ca}, refused (and reported as a
 * certificate failure, not as unreachable) without it, and mutual TLS with {@code --instance-client-cert/-key}.
 */
class InstanceTlsTest {
  private static final String VERSION = "{\"api\":1,\"elektra\":{\"version\":\"0.11.0\",\"major\":0,\"minor\":11,"
      + "\"micro\":0}}";

  @TempDir
  static Path certs;
  private static TestCerts.Identity host;
  private static TestCerts.Identity client;

  private HttpsServer standIn;
  private Clusterd clusterd;

  @BeforeAll
  static void makeCertificates() throws Exception {
    host = TestCerts.create(certs, "host");
    client = TestCerts.create(certs, "client");
  }

  @AfterEach
  void stop() {
    if (clusterd != null) {
      clusterd.close();
    }
    if (standIn != null) {
      standIn.stop(0);
    }
  }

  /** The stand-in, requiring a client certificate trusted by it when {@code mutual}. */
  private String serve(boolean mutual) throws Exception {
    return serve(mutual, "127.0.0.1");
  }

  private String serve(boolean mutual, String address) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(host.keystore())) {
      ks.load(in, TestCerts.STORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, TestCerts.STORE_PASSWORD.toCharArray());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("client", client.cert());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    standIn = HttpsServer.create(new InetSocketAddress(address, 0), 0);
    standIn.setHttpsConfigurator(new HttpsConfigurator(ctx) {
      @Override
      public void configure(HttpsParameters params) {
        javax.net.ssl.SSLParameters p = ctx.getDefaultSSLParameters();
        p.setNeedClientAuth(mutual);
        params.setSSLParameters(p);
      }
    });
    standIn.createContext("/version", exchange -> {
      byte[] body = VERSION.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    standIn.start();
    return "https://" + address + ":" + standIn.getAddress().getPort();
  }

  private Clusterd clusterdWith(Optional<SSLContext> ssl, String endpoint) {
    clusterd = Clusterd.builder().transport(new HttpTransportFactory(AddressPolicy.noMetadata(), ssl))
        .reconcileEvery(Duration.ZERO).maxAttempts(1).connectTimeout(Duration.ofSeconds(5))
        .responseTimeout(Duration.ofSeconds(10)).build();
    clusterd.registerInstance(InstanceSpec.of("secure", endpoint).withId("secure"));
    return clusterd;
  }

  private static ClusterdException failure(Clusterd c) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> c.version("secure").get(30, TimeUnit.SECONDS));
    return (ClusterdException) ClusterdException.unwrap(e);
  }

  @Test
  void httpsInstance_withItsCa_isVerifiedAndAnswers() throws Exception {
    String url = serve(false);
    SSLContext ssl = TlsFiles.clientContext(Optional.of(host.certificate()), Optional.empty(), Optional.empty());
    assertEquals("0.11.0", clusterdWith(Optional.of(ssl), url).version("secure").get(30, TimeUnit.SECONDS)
        .elektra());
  }

  @Test
  void httpsInstance_untrustedCertificate_isReportedAsSuch() throws Exception {
    String url = serve(false);
    ClusterdException e = failure(clusterdWith(Optional.empty(), url)); // the JVM's trust store knows no test CA
    assertEquals(ErrorCode.INSTANCE_CERTIFICATE_INVALID, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(url) && e.getMessage().contains("--instance-ca"), e.getMessage());
    assertEquals(Boolean.TRUE, e.details().get("notSent"));
    SSLContext other = TlsFiles.clientContext(Optional.of(client.certificate()), Optional.empty(), Optional.empty());
    clusterd.close();
    assertEquals(ErrorCode.INSTANCE_CERTIFICATE_INVALID, failure(clusterdWith(Optional.of(other), url)).code());
    assertTrue(clusterd.status("secure").detail().contains("TLS"), clusterd.status("secure").detail());
  }

  @Test
  void httpsInstance_nameNotInTheCertificate_isRefused() throws Exception {
    String url = serve(false, "127.0.0.2"); // the certificate names 127.0.0.1 and localhost
    SSLContext ssl = TlsFiles.clientContext(Optional.of(host.certificate()), Optional.empty(), Optional.empty());
    assertEquals(ErrorCode.INSTANCE_CERTIFICATE_INVALID, failure(clusterdWith(Optional.of(ssl), url)).code());
  }

  @Test
  void mutualTls_withClientCertificate_answersAndWithoutItIsRefused() throws Exception {
    String url = serve(true);
    SSLContext withCert = TlsFiles.clientContext(Optional.of(host.certificate()), Optional.of(client.certificate()),
        Optional.of(client.key()));
    assertEquals("0.11.0", clusterdWith(Optional.of(withCert), url).version("secure").get(30, TimeUnit.SECONDS)
        .elektra());
    clusterd.close();
    SSLContext without = TlsFiles.clientContext(Optional.of(host.certificate()), Optional.empty(), Optional.empty());
    ClusterdException e = failure(clusterdWith(Optional.of(without), url));
    // TLS 1.2 fails the handshake; TLS 1.3 lets the client send and then closes: the message says what to give
    assertTrue(e.code() == ErrorCode.INSTANCE_CERTIFICATE_INVALID || e.getMessage().contains("--instance-client-cert"),
        e.code() + ": " + e.getMessage());
  }

  @Test
  void clientContext_certWithoutKey_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TlsFiles.clientContext(Optional.empty(), Optional.of(client.certificate()), Optional.empty()));
    assertTrue(e.getMessage().contains("--instance-client-key"), e.getMessage());
  }
}

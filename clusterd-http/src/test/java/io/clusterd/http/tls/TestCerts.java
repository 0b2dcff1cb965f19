package io.clusterd.http.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made in the test with the JDK's keytool (one run per identity): a self-signed certificate for
 * 127.0.0.1 and localhost, written as PEM (chain and PKCS#8 key) and as the PKCS#12 keystore keytool made.
 */
public final class TestCerts {
  public static final String STORE_PASSWORD = "test-store-pw";

  /** One identity's files and certificate. */
  public record Identity(Path certificate, Path key, Path keystore, X509Certificate cert) {
    /** An SSL context that trusts this certificate only. */
    public SSLContext trustingIt() {
      return trusting(this);
    }
  }

  private TestCerts() { }

  /** An SSL context that trusts the certificates of these identities only. */
  public static SSLContext trusting(Identity... identities) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (Identity i : identities) {
        trust.setCertificateEntry(i.cert().getSubjectX500Principal().getName(), i.cert());
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new self-signed EC identity named {@code cn} in {@code dir}. */
  public static Identity create(Path dir, String cn) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path p12 = dir.resolve(cn + ".p12");
    Files.deleteIfExists(p12);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", cn, "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=" + cn, "-validity", "2", "-ext", "san=ip:127.0.0.1,dns:localhost",
        "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    try (InputStream in = Files.newInputStream(p12)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, STORE_PASSWORD.toCharArray());
      X509Certificate cert = (X509Certificate) ks.getCertificate(cn);
      PrivateKey key = (PrivateKey) ks.getKey(cn, STORE_PASSWORD.toCharArray());
      Path certPem = dir.resolve(cn + ".crt");
      Path keyPem = dir.resolve(cn + ".key");
      Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
      Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
      return new Identity(certPem, keyPem, p12, cert);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies an identity's PEM files over {@code certificate} and {@code key} (a renewal, in place). */
  public static void install(Identity from, Path certificate, Path key) throws IOException {
    Files.copy(from.certificate(), certificate, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(from.key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  static List<String> lines(String s) {
    return s.lines().toList();
  }
}

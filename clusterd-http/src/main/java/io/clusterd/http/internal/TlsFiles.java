package io.clusterd.http.internal;

import io.clusterd.http.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates and keys from files, with the JDK only: PEM certificate chains, PEM PKCS#8 private keys (RSA, EC,
 * Ed25519) and PKCS#12 keystores, as a {@link KeyStore} for the daemon's HTTPS and as an {@link SSLContext} for
 * connections to instances. Every failure is an {@link IllegalArgumentException} naming the file and what to do,
 * never its contents.
 */
public final class TlsFiles {
  /** The password of the in-memory keystores built here (they never reach a disk). */
  public static final String MEMORY_PASSWORD = "clusterd-in-memory";

  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private TlsFiles() { }

  /** The daemon's key and chain as a keystore with one entry, password {@link #MEMORY_PASSWORD}. */
  public static KeyStore serverKeyStore(ServerConfig.Tls tls) {
    if (tls.keystore().isPresent()) {
      Path file = tls.keystore().get();
      char[] password = tls.keystorePassword().map(TlsFiles::password).orElse(new char[0]);
      KeyStore source = pkcs12(file, password);
      try {
        for (String alias : java.util.Collections.list(source.aliases())) {
          if (source.isKeyEntry(alias)) {
            PrivateKey key = (PrivateKey) source.getKey(alias, password);
            return memory(key, source.getCertificateChain(alias), file.toString());
          }
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot read the key in " + file + ": " + e.getMessage()
            + " (is the key's password the keystore's?)");
      }
      throw new IllegalArgumentException(file + " holds no private key: export the certificate with its key");
    }
    Path certFile = tls.certificate().orElseThrow();
    Path keyFile = tls.key().orElseThrow();
    return memory(privateKey(keyFile), certificates(certFile).toArray(new Certificate[0]), certFile.toString());
  }

  /**
   * The SSL context for connections to instances: trusted CAs from {@code caFile} (empty: the JVM's trust store),
   * and a client certificate for mutual TLS when both {@code clientCert} and {@code clientKey} are given.
   */
  public static SSLContext clientContext(Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey) {
    if (clientCert.isPresent() != clientKey.isPresent()) {
      throw new IllegalArgumentException("--instance-client-cert and --instance-client-key go together: give both");
    }
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile.isPresent()) {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        int i = 0;
        for (X509Certificate c : certificates(caFile.get())) {
          trusted.setCertificateEntry("ca-" + i++, c);
        }
        tmf.init(trusted);
      } else {
        tmf.init((KeyStore) null);
      }
      javax.net.ssl.KeyManager[] keyManagers = null;
      if (clientCert.isPresent()) {
        KeyStore ks = memory(privateKey(clientKey.get()),
            certificates(clientCert.get()).toArray(new Certificate[0]), clientCert.get().toString());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, MEMORY_PASSWORD.toCharArray());
        keyManagers = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot set up TLS towards instances: " + e.getMessage());
    }
  }

  /** A digest of the files' contents, to notice when they change (renewed certificates). */
  public static String fingerprint(ServerConfig.Tls tls) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (Optional<Path> p : List.of(tls.certificate(), tls.key(), tls.keystore(), tls.keystorePassword())) {
        if (p.isPresent()) {
          d.update(Files.readAllBytes(p.get()));
          d.update((byte) 0);
        }
      }
      return Base64.getEncoder().encodeToString(d.digest());
    } catch (IOException e) {
      return "unreadable: " + e.getClass().getSimpleName();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The certificates of a PEM file, in order. */
  static List<X509Certificate> certificates(Path file) {
    byte[] bytes = read(file, "certificate");
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : all) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no certificate: give a PEM file with"
            + " -----BEGIN CERTIFICATE-----");
      }
      return out;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(file + " is not a PEM certificate file: " + e.getMessage());
    }
  }

  /** The private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}), RSA, EC or Ed25519. */
  static PrivateKey privateKey(Path file) {
    String text = new String(read(file, "key"), StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      if (type.equals("ENCRYPTED PRIVATE KEY")) {
        throw new IllegalArgumentException(file + " is an encrypted key: decrypt it for the daemon with"
            + " `openssl pkcs8 -in " + file + " -out key.pem` and keep that file readable only by the daemon");
      }
      if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY")) {
        throw new IllegalArgumentException(file + " is a " + type.substring(0, type.indexOf(' ')) + " key in the"
            + " traditional format: convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in " + file
            + " -out key.pem`");
      }
      if (type.equals("PRIVATE KEY")) {
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " has a PRIVATE KEY block that is not base64");
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
          try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
          } catch (GeneralSecurityException notThisOne) {
            // the next algorithm
          }
        }
        throw new IllegalArgumentException(file + " holds a PKCS#8 key of an algorithm the JVM does not know:"
            + " use an RSA, EC or Ed25519 key");
      }
    }
    throw new IllegalArgumentException(file + " holds no private key: give a PEM file with"
        + " -----BEGIN PRIVATE KEY----- (PKCS#8)");
  }

  private static KeyStore memory(PrivateKey key, Certificate[] chain, String what) {
    if (chain == null || chain.length == 0) {
      throw new IllegalArgumentException(what + ": no certificate goes with the key");
    }
    checkPair(key, (X509Certificate) chain[0], what);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("clusterd", key, MEMORY_PASSWORD.toCharArray(), chain);
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(what + ": cannot keep the key and certificate: " + e.getMessage());
    }
  }

  /** Refuses a key that does not belong to the certificate (a signature with one must verify with the other). */
  private static void checkPair(PrivateKey key, X509Certificate cert, String what) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return;
    }
    try {
      byte[] probe = "clusterd key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      if (!v.verify(signature)) {
        throw new IllegalArgumentException(what + ": the private key does not belong to the certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(what + ": the private key does not belong to the certificate ("
          + e.getMessage() + ")");
    }
  }

  private static KeyStore pkcs12(Path file, char[] password) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the PKCS#12 keystore " + file + ": " + e.getMessage()
          + " (check --tls-keystore-password-file)");
    }
  }

  private static char[] password(Path file) {
    return new String(read(file, "password"), StandardCharsets.UTF_8).strip().toCharArray();
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the " + what + " file " + file + ": "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
    }
  }
}

package io.clusterd.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A bearer token's secret or the self-registration key as the daemon keeps it: either the secret itself or a
 * salted PBKDF2-HMAC-SHA256 hash of it, written {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (salt and hash in
 * base64 without padding), as {@code clusterd hash-token} prints it.
 *
 * <p>{@link #matches} compares in constant time: the given secret and a plain one are compared as SHA-256
 * digests with {@link MessageDigest#isEqual} (neither their bytes nor their lengths decide how long it takes), a
 * hash by deriving the given secret with the stored salt and iterations and comparing the results with
 * {@link MessageDigest#isEqual}. Once a secret has matched a hash, its SHA-256 digest is remembered, so a token
 * used on every request costs one digest, not one derivation, per request.
 *
 * <p>Neither {@link #toString()} nor any error message shows the secret or the hash. Thread-safe.
 */
public final class Secret {
  /** How a hashed secret starts. */
  public static final String PBKDF2_PREFIX = "pbkdf2-sha256$";
  /** The iterations {@code clusterd hash-token} uses unless told otherwise (OWASP's figure for PBKDF2-SHA256). */
  public static final int DEFAULT_ITERATIONS = 600_000;
  /** Fewer iterations than this are refused: such a hash would be cheap to guess from. */
  public static final int MIN_ITERATIONS = 10_000;
  /** Secrets shorter than this are refused. */
  public static final int MIN_LENGTH = 8;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] plainDigest;
  private final int iterations;
  private final byte[] salt;
  private final byte[] hash;
  private volatile byte[] verified;

  private Secret(byte[] plainDigest, int iterations, byte[] salt, byte[] hash) {
    this.plainDigest = plainDigest;
    this.iterations = iterations;
    this.salt = salt;
    this.hash = hash;
  }

  /**
   * The secret as written in a token, the token file or {@code --register-key}: a hash when it starts with
   * {@link #PBKDF2_PREFIX}, else the secret itself.
   *
   * @param what what it is, for the message, e.g. {@code the secret of token 'ops'}
   * @throws IllegalArgumentException for a secret shorter than {@link #MIN_LENGTH} or a malformed hash (the
   *     message never repeats what was written)
   */
  public static Secret parse(String written, String what) {
    if (written == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    if (!written.startsWith(PBKDF2_PREFIX)) {
      if (written.length() < MIN_LENGTH) {
        throw new IllegalArgumentException(what + " must have at least " + MIN_LENGTH + " characters");
      }
      return new Secret(sha256(written), 0, null, null);
    }
    String malformed = what + " is not a well-formed hash: write pbkdf2-sha256$ITERATIONS$SALT$HASH as"
        + " `clusterd hash-token` prints it";
    String[] parts = written.substring(PBKDF2_PREFIX.length()).split("\\$", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(malformed);
    }
    int iterations;
    byte[] salt;
    byte[] hash;
    try {
      iterations = Integer.parseInt(parts[0]);
      salt = Base64.getDecoder().decode(parts[1]);
      hash = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(malformed);
    }
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(what + " is hashed with fewer than " + MIN_ITERATIONS
          + " iterations: hash it again with `clusterd hash-token`");
    }
    if (salt.length < SALT_BYTES || hash.length != HASH_BYTES) {
      throw new IllegalArgumentException(malformed);
    }
    return new Secret(null, iterations, salt, hash);
  }

  /** A fresh hash of {@code plain} with {@link #DEFAULT_ITERATIONS} and a random salt. */
  public static String hash(String plain) {
    return hash(plain, DEFAULT_ITERATIONS);
  }

  /**
   * A fresh hash of {@code plain} with a random salt, {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}.
   *
   * @throws IllegalArgumentException for a secret shorter than {@link #MIN_LENGTH} or fewer than
   *     {@link #MIN_ITERATIONS} iterations
   */
  public static String hash(String plain, int iterations) {
    Objects.requireNonNull(plain, "plain");
    if (plain.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("a secret must have at least " + MIN_LENGTH + " characters");
    }
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException("the iterations must be at least " + MIN_ITERATIONS);
    }
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return PBKDF2_PREFIX + iterations + "$" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(pbkdf2(plain, salt, iterations));
  }

  /** Whether the daemon keeps only a hash of this secret. */
  public boolean hashed() {
    return hash != null;
  }

  /** Whether {@code given} is this secret, compared in constant time (see the class comment). */
  public boolean matches(String given) {
    if (given == null) {
      return false;
    }
    byte[] d = sha256(given);
    if (plainDigest != null) {
      return MessageDigest.isEqual(d, plainDigest);
    }
    byte[] known = verified;
    if (known != null) {
      return MessageDigest.isEqual(d, known);
    }
    boolean ok = MessageDigest.isEqual(pbkdf2(given, salt, iterations), hash);
    if (ok) {
      verified = d;
    }
    return ok;
  }

  /** Whether both are plain and the same secret (two hashes of one secret cannot be told apart cheaply). */
  public boolean samePlainSecretAs(Secret other) {
    return plainDigest != null && other.plainDigest != null && MessageDigest.isEqual(plainDigest, other.plainDigest);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && Arrays.equals(plainDigest, s.plainDigest) && iterations == s.iterations
        && Arrays.equals(salt, s.salt) && Arrays.equals(hash, s.hash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(plainDigest) * 31 + Arrays.hashCode(hash);
  }

  /** Never the secret: {@code Secret[hashed]} or {@code Secret[plain]}. */
  @Override
  public String toString() {
    return hashed() ? "Secret[hashed]" : "Secret[plain]";
  }

  private static byte[] pbkdf2(String secret, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, iterations, HASH_BYTES * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
    } finally {
      spec.clearPassword();
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

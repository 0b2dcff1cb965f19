package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.clusterd.http.internal.Auth;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Secrets kept plain or as PBKDF2 hashes: parsing, matching, what never shows, and how they are compared. */
class SecretTest {
  /** Fast enough for tests; the daemon's hashes use {@link Secret#DEFAULT_ITERATIONS}. */
  static final int TEST_ITERATIONS = Secret.MIN_ITERATIONS;

  @Test
  void hash_ofASecret_matchesItAndNothingElse() {
    String written = Secret.hash("correct-horse-1", TEST_ITERATIONS);
    assertTrue(written.startsWith("pbkdf2-sha256$" + TEST_ITERATIONS + "$"), written);
    assertFalse(written.contains("correct-horse-1"));
    Secret s = Secret.parse(written, "the secret");
    assertTrue(s.hashed());
    assertFalse(s.matches("correct-horse-2"), "differs in the last character");
    assertFalse(s.matches("correct-horse-1 "));
    assertFalse(s.matches(""));
    assertFalse(s.matches(null));
    assertTrue(s.matches("correct-horse-1"));
    assertTrue(s.matches("correct-horse-1"), "again, from the remembered digest");
    assertFalse(s.matches("correct-horse-2"), "still refused after a match");
  }

  @Test
  void hash_twice_givesDifferentSaltsThatBothMatch() {
    String a = Secret.hash("same-secret-1", TEST_ITERATIONS);
    String b = Secret.hash("same-secret-1", TEST_ITERATIONS);
    assertFalse(a.equals(b));
    assertTrue(Secret.parse(a, "a").matches("same-secret-1") && Secret.parse(b, "b").matches("same-secret-1"));
  }

  @Test
  void plain_matchesOnlyItself() {
    Secret s = Secret.parse("plain-secret-1", "the secret");
    assertFalse(s.hashed());
    assertTrue(s.matches("plain-secret-1"));
    assertFalse(s.matches("plain-secret-2"));
    assertFalse(s.matches("plain-secret-1x"));
  }

  @Test
  void parse_malformedHash_isRefusedWithoutRepeatingIt() {
    String good = Secret.hash("correct-horse-1", TEST_ITERATIONS);
    String[] parts = good.split("\\$");
    for (String bad : List.of("pbkdf2-sha256$", "pbkdf2-sha256$abc$" + parts[2] + "$" + parts[3],
        "pbkdf2-sha256$" + TEST_ITERATIONS + "$" + parts[2], "pbkdf2-sha256$" + TEST_ITERATIONS + "$!!$" + parts[3],
        "pbkdf2-sha256$" + TEST_ITERATIONS + "$" + parts[2] + "$" + parts[3].substring(4))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Secret.parse(bad, "the secret of token 'ops'"), bad);
      assertTrue(e.getMessage().startsWith("the secret of token 'ops' is not a well-formed hash"), e.getMessage());
      assertFalse(e.getMessage().contains(parts[3]), "the hash is not shown");
    }
    IllegalArgumentException weak = assertThrows(IllegalArgumentException.class,
        () -> Secret.parse("pbkdf2-sha256$1000$" + parts[2] + "$" + parts[3], "the register key"));
    assertTrue(weak.getMessage().contains("fewer than " + Secret.MIN_ITERATIONS), weak.getMessage());
  }

  @Test
  void token_withAHash_parsesAndNeverShowsTheSecret() {
    String hash = Secret.hash("token-secret-1", TEST_ITERATIONS);
    ServerConfig.Token t = ServerConfig.Token.parse("ops:admin:" + hash);
    assertTrue(t.secret().hashed());
    assertTrue(t.secret().matches("token-secret-1"));
    ServerConfig.Token plain = ServerConfig.Token.parse("ro:read:plain-secret-1");
    for (Object shown : List.of(t, plain, t.secret(), plain.secret())) {
      assertFalse(shown.toString().contains("secret-1"), shown.toString());
      assertFalse(shown.toString().contains(hash.split("\\$")[3]), shown.toString());
    }
  }

  @Test
  void auth_hashedAndPlainTokens_eachFoundByItsOwnSecret() {
    Auth auth = new Auth(List.of(ServerConfig.Token.parse("ops:admin:" + Secret.hash("admin-secret-1", TEST_ITERATIONS)),
        ServerConfig.Token.parse("ro:read:reader-secret-1")), Optional.empty());
    assertEquals("ops", auth.bySecret("admin-secret-1").orElseThrow().name());
    assertEquals("ro", auth.bySecret("reader-secret-1").orElseThrow().name());
    assertTrue(auth.bySecret("admin-secret-2").isEmpty());
  }

  /**
   * The code-level check of constant-time comparison: matching goes through {@code MessageDigest.isEqual} (which
   * looks at every byte) on digests or derived keys, never through an equality that stops at the first differing
   * byte; and {@code Auth.bySecret} asks every token.
   */
  @Test
  void matching_usesMessageDigestIsEqual_neverAnEarlyExitEquality() {
    JavaClass secret = new ClassFileImporter().importClasses(Secret.class).get(Secret.class);
    JavaMethod matches = secret.getMethod("matches", String.class);
    Set<String> calls = matches.getMethodCallsFromSelf().stream()
        .map(c -> c.getTargetOwner().getName() + "." + c.getName()).collect(Collectors.toSet());
    assertTrue(calls.contains("java.security.MessageDigest.isEqual"), calls.toString());
    for (String early : List.of("java.lang.String.equals", "java.util.Arrays.equals", "java.lang.String.contentEquals",
        "java.lang.String.compareTo", "java.util.Objects.equals")) {
      assertFalse(calls.contains(early), early + " in Secret.matches: " + calls);
    }
    JavaClass auth = new ClassFileImporter().importClasses(Auth.class).get(Auth.class);
    List<JavaMethodCall> fromBySecret = List.copyOf(auth.getMethod("bySecret", String.class).getMethodCallsFromSelf());
    assertTrue(fromBySecret.stream().anyMatch(c -> c.getName().equals("matches")), fromBySecret.toString());
  }
}

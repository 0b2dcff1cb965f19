package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.http.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens with roles, browser sessions made from them, and the self-registration key. Secrets are compared
 * in constant time (on their SHA-256 digests, so lengths leak nothing either). Thread-safe.
 */
public final class Auth {
  /** Who made a request. */
  public record Principal(String name, ServerConfig.Role role) { }

  private final List<ServerConfig.Token> tokens;
  private final Optional<byte[]> registerKey;
  private final Map<String, Principal> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  public Auth(List<ServerConfig.Token> tokens, Optional<String> registerKey) {
    this.tokens = List.copyOf(tokens);
    this.registerKey = registerKey.map(Auth::digest);
  }

  public boolean enabled() {
    return !tokens.isEmpty();
  }

  /** The principal of a bearer secret, or empty. */
  public Optional<Principal> bySecret(String secret) {
    byte[] d = digest(secret);
    Principal found = null;
    for (ServerConfig.Token t : tokens) {
      if (MessageDigest.isEqual(d, digest(t.secret())) && found == null) {
        found = new Principal(t.name(), t.role());
      }
    }
    return Optional.ofNullable(found);
  }

  public Optional<Principal> bySession(String session) {
    return session == null ? Optional.empty() : Optional.ofNullable(sessions.get(session));
  }

  /** Starts a browser session for a valid token; the id goes into an HttpOnly cookie. */
  public String openSession(Principal p) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    sessions.put(id, p);
    return id;
  }

  public void closeSession(String id) {
    if (id != null) {
      sessions.remove(id);
    }
  }

  /** Checks the self-registration key. */
  public void checkRegisterKey(String given) {
    if (registerKey.isEmpty()) {
      throw ClusterdException.of(ErrorCode.FORBIDDEN,
          "self-registration is switched off: start the daemon with --register-key to allow it");
    }
    if (given == null || given.isEmpty()) {
      throw ClusterdException.of(ErrorCode.APIKEY_MISSING, "the apikey query parameter is missing");
    }
    if (!MessageDigest.isEqual(digest(given), registerKey.get())) {
      throw ClusterdException.of(ErrorCode.APIKEY_INVALID, "the apikey is not valid");
    }
  }

  static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

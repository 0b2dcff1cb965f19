package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.http.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens with roles, browser sessions made from them, and the self-registration key. Secrets are compared
 * in constant time (on their SHA-256 digests, so lengths leak nothing either). A session ends {@code idle} after
 * its last use and {@code max} after it was opened, whichever comes first, as {@code clock} tells. Thread-safe.
 */
public final class Auth {
  /** Who made a request. */
  public record Principal(String name, ServerConfig.Role role) { }

  /** One browser session: who, when it was opened, when it was last used. */
  private record Session(Principal principal, Instant opened, Instant used) { }

  private final List<ServerConfig.Token> tokens;
  private final Optional<byte[]> registerKey;
  private final Duration idle;
  private final Duration max;
  private final Clock clock;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  /** Sessions with the default lifetimes of {@link ServerConfig}, on the system clock. */
  public Auth(List<ServerConfig.Token> tokens, Optional<String> registerKey) {
    this(tokens, registerKey, ServerConfig.DEFAULT_SESSION_IDLE, ServerConfig.DEFAULT_SESSION_MAX, Clock.systemUTC());
  }

  public Auth(List<ServerConfig.Token> tokens, Optional<String> registerKey, Duration idle, Duration max,
      Clock clock) {
    this.tokens = List.copyOf(tokens);
    this.registerKey = registerKey.map(Auth::digest);
    this.idle = Objects.requireNonNull(idle, "idle");
    this.max = Objects.requireNonNull(max, "max");
    this.clock = Objects.requireNonNull(clock, "clock");
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

  /** The principal of a live session, which this use keeps alive; empty for an unknown or expired one. */
  public Optional<Principal> bySession(String session) {
    if (session == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Session s = sessions.computeIfPresent(session, (id, old) -> expired(old, now) ? null
        : new Session(old.principal(), old.opened(), now));
    return s == null ? Optional.empty() : Optional.of(s.principal());
  }

  /** Starts a browser session for a valid token; the id goes into an HttpOnly cookie. */
  public String openSession(Principal p) {
    Instant now = clock.instant();
    sessions.values().removeIf(s -> expired(s, now)); // sessions nobody closed do not pile up
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    sessions.put(id, new Session(p, now, now));
    return id;
  }

  private boolean expired(Session s, Instant now) {
    return !now.isBefore(s.used().plus(idle)) || !now.isBefore(s.opened().plus(max));
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

package io.clusterd.http.internal;

import io.clusterd.spi.SessionRecord;
import io.clusterd.spi.SessionStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;

/**
 * Browser sessions kept in the store several daemons share ({@link SessionStore}), so a session opened on one
 * daemon works on every daemon and a sign-out on one ends it everywhere. The store holds the SHA-256 of the id
 * (never the id), the token's name and the times; the principal is resolved by name from this daemon's own tokens
 * on every lookup, so a token removed from the configuration ends its sessions.
 *
 * <p>Every lookup reads the session's row by its key (a sign-out on another daemon is seen at once, so nothing is
 * cached in memory); a use is written only when the stored last use is {@code touchEvery} old (30 s, or a quarter
 * of {@code idle} when that is shorter), not on every request. Hence a session ends between
 * {@code idle - touchEvery} and {@code idle} after its last use. Thread-safe.
 */
final class SharedSessions {
  /** The longest time between two writes of a session's last use. */
  static final Duration TOUCH_EVERY = Duration.ofSeconds(30);

  private final SessionStore store;
  private final Duration idle;
  private final Duration max;
  private final Duration touchEvery;
  private final Clock clock;
  private final Function<String, Optional<Auth.Principal>> byName;

  SharedSessions(SessionStore store, Duration idle, Duration max, Clock clock,
      Function<String, Optional<Auth.Principal>> byName) {
    this.store = store;
    this.idle = idle;
    this.max = max;
    // a short idle lifetime (tests, strict set-ups) is written often enough to keep its meaning
    this.touchEvery = idle.dividedBy(4).compareTo(TOUCH_EVERY) < 0 ? idle.dividedBy(4) : TOUCH_EVERY;
    this.clock = clock;
    this.byName = byName;
  }

  /** The hex SHA-256 of a session id: what the store keys sessions by. */
  static String hash(String id) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Keeps a new session of {@code principal} under {@code id}; expired sessions of every daemon are deleted. */
  void open(String id, Auth.Principal principal) {
    Instant now = clock.instant();
    store.deleteSessionsBefore(now.minus(idle), now.minus(max));
    String hash = hash(id);
    store.putSession(new SessionRecord(hash, principal.name(), now, now));
  }

  /** The principal of a live session; {@code use} records this as a use (written at most every touchEvery). */
  Optional<Auth.Principal> lookup(String id, boolean use) {
    Instant now = clock.instant();
    String hash = hash(id);
    Optional<SessionRecord> row = store.session(hash);
    if (row.isEmpty() || expired(row.get(), now)) {
      return Optional.empty();
    }
    Optional<Auth.Principal> principal = byName.apply(row.get().principal());
    if (principal.isEmpty()) { // its token is no longer configured: the session ends
      store.deleteSession(hash);
      return Optional.empty();
    }
    if (use && !now.isBefore(row.get().used().plus(touchEvery))) {
      store.touchSession(hash, now);
    }
    return principal;
  }

  /** Ends a session on every daemon; returns whether it was open. */
  boolean close(String id) {
    return store.deleteSession(hash(id));
  }

  private boolean expired(SessionRecord s, Instant now) {
    return !now.isBefore(s.used().plus(idle)) || !now.isBefore(s.opened().plus(max));
  }
}

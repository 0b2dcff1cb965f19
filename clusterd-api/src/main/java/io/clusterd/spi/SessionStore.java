package io.clusterd.spi;

import java.time.Instant;
import java.util.Optional;

/**
 * Browser sessions kept where every daemon of one clusterd finds them (the {@link SharedRegistryStore}), so a
 * session opened on one daemon works on all and a sign-out on one ends it on all. Sessions are keyed by the
 * SHA-256 of their id ({@link SessionRecord#idHash()}); the store never sees the id. They are not part of the
 * registry: writing them does not move the change sequence and wakes no follower. Times are kept to the
 * millisecond; the daemons decide expiry (idle and maximum lifetime) by their own clocks.
 *
 * <p>Implementations are thread-safe; every method reads or writes the store at once and fails with
 * {@link io.clusterd.ErrorCode#UNAVAILABLE} or {@link io.clusterd.ErrorCode#STORE_FAILURE} when it cannot.
 */
public interface SessionStore {

  /** Keeps a new session (a record with the same hash is replaced). */
  void putSession(SessionRecord session);

  /** The session of a hash, or empty when it was never opened, was deleted or cleaned up. */
  Optional<SessionRecord> session(String idHash);

  /** Records a later use of a session; an earlier {@code used} than the stored one, or an unknown hash, is ignored. */
  void touchSession(String idHash, Instant used);

  /** Ends a session; returns whether it was there. */
  boolean deleteSession(String idHash);

  /**
   * Deletes the sessions last used before {@code usedBefore} or opened before {@code openedBefore} (the expired
   * ones, for a caller that knows the lifetimes); returns how many.
   */
  int deleteSessionsBefore(Instant usedBefore, Instant openedBefore);
}

package io.clusterd.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One browser session as a {@link SessionStore} keeps it: the SHA-256 of the session id (lower-case hex; the id
 * itself, the cookie's value, is never stored), the name of the token it was opened with, when it was opened and
 * when it was last used (as the daemon that used it recorded, see {@link SessionStore#touchSession}).
 *
 * <p>Immutable and thread-safe.
 */
public record SessionRecord(String idHash, String principal, Instant opened, Instant used) {

  public SessionRecord {
    Objects.requireNonNull(idHash, "idHash");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(opened, "opened");
    Objects.requireNonNull(used, "used");
  }
}

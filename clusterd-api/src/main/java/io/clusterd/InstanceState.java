package io.clusterd;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The synchronization status of an instance: whether it carries its effective pins ({@code in-sync}), differs
 * from them ({@code drifted}), has writes not yet delivered ({@code pending}) or did not answer
 * ({@code unreachable}), with the time it last answered.
 *
 * <p>Immutable and thread-safe.
 */
public record InstanceState(String instance, Status status, Optional<Instant> lastSeen, String detail) {

  /** The four statuses; {@link #label()} is the form used in JSON. */
  public enum Status {
    IN_SYNC, DRIFTED, PENDING, UNREACHABLE, UNKNOWN;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public InstanceState {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(lastSeen, "lastSeen");
    detail = detail == null ? "" : detail;
  }
}

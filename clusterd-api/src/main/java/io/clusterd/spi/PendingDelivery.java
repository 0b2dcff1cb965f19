package io.clusterd.spi;

import io.clusterd.KeyOperation;
import java.time.Instant;
import java.util.Objects;

/**
 * A write accepted by clusterd that an instance has not yet received. {@code seq} orders the pending writes of
 * one instance (the order they must be delivered in) and is assigned by the core.
 *
 * <p>Immutable and thread-safe.
 */
public record PendingDelivery(String instance, long seq, KeyOperation operation, Instant since, String reason) {
  public PendingDelivery {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(since, "since");
    reason = reason == null ? "" : reason;
  }
}

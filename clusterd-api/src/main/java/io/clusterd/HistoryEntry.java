package io.clusterd;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One recorded mutation: when, who (when known), on which node, what operation, which key, old and new value,
 * and the outcome. {@code seq} orders entries (newest has the largest) and is assigned by the store; entries
 * not yet stored have seq 0.
 *
 * <p>Immutable and thread-safe.
 */
public record HistoryEntry(
    long seq,
    Instant time,
    Optional<String> actor,
    String node,
    String operation,
    Optional<String> key,
    Optional<String> oldValue,
    Optional<String> newValue,
    String outcome) {

  public HistoryEntry {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    Objects.requireNonNull(newValue, "newValue");
    outcome = outcome == null ? "" : outcome;
  }

  /** The same entry with the sequence number the store gave it. */
  public HistoryEntry withSeq(long newSeq) {
    return new HistoryEntry(newSeq, time, actor, node, operation, key, oldValue, newValue, outcome);
  }
}

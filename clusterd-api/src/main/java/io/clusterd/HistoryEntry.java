package io.clusterd;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One recorded mutation: when, who (when known), on which node, what operation, which key, old and new value,
 * and the outcome. {@code seq} orders entries (newest has the largest) and is assigned by the store; entries
 * not yet stored have seq 0.
 *
 * <p>An entry that changes pins of its node (a cluster) also lists, in {@code pinsBefore}, every pin it changed as it
 * was before: value and metadata, or none when the key was not pinned. Undoing the entries after a sequence in
 * reverse order gives a cluster's pins at that sequence (a rollback). Entries written before clusterd recorded
 * this have an empty list.
 *
 * <pre>{@code
 * for (HistoryEntry.PinBefore p : entry.pinsBefore()) {
 *   p.pin().ifPresentOrElse(pin -> restore(entry.node(), pin), () -> unpin(entry.node(), p.key()));
 * }
 * }</pre>
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
    String outcome,
    List<PinBefore> pinsBefore) {

  /** A pin the entry changed, as it was before: {@code pin} is empty when the key was not pinned. */
  public record PinBefore(KeyName key, Optional<Pin> pin) {
    public PinBefore {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(pin, "pin");
      if (pin.isPresent() && !pin.get().key().equals(key)) {
        throw new IllegalArgumentException("the pin of " + key + " names another key: " + pin.get().key());
      }
    }

    /** The key was not pinned before. */
    public static PinBefore absent(KeyName key) {
      return new PinBefore(key, Optional.empty());
    }

    public static PinBefore of(Pin pin) {
      return new PinBefore(pin.key(), Optional.of(pin));
    }
  }

  public HistoryEntry {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(oldValue, "oldValue");
    Objects.requireNonNull(newValue, "newValue");
    outcome = outcome == null ? "" : outcome;
    pinsBefore = List.copyOf(pinsBefore == null ? List.of() : pinsBefore);
  }

  /** An entry that changes no pin (or one written before pins were recorded). */
  public HistoryEntry(long seq, Instant time, Optional<String> actor, String node, String operation,
      Optional<String> key, Optional<String> oldValue, Optional<String> newValue, String outcome) {
    this(seq, time, actor, node, operation, key, oldValue, newValue, outcome, List.of());
  }

  /** The same entry with the sequence number the store gave it. */
  public HistoryEntry withSeq(long newSeq) {
    return new HistoryEntry(newSeq, time, actor, node, operation, key, oldValue, newValue, outcome, pinsBefore);
  }
}

package io.clusterd.spi;

import java.util.Objects;

/**
 * A {@link StoreSnapshot} with the change sequence of the last batch it contains
 * ({@link SharedRegistryStore#changeSeq()}).
 *
 * <p>Immutable and thread-safe.
 */
public record SequencedSnapshot(long seq, StoreSnapshot snapshot) {
  public SequencedSnapshot {
    Objects.requireNonNull(snapshot, "snapshot");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must not be negative: " + seq);
    }
  }
}

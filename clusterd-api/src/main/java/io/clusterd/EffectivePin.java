package io.clusterd;

import java.util.Objects;

/**
 * A pin in force on an instance together with its provenance: the cluster that locks the key ("why does this
 * host have this value"). By invariant I4 each key of an instance has at most one such cluster.
 *
 * <p>Immutable and thread-safe.
 */
public record EffectivePin(Pin pin, String lockedBy) {
  public EffectivePin {
    Objects.requireNonNull(pin, "pin");
    Objects.requireNonNull(lockedBy, "lockedBy");
  }

  public KeyName key() {
    return pin.key();
  }
}

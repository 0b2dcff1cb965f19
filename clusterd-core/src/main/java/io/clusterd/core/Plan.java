package io.clusterd.core;

import io.clusterd.Conflict;
import io.clusterd.KeyOperation;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Change} would do: the conflicts that refuse it (empty when it would be accepted) and, per target
 * instance, the key operations it would send, in order; for a {@link Change.ApplyState}, also the parts of the
 * registry it changes ({@code state}).
 *
 * <p>Immutable and thread-safe.
 */
public record Plan(List<Conflict> conflicts, List<InstanceChanges> changes, Optional<StateDiff> state) {

  /** The operations one instance would receive. */
  public record InstanceChanges(String instance, String host, List<KeyOperation> operations) {
    public InstanceChanges {
      operations = List.copyOf(operations);
    }
  }

  public Plan {
    conflicts = List.copyOf(conflicts);
    changes = List.copyOf(changes);
    Objects.requireNonNull(state, "state");
  }

  /** The plan of a change that is not a state document. */
  public Plan(List<Conflict> conflicts, List<InstanceChanges> changes) {
    this(conflicts, changes, Optional.empty());
  }

  public boolean accepted() {
    return conflicts.isEmpty();
  }
}

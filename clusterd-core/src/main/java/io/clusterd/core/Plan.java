package io.clusterd.core;

import io.clusterd.Conflict;
import io.clusterd.KeyOperation;
import java.util.List;

/**
 * What a {@link Change} would do: the conflicts that refuse it (empty when it would be accepted) and, per target
 * instance, the key operations it would send, in order.
 *
 * <p>Immutable and thread-safe.
 */
public record Plan(List<Conflict> conflicts, List<InstanceChanges> changes) {

  /** The operations one instance would receive. */
  public record InstanceChanges(String instance, String host, List<KeyOperation> operations) {
    public InstanceChanges {
      operations = List.copyOf(operations);
    }
  }

  public Plan {
    conflicts = List.copyOf(conflicts);
    changes = List.copyOf(changes);
  }

  public boolean accepted() {
    return conflicts.isEmpty();
  }
}

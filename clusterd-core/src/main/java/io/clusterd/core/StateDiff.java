package io.clusterd.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What applying a {@link DesiredState} changes in the registry, part by part: every node created, changed, moved
 * or removed, and every pin set or removed. The key operations each instance receives are the plan's
 * {@link Plan#changes()}. Nodes the document leaves out are listed as removals either way; only with
 * {@code prune} are they {@linkplain NodeChange#applied() applied}.
 *
 * <p>Immutable and thread-safe.
 */
public record StateDiff(String versionBefore, String versionAfter, boolean prune, List<NodeChange> nodes,
    List<PinChange> pins) {

  /** What happens to a node. */
  public enum Action {
    CREATE, CHANGE, MOVE, REMOVE;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One node's change: {@code fields} names what changes ({@code name}, {@code description}, {@code labels},
   * {@code host}, {@code transport}, {@code parent}); {@code applied} is false for a removal without prune.
   */
  public record NodeChange(String id, String type, Action action, List<String> fields, Optional<String> parentBefore,
      Optional<String> parentAfter, boolean applied) {
    public NodeChange {
      Objects.requireNonNull(id, "id");
      fields = List.copyOf(fields);
    }
  }

  /** One pin set (new, or another value or metadata) or removed on a cluster that stays. */
  public record PinChange(String cluster, String key, boolean removed, Optional<PinValue> before,
      Optional<PinValue> after) { }

  /** A pin's value and metadata. */
  public record PinValue(String value, java.util.Map<String, String> meta) {
    public PinValue {
      meta = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(meta));
    }
  }

  public StateDiff {
    nodes = List.copyOf(nodes);
    pins = List.copyOf(pins);
  }

  /** Whether applying changes nothing (removals that need prune aside). */
  public boolean isEmpty() {
    return nodes.stream().noneMatch(NodeChange::applied) && pins.isEmpty();
  }
}

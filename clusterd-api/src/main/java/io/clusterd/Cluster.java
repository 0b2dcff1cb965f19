package io.clusterd;

import java.util.List;
import java.util.Map;

/**
 * A composite node: a named group whose {@link #children()} are instances and clusters. A snapshot of the
 * tree below the cluster as the registry held it when the value was made; clusters handed out by lookups that
 * do not ask for the subtree have no children.
 *
 * <p>Immutable and thread-safe; the children list is unmodifiable. The registry guarantees the snapshot is a
 * tree (invariants I1 and I2), so a cluster never contains itself.
 */
public record Cluster(String id, String name, String description, Map<String, String> labels, List<Node> children)
    implements Node {

  public Cluster {
    Node.requireValidId(id);
    name = Node.requireValidName(name);
    description = description == null ? "" : description;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    children = List.copyOf(children == null ? List.of() : children);
  }

  /** A cluster without description, labels or children. */
  public static Cluster of(String id, String name) {
    return new Cluster(id, name, "", Map.of(), List.of());
  }

  /** The same cluster with other children. */
  public Cluster withChildren(List<Node> newChildren) {
    return new Cluster(id, name, description, labels, newChildren);
  }
}

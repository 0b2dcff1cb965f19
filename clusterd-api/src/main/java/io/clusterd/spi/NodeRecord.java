package io.clusterd.spi;

import io.clusterd.Cluster;
import io.clusterd.Node;
import java.util.Objects;
import java.util.Optional;

/**
 * A node as the store keeps it: the node's own fields (a {@link Cluster} without children) and the id of its
 * parent cluster, empty for top-level nodes. The tree is rebuilt from these edges.
 *
 * <p>Immutable and thread-safe.
 */
public record NodeRecord(Node node, Optional<String> parent) {
  public NodeRecord {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(parent, "parent");
    if (node instanceof Cluster c && !c.children().isEmpty()) {
      node = c.withChildren(java.util.List.of());
    }
  }

  public String id() {
    return node.id();
  }
}

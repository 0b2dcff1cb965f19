package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Plans attaching, moving and detaching nodes (C4, C5, C6); a joining subtree receives the pins now in force. */
final class MembershipPlanner {
  private final Tree tree;
  private final TreeSteps steps;

  MembershipPlanner(Tree tree, TreeSteps steps) {
    this.tree = tree;
    this.steps = steps;
  }

  /** Attaches {@code child} under {@code parent}; an explicit move may take a node that has a parent (no C5). */
  void attach(Draft d, String parent, String child, boolean force, boolean explicitMove) {
    if (!tree.isCluster(parent)) {
      d.refuse(Refusals.clusterMissing(parent));
      return;
    }
    if (!tree.contains(child)) {
      d.refuse(Refusals.nodeMissing(child));
      return;
    }
    Optional<String> oldParent = tree.parentOf(child);
    if (!explicitMove && oldParent.equals(Optional.of(parent))) {
      // attaching to the parent it already has changes nothing
      d.result(child);
      return;
    }
    Set<KeyName> dropped = steps.checkAttach(d, Optional.of(parent), child, force, !explicitMove, parent);
    if (d.refused()) {
      return;
    }
    steps.dropPins(d, child, dropped);
    steps.place(d, child, Optional.of(parent));
    d.history(child, explicitMove ? "move" : "attach", Optional.empty(), oldParent, Optional.of(parent));
    steps.sendJoinPins(d, child, Optional.of(parent));
    d.result(child);
  }

  /** Moves a node under another cluster, or to the top level when {@code parent} is empty. */
  void move(Draft d, String node, Optional<String> parent, boolean force) {
    if (parent.isPresent()) {
      attach(d, parent.get(), node, force, true);
      return;
    }
    if (!tree.contains(node)) {
      d.refuse(Refusals.nodeMissing(node));
      return;
    }
    Optional<String> oldParent = tree.parentOf(node);
    if (oldParent.isPresent()) {
      detach(d, oldParent.get(), node);
    }
    d.result(node);
  }

  void detach(Draft d, String parent, String child) {
    if (!tree.isCluster(parent)) {
      d.refuse(Refusals.clusterMissing(parent));
      return;
    }
    if (!tree.parentOf(child).equals(Optional.of(parent))) {
      d.refuse(Conflict.of(ErrorCode.NOT_FOUND, "'" + child + "' is not a member of cluster '" + parent + "'",
          Map.of("cluster", parent, "id", child)));
      return;
    }
    steps.place(d, child, Optional.empty());
    d.history(child, "detach", Optional.empty(), Optional.of(parent), Optional.empty());
    d.result(child);
  }
}

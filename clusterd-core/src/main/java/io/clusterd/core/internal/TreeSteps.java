package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Steps several planners take alike: placing a node, dropping pins with force, sending the pins a joiner gets. */
final class TreeSteps {
  private final Tree tree;
  private final ConflictRules rules;

  TreeSteps(Tree tree, ConflictRules rules) {
    this.tree = tree;
    this.rules = rules;
  }

  /** Stores a node under a parent and relinks it in the tree. */
  void place(Draft d, String id, Optional<String> parent) {
    Node node = tree.node(id).orElseThrow();
    d.store().putNode(new NodeRecord(node, parent));
    d.edit(t -> t.relink(id, parent));
  }

  /**
   * Checks attaching {@code child} below {@code parent} (C4, C5, C6) into the draft. Returns the keys pinned in
   * the child's subtree that {@code force} drops. {@code shownParent} names the parent in messages.
   */
  Set<KeyName> checkAttach(Draft d, Optional<String> parent, String child, boolean force, boolean refuseIfParented,
      String shownParent) {
    if (refuseIfParented) {
      d.refuse(rules.c5AlreadyInCluster(child, parent));
    }
    List<Conflict> cycle = rules.c4Cycle(parent, child, shownParent);
    if (!cycle.isEmpty()) {
      d.refuse(cycle);
      return Set.of();
    }
    d.refuse(rules.rolloutAbove(parent, child));
    Map<KeyName, List<String>> clashes = rules.c6PinnedInside(parent, child);
    if (clashes.isEmpty()) {
      return Set.of();
    }
    if (force) {
      return Set.copyOf(clashes.keySet());
    }
    d.refuse(rules.c6Refusals(parent, child, clashes));
    return Set.of();
  }

  /** Removes, inside the subtree of {@code root}, the pins of the given keys (force on C3 and C6). */
  void dropPins(Draft d, String root, Set<KeyName> keys) {
    rules.pinsInside(root, keys).forEach((cluster, pinned) -> {
      for (KeyName k : pinned) {
        Pin old = tree.pin(cluster, k).orElseThrow();
        d.store().deletePin(cluster, k);
        d.history(cluster, "unpin-forced", Optional.of(k.toString()), Optional.of(old.value()), Optional.empty(),
            List.of(HistoryEntry.PinBefore.of(old)));
        d.edit(t -> t.removePin(cluster, k));
      }
    });
  }

  /** Sends the pins a new chain of ancestors puts in force to every instance at or below the joining node. */
  void sendJoinPins(Draft d, String joining, Optional<String> newParent) {
    List<Pin> pins = tree.pinsInForce(tree.chain(newParent));
    if (pins.isEmpty()) {
      return;
    }
    for (Instance i : tree.targets(joining)) {
      for (Pin p : pins) {
        d.sendPin(i.id(), p);
      }
    }
  }
}

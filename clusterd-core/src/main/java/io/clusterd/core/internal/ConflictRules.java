package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The conflict rules C0-C8 of the tree (docs/semantics.md section 3), one method each. Every method only reads the tree
 * and returns the conflicts it finds (empty when the rule holds), so a request collects all of them at once.
 */
final class ConflictRules {
  private static final KeyName SYSTEM_ELEKTRA = KeyName.parse("system:/elektra");

  private final Tree tree;

  ConflictRules(Tree tree) {
    this.tree = tree;
  }

  /** C0: both names of a write are in a writable namespace, and a metadata name is one. */
  static List<Conflict> c0Writable(KeyOperation op) {
    if (op.key().namespace().isWritable() && op.target().map(t -> t.namespace().isWritable()).orElse(true)
        && op.metaName().isEmpty()) {
      return List.of();
    }
    List<Conflict> out = new ArrayList<>();
    Refusals.notWritable(op.key()).ifPresent(out::add);
    op.target().flatMap(Refusals::notWritable).ifPresent(out::add);
    op.metaName().filter(n -> KeyName.canonicalMetaName(n).isEmpty())
        .ifPresent(n -> out.add(Refusals.invalidMetaName(n)));
    return out;
  }

  /** What a cluster cannot pin: a namespace root, or Elektra's own keys. */
  static List<Conflict> pinnable(KeyName key) {
    if (key.isRoot()) {
      return List.of(Conflict.of(ErrorCode.INVALID_KEY_NAME,
          "a cluster cannot pin the namespace root " + key + ": pin a key below it", Map.of("key", key.toString())));
    }
    if (key.isBelowOrSame(SYSTEM_ELEKTRA) || key.parts().contains("\u00aeelektra")) {
      return List.of(Conflict.of(ErrorCode.RESERVED_KEY, key
          + " belongs to Elektra itself (system:/elektra and parts named \u00aeelektra are reserved) and cannot be pinned",
          Map.of("key", key.toString())));
    }
    return List.of();
  }

  /**
   * Validation (SEMANTICS section 7): the value satisfies the checks of the key's metadata ({@code check/type},
   * {@code check/enum}, {@code check/range}, {@code check/validation}, {@code check/length/max}).
   */
  static List<Conflict> validValue(KeyName key, String value, Map<String, String> meta) {
    return ValueChecks.violation(value, meta).map(v -> List.of(Conflict.of(ErrorCode.INVALID_VALUE,
        key + ": " + v.reason() + " (" + v.check() + ")",
        Map.of("key", key.toString(), "check", v.check(), "value", value)))).orElse(List.of());
  }

  /** C1: an ancestor cluster locks the key (for recursive operations: any key at or below it) of an instance. */
  List<Conflict> c1LockedOnInstance(String instance, KeyName key, boolean recursive) {
    return lockedAbove(instance, key, recursive, "instance '" + instance + "'");
  }

  /**
   * A write of {@code keys} on {@code cluster} while an unfinished rollout of the same cluster, an ancestor or a
   * descendant writes one of them, a key above or a key below: refused until that rollout is finished.
   */
  List<Conflict> rolloutInProgress(String cluster, List<KeyName> keys, Optional<String> own) {
    List<Conflict> out = new ArrayList<>();
    for (Rollout r : tree.activeRollouts()) {
      if (own.isPresent() && own.get().equals(r.id())) {
        continue;
      }
      String c = r.cluster();
      if (!tree.contains(c) || !(c.equals(cluster) || tree.isStrictlyBelow(c, cluster)
          || tree.isStrictlyBelow(cluster, c))) {
        continue;
      }
      for (KeyName key : keys) {
        if (r.keys().stream().anyMatch(k -> k.isBelowOrSame(key) || key.isBelowOrSame(k))) {
          out.add(Refusals.rolloutInProgress(r, key));
          break;
        }
      }
    }
    return out;
  }

  /**
   * Attaching or moving the cluster {@code child} below {@code parent} while an unfinished rollout of the parent or
   * an ancestor writes a key that the child's subtree pins: the subtree would hold a pin below the rollout's target
   * (I4), so it is refused until that rollout is finished (force does not drop pins a rollout is about to lock).
   */
  List<Conflict> rolloutAbove(Optional<String> parent, String child) {
    if (parent.isEmpty() || !tree.isCluster(child)) {
      return List.of();
    }
    List<String> chain = tree.chain(parent);
    List<Conflict> out = new ArrayList<>();
    for (Rollout r : tree.activeRollouts()) {
      if (!chain.contains(r.cluster())) {
        continue;
      }
      for (KeyName key : r.keys()) {
        if (tree.pinnersOf(key).stream().anyMatch(p -> p.equals(child) || tree.isStrictlyBelow(p, child))) {
          out.add(Refusals.rolloutInProgress(r, key));
          break;
        }
      }
    }
    return out;
  }

  /** C2: an ancestor of the cluster locks the key it would pin (recursive: any key at or below it). */
  List<Conflict> c2LockedAbove(String cluster, KeyName key, boolean recursive) {
    return lockedAbove(cluster, key, recursive, "cluster '" + cluster + "'");
  }

  private List<Conflict> lockedAbove(String node, KeyName key, boolean recursive, String what) {
    List<Conflict> out = List.of();
    // the hot path of every instance write: walk up without allocating until something is locked
    for (String c = tree.parentOrNull(node); c != null; c = tree.parentOrNull(c)) {
      List<KeyName> locked = recursive ? tree.lockedAtOrBelow(c, key)
          : tree.pins(c, key) ? List.of(key) : List.of();
      for (KeyName k : locked) {
        if (out.isEmpty()) {
          out = new ArrayList<>();
        }
        out.add(Refusals.locked(k, c, what));
      }
    }
    return out;
  }

  /**
   * C3: clusters strictly below {@code cluster} that pin the key (recursive: any key at or below it), by key.
   * The caller refuses them, or drops them with force.
   */
  Map<KeyName, List<String>> c3PinnedBelow(String cluster, KeyName key, boolean recursive) {
    Map<KeyName, List<String>> below = new TreeMap<>();
    for (KeyName k : recursive ? tree.pinnedKeysAtOrBelow(key) : List.of(key)) {
      for (String p : tree.pinnersOf(k)) {
        if (!p.equals(cluster) && tree.isStrictlyBelow(p, cluster)) {
          below.computeIfAbsent(k, x -> new ArrayList<>()).add(p);
        }
      }
    }
    below.values().forEach(l -> l.sort(null));
    return below;
  }

  static List<Conflict> c3Refusals(String cluster, Map<KeyName, List<String>> below) {
    List<Conflict> out = new ArrayList<>();
    below.forEach((key, clusters) -> out.add(Conflict.of(ErrorCode.KEY_PINNED_BELOW,
        key + " is already pinned below cluster '" + cluster + "' by " + clusters
            + ": unpin it there, or write with force=true to remove those pins and take ownership",
        Map.of("key", key.toString(), "cluster", cluster, "clusters", clusters))));
    return out;
  }

  /**
   * C4: attaching {@code child} under {@code parent} makes a cluster its own ancestor. {@code shownParent} names
   * the parent in the message (a cluster being created between them).
   */
  List<Conflict> c4Cycle(Optional<String> parent, String child, String shownParent) {
    if (parent.isPresent() && (parent.get().equals(child) || tree.isStrictlyBelow(parent.get(), child))) {
      return List.of(Conflict.of(ErrorCode.CYCLE,
          "attaching '" + child + "' under '" + shownParent + "' would make a cluster its own ancestor",
          Map.of("id", child, "parent", shownParent)));
    }
    return List.of();
  }

  /** C5: a node that already has a parent is attached without an explicit move. */
  List<Conflict> c5AlreadyInCluster(String child, Optional<String> parent) {
    Optional<String> current = tree.parentOf(child);
    if (current.isEmpty()) {
      return List.of();
    }
    return List.of(Conflict.of(ErrorCode.ALREADY_IN_CLUSTER,
        "'" + child + "' is already a member of cluster '" + current.get()
            + "': move it explicitly (PUT the node with {\"parent\": \"" + parent.orElse("")
            + "\"}) or detach it first",
        Map.of("id", child, "cluster", current.get())));
  }

  /**
   * C6: keys pinned inside the subtree of {@code child} that {@code parent} or its ancestors lock, with the clusters
   * pinning each inside the subtree. The caller refuses them ({@link #c6Refusals}), or drops them with force.
   */
  Map<KeyName, List<String>> c6PinnedInside(Optional<String> parent, String child) {
    Map<KeyName, List<String>> clashes = new TreeMap<>();
    if (parent.isEmpty() || !tree.isCluster(child)) {
      return clashes;
    }
    for (var lock : locksOfChain(parent).entrySet()) {
      for (String p : tree.pinnersOf(lock.getKey())) {
        if (p.equals(child) || tree.isStrictlyBelow(p, child)) {
          clashes.computeIfAbsent(lock.getKey(), k -> new ArrayList<>()).add(p);
        }
      }
    }
    clashes.values().forEach(l -> l.sort(null));
    return clashes;
  }

  List<Conflict> c6Refusals(Optional<String> parent, String child, Map<KeyName, List<String>> clashes) {
    Map<KeyName, String> locks = locksOfChain(parent);
    List<Conflict> out = new ArrayList<>();
    clashes.forEach((key, below) -> out.add(Conflict.of(ErrorCode.KEY_PINNED_BELOW,
        key + " is locked by cluster '" + locks.get(key) + "' but pinned inside '" + child + "' by " + below
            + ": unpin it there or attach with force=true to drop the lower pins",
        Map.of("key", key.toString(), "lockedBy", locks.get(key), "clusters", below))));
    return out;
  }

  private Map<KeyName, String> locksOfChain(Optional<String> parent) {
    Map<KeyName, String> locks = new TreeMap<>();
    for (String c : tree.chain(parent)) {
      for (var p : tree.pinsOf(c)) {
        locks.putIfAbsent(p.key(), c);
      }
    }
    return locks;
  }

  /** C7: the endpoint is registered already, by another instance than {@code self}. */
  List<Conflict> c7HostTaken(Endpoint endpoint, Optional<String> self) {
    Optional<String> owner = tree.ownerOf(endpoint).filter(o -> !self.equals(Optional.of(o)));
    return owner.map(o -> List.of(Conflict.of(ErrorCode.HOST_DOES_ALREADY_EXIST,
        "an instance with host " + endpoint + " is already registered as '" + o + "'",
        Map.of("host", endpoint.toString(), "instance", o)))).orElse(List.of());
  }

  /** C8: a cluster that still has children is deleted without a cascade. */
  List<Conflict> c8NotEmpty(String cluster) {
    List<String> children = tree.childrenOf(cluster);
    if (children.isEmpty()) {
      return List.of();
    }
    return List.of(Conflict.of(ErrorCode.CLUSTER_NOT_EMPTY, "cluster '" + cluster + "' still has " + children.size()
        + " member(s): delete with cascade=detach to hand them to its parent, or cascade=delete to remove the whole subtree",
        Map.of("cluster", cluster, "children", children)));
  }

  /** The pins inside the subtree of {@code root} of the given keys: what force drops, by cluster. */
  Map<String, Set<KeyName>> pinsInside(String root, Set<KeyName> keys) {
    Map<String, Set<KeyName>> out = new TreeMap<>();
    for (KeyName k : keys) {
      for (String p : tree.pinnersOf(k)) {
        if (p.equals(root) || tree.isStrictlyBelow(p, root)) {
          out.computeIfAbsent(p, x -> new java.util.TreeSet<>()).add(k);
        }
      }
    }
    return out;
  }
}

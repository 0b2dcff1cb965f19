package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Plans key writes: on a cluster they change its pins and fan out to every instance below it (C0, C2, C3); on an
 * instance they are sent to it alone (C0, C1); several metadata entries of one pin are one change; a sync re-sends
 * the effective pins of every instance below a node.
 */
final class KeyWritePlanner {
  private final Tree tree;
  private final ConflictRules rules;
  private final TreeSteps steps;

  KeyWritePlanner(Tree tree, ConflictRules rules, TreeSteps steps) {
    this.tree = tree;
    this.rules = rules;
    this.steps = steps;
  }

  void writeCluster(Draft d, String cluster, KeyOperation op, boolean force) {
    if (!tree.isCluster(cluster)) {
      d.refuse(Refusals.clusterMissing(cluster));
      return;
    }
    d.refuse(ConflictRules.c0Writable(op));
    d.refuse(ConflictRules.pinnable(op.key()));
    op.target().ifPresent(t -> d.refuse(ConflictRules.pinnable(t)));
    d.refuse(rules.rolloutInProgress(cluster, op.target().map(t -> List.of(op.key(), t)).orElse(List.of(op.key())),
        d.exempted()));
    if (d.refused()) {
      return;
    }
    switch (op.kind()) {
      case SET -> setPin(d, cluster, op, force);
      case SET_META, DELETE_META -> changePinMeta(d, cluster, List.of(op), force);
      case DELETE -> deletePins(d, cluster, op.key(), force);
      case MOVE, COPY -> relocatePins(d, cluster, op, force);
      default -> throw new IllegalArgumentException("unknown operation " + op);
    }
    if (d.refused()) {
      return;
    }
    for (Instance i : tree.targets(cluster)) {
      d.send(i.id(), op);
    }
  }

  private void setPin(Draft d, String cluster, KeyOperation op, boolean force) {
    KeyName key = op.key();
    Optional<Pin> old = tree.pin(cluster, key);
    Pin pin = old.map(p -> p.withValue(op.value().orElseThrow())).orElseGet(() -> Pin.of(key, op.value().orElseThrow()));
    d.refuse(ConflictRules.validValue(key, pin.value(), pin.meta()));
    if (takeOwnership(d, cluster, key, force, false)) {
      return;
    }
    d.store().putPin(cluster, pin);
    d.history(cluster, "pin", Optional.of(key.toString()), old.map(Pin::value), Optional.of(pin.value()),
        List.of(new HistoryEntry.PinBefore(key, old)));
    d.edit(t -> t.putPin(cluster, pin));
  }

  /**
   * Metadata entries of one key set or removed in one step: one pin stored, one history entry per entry ("name=value"
   * as old and new). Removing metadata of a key the cluster does not pin is refused.
   */
  private void changePinMeta(Draft d, String cluster, List<KeyOperation> ops, boolean force) {
    KeyName key = ops.get(0).key();
    Optional<Pin> old = tree.pin(cluster, key);
    // C2/C3 first: a key locked above or pinned below says so, whatever the operation
    if (old.isEmpty() && takeOwnership(d, cluster, key, force, false)) {
      return;
    }
    Map<String, String> meta = new TreeMap<>(old.map(Pin::meta).orElse(Map.of()));
    String value = old.map(Pin::value).orElse("");
    record Entry(String operation, Optional<String> before, Optional<String> after, Optional<Pin> pinBefore) { }
    List<Entry> history = new ArrayList<>();
    Optional<Pin> current = old;
    for (KeyOperation op : ops) {
      boolean set = op.kind() == KeyOperation.Kind.SET_META;
      if (old.isEmpty() && !set) {
        d.refuse(Conflict.of(ErrorCode.PATH_NOT_FOUND,
            key + " is not pinned by cluster '" + cluster + "': there is no metadata to remove",
            Map.of("key", key.toString(), "cluster", cluster)));
        return;
      }
      String metaName = op.metaName().orElseThrow();
      Optional<String> before = Optional.ofNullable(meta.get(metaName)).map(v -> metaName + "=" + v);
      if (set) {
        meta.put(metaName, op.value().orElseThrow());
      } else {
        meta.remove(metaName);
      }
      history.add(new Entry(op.kind().label(), before, op.value().filter(v -> set).map(v -> metaName + "=" + v),
          current));
      current = Optional.of(new Pin(key, value, meta));
    }
    Pin pin = new Pin(key, value, meta);
    // a pin made by its metadata has an empty value until one is set: its checks apply from then on
    if (!pin.value().isEmpty() && d.refuse(ConflictRules.validValue(key, pin.value(), meta))) {
      return;
    }
    d.store().putPin(cluster, pin);
    // history of a metadata change names the metakey: old and new are written "name=value"; each entry holds the
    // pin as it was before that entry
    for (Entry h : history) {
      d.history(cluster, h.operation(), Optional.of(key.toString()), h.before(), h.after(),
          List.of(new HistoryEntry.PinBefore(key, h.pinBefore())));
    }
    d.edit(t -> t.putPin(cluster, pin));
  }

  /**
   * Several metadata entries of one key of a cluster as one change: checked together (C0 for every entry, then C2
   * and C3 once), stored as one pin, and sent to every instance below in the order given.
   */
  void writeClusterMeta(Draft d, String cluster, List<KeyOperation> ops, boolean force) {
    if (!tree.isCluster(cluster)) {
      d.refuse(Refusals.clusterMissing(cluster));
      return;
    }
    Set<Conflict> writable = new LinkedHashSet<>();
    ops.forEach(op -> writable.addAll(ConflictRules.c0Writable(op)));
    d.refuse(List.copyOf(writable));
    d.refuse(ConflictRules.pinnable(ops.get(0).key()));
    d.refuse(rules.rolloutInProgress(cluster, List.of(ops.get(0).key()), d.exempted()));
    if (d.refused()) {
      return;
    }
    changePinMeta(d, cluster, ops, force);
    if (d.refused()) {
      return;
    }
    for (Instance i : tree.targets(cluster)) {
      ops.forEach(op -> d.send(i.id(), op));
    }
  }

  private void deletePins(Draft d, String cluster, KeyName key, boolean force) {
    List<KeyName> removed = tree.pinnedAtOrBelow(cluster, key);
    if (takeOwnership(d, cluster, key, force, true)) {
      return;
    }
    for (KeyName k : removed) {
      Pin old = tree.pin(cluster, k).orElseThrow();
      d.store().deletePin(cluster, k);
      d.history(cluster, "unpin", Optional.of(k.toString()), Optional.of(old.value()), Optional.empty(),
          List.of(HistoryEntry.PinBefore.of(old)));
      d.edit(t -> t.removePin(cluster, k));
    }
    if (removed.isEmpty()) {
      d.history(cluster, "delete", Optional.of(key.toString()), Optional.empty(), Optional.empty());
    }
  }

  private void relocatePins(Draft d, String cluster, KeyOperation op, boolean force) {
    KeyName key = op.key();
    KeyName target = op.target().orElseThrow();
    if (target.isBelowOrSame(key)) {
      d.refuse(Conflict.of(ErrorCode.INVALID_BODY,
          "cannot " + op.kind().label() + " " + key + " to " + target + ", which is at or below itself",
          Map.of("key", key.toString(), "target", target.toString())));
      return;
    }
    boolean move = op.kind() == KeyOperation.Kind.MOVE;
    if (move) {
      takeOwnership(d, cluster, key, force, true);
    }
    if (takeOwnership(d, cluster, target, force, true)) {
      return;
    }
    List<KeyName> sources = tree.pinnedAtOrBelow(cluster, key);
    // every pin this changes, as it was: the target subtree, the sources (a move), the destinations
    Map<KeyName, Optional<Pin>> before = new TreeMap<>();
    tree.pinnedAtOrBelow(cluster, target).forEach(k -> before.put(k, tree.pin(cluster, k)));
    if (move) {
      sources.forEach(k -> before.put(k, tree.pin(cluster, k)));
    }
    sources.forEach(k -> before.putIfAbsent(k.relocate(key, target), tree.pin(cluster, k.relocate(key, target))));
    // both names themselves, changed or not: an entry of a pin operation always lists what it recorded
    before.putIfAbsent(key, tree.pin(cluster, key));
    before.putIfAbsent(target, tree.pin(cluster, target));
    // what the target subtree held in this cluster is replaced
    for (KeyName k : tree.pinnedAtOrBelow(cluster, target)) {
      d.store().deletePin(cluster, k);
      d.edit(t -> t.removePin(cluster, k));
    }
    // every removal before every addition, as the store applies a batch: a moved key may land on a source
    if (move) {
      for (KeyName k : sources) {
        d.store().deletePin(cluster, k);
        d.edit(t -> t.removePin(cluster, k));
      }
    }
    for (KeyName k : sources) {
      Pin src = tree.pin(cluster, k).orElseThrow();
      Pin dst = new Pin(k.relocate(key, target), src.value(), src.meta());
      d.store().putPin(cluster, dst);
      d.edit(t -> t.putPin(cluster, dst));
    }
    List<HistoryEntry.PinBefore> pinsBefore = new ArrayList<>();
    before.forEach((k, p) -> pinsBefore.add(new HistoryEntry.PinBefore(k, p)));
    d.history(cluster, op.kind().label(), Optional.of(key.toString()), Optional.empty(),
        Optional.of(target.toString()), pinsBefore);
  }

  /**
   * C2 and C3 for a cluster taking (or, recursive, changing a subtree of) a key: an ancestor must not lock it, a
   * descendant must not pin it ({@code force} drops the descendant pins). Returns whether the draft is refused.
   */
  private boolean takeOwnership(Draft d, String cluster, KeyName key, boolean force, boolean recursive) {
    d.refuse(rules.c2LockedAbove(cluster, key, recursive));
    Map<KeyName, List<String>> below = rules.c3PinnedBelow(cluster, key, recursive);
    if (!below.isEmpty()) {
      if (force) {
        for (String child : tree.childrenOf(cluster)) {
          steps.dropPins(d, child, below.keySet());
        }
      } else {
        d.refuse(ConflictRules.c3Refusals(cluster, below));
      }
    }
    return d.refused();
  }

  void writeInstance(Draft d, String instance, KeyOperation op) {
    if (!tree.isInstance(instance)) {
      d.refuse(Refusals.instanceMissing(instance));
      return;
    }
    if (d.refuse(ConflictRules.c0Writable(op))) {
      return;
    }
    d.refuse(rules.c1LockedOnInstance(instance, op.key(), op.kind().recursive()));
    op.target().ifPresent(t -> d.refuse(rules.c1LockedOnInstance(instance, t, true)));
    if (d.refused()) {
      return;
    }
    d.direct();
    d.history(instance, op.kind().label(), Optional.of(op.key().toString()), Optional.empty(),
        op.value().or(() -> op.target().map(KeyName::toString)));
    d.send(instance, op);
  }

  void sync(Draft d, String node) {
    if (!tree.contains(node)) {
      d.refuse(Refusals.nodeMissing(node));
      return;
    }
    for (Instance i : tree.targets(node)) {
      for (EffectivePin p : tree.effectivePins(i.id())) {
        d.sendPin(i.id(), p.pin());
      }
    }
    d.history(node, "sync");
    d.resyncs();
  }
}

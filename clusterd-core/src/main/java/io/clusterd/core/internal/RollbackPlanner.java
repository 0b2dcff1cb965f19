package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.Pin;
import io.clusterd.core.Change;
import io.clusterd.core.StateDiff;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plans a rollback of pins ({@code Change.Rollback}). The pins of a cluster at sequence S are its pins now with
 * every entry after S undone, newest first: each entry lists the pins it changed as they were before
 * ({@link HistoryEntry#pinsBefore()}). The difference between now and then becomes the target state of those
 * clusters, which is checked for I4 against today's tree (the clusters above and below, also those not rolled
 * back) and refused where it changes a key that an unfinished rollout writes (ROLLOUT_IN_PROGRESS, as any write),
 * then stored, recorded and sent the way a desired-state document is. A cluster whose history after S
 * starts with its creation did not exist at S and is left as it is.
 */
final class RollbackPlanner {
  /** Operations of entries with a key that change pins of their node; one without {@code pinsBefore} predates them. */
  private static final Set<String> PIN_OPERATIONS = Set.of("pin", "unpin", "unpin-forced", "set-meta", "delete-meta",
      "move", "copy");

  private final Tree tree;
  private final HistoryLog log;
  private final ConflictRules rules;

  RollbackPlanner(Tree tree, HistoryLog log, ConflictRules rules) {
    this.tree = tree;
    this.log = log;
    this.rules = rules;
  }

  void rollback(Draft d, Change.Rollback c) {
    Instant now = d.now();
    if (!tree.isCluster(c.cluster())) {
      d.refuse(Refusals.clusterMissing(c.cluster()));
      return;
    }
    long newest = log.newest();
    long seq;
    if (c.to() instanceof Change.Rollback.Sequence s) {
      if (s.seq() > newest) {
        d.refuse(Conflict.of(ErrorCode.HISTORY_NOT_FOUND, "there is no history entry #" + s.seq()
            + ": the newest is #" + newest + "; give a sequence from GET /api/history",
            Map.of("to", s.seq(), "newest", newest)));
        return;
      }
      seq = s.seq();
    } else {
      Instant time = ((Change.Rollback.Time) c.to()).time();
      if (time.isAfter(now)) {
        d.refuse(Conflict.of(ErrorCode.HISTORY_NOT_FOUND, "cannot roll back to " + time + ", which is in the future"
            + " (it is " + now + " now); give a time in the past or a history sequence",
            Map.of("to", time.toString(), "now", now.toString())));
        return;
      }
      seq = log.at(time);
    }
    List<String> clusters = new ArrayList<>();
    clusters.add(c.cluster());
    if (c.subtree()) {
      below(c.cluster(), clusters);
    }
    StateModel current = StateModel.of(tree);
    StateModel target = StateModel.of(tree);
    List<StateDiff.PinChange> changes = new ArrayList<>();
    boolean incomplete = false;
    for (String cluster : clusters) {
      int before = d.conflictCount();
      Optional<TreeMap<KeyName, Pin>> then = pinsAt(d, cluster, seq);
      if (d.conflictCount() > before) {
        incomplete = true;
      }
      if (incomplete || then.isEmpty()) {
        continue;
      }
      TreeMap<KeyName, Pin> pins = target.pins.computeIfAbsent(cluster, k -> new TreeMap<>());
      Set<KeyName> keys = new TreeSet<>(pins.keySet());
      keys.addAll(then.get().keySet());
      for (KeyName key : keys) {
        if (!selected(key, c.keys())) {
          continue;
        }
        Pin want = then.get().get(key);
        Pin have = pins.get(key);
        if (java.util.Objects.equals(want, have)) {
          continue;
        }
        if (want == null) {
          pins.remove(key);
        } else {
          pins.put(key, want);
          // as for a metadata write: a pin made by its metadata has an empty value that its checks do not cover
          if (!want.value().isEmpty()) {
            d.refuse(ConflictRules.validValue(key, want.value(), want.meta()));
          }
        }
        changes.add(change(cluster, key, have, want));
      }
    }
    if (incomplete) {
      return;
    }
    List<StateDiff.PinChange> forced = checkLocks(d, target, changes, c.force());
    changes.addAll(forced);
    // a pin that a rollout is rolling out (in the cluster, above or below) changes only through that rollout
    for (StateDiff.PinChange p : changes) {
      d.refuse(rules.rolloutInProgress(p.cluster(), List.of(KeyName.parse(p.key())), Optional.empty()));
    }
    d.state(new StateDiff(current.export().version(), target.export().version(), false, List.of(), changes));
    if (d.refused() || changes.isEmpty()) {
      return;
    }
    long set = changes.stream().filter(p -> !p.removed()).count();
    d.history(c.cluster(), "rollback", Optional.empty(), Optional.of("#" + newest),
        Optional.of("#" + seq + " (" + (c.subtree() ? "subtree, " : "")
            + (c.keys().isEmpty() ? "" : "keys " + c.keys() + ", ") + set + " pins set, "
            + (changes.size() - set) + " unpinned)"));
    for (StateDiff.PinChange p : changes) {
      KeyName key = KeyName.parse(p.key());
      Optional<Pin> before = p.before().map(v -> new Pin(key, v.value(), v.meta()));
      HistoryEntry.PinBefore pinBefore = new HistoryEntry.PinBefore(key, before);
      if (p.removed()) {
        d.store().deletePin(p.cluster(), key);
        d.history(p.cluster(), forced.contains(p) ? "unpin-forced" : "unpin", Optional.of(p.key()),
            before.map(Pin::value), Optional.empty(), List.of(pinBefore));
        d.edit(t -> t.removePin(p.cluster(), key));
      } else {
        Pin pin = new Pin(key, p.after().orElseThrow().value(), p.after().orElseThrow().meta());
        d.store().putPin(p.cluster(), pin);
        d.history(p.cluster(), "pin", Optional.of(p.key()), before.map(Pin::value), Optional.of(pin.value()),
            List.of(pinBefore));
        d.edit(t -> t.putPin(p.cluster(), pin));
      }
    }
    StatePlanner.sends(d, current, target, Set.of());
  }

  /** The clusters strictly below {@code cluster}, parents before children. */
  private void below(String cluster, List<String> out) {
    for (String child : tree.childrenOf(cluster)) {
      if (tree.isCluster(child)) {
        out.add(child);
        below(child, out);
      }
    }
  }

  /** Key filter: none given selects every key; else a key at or below one given. */
  private static boolean selected(KeyName key, List<KeyName> keys) {
    return keys.isEmpty() || keys.stream().anyMatch(key::isBelowOrSame);
  }

  /**
   * The cluster's pins right after entry {@code seq}, or empty when the cluster was created after it. Refuses
   * the draft when an entry on the way predates the recording of pins.
   */
  private Optional<TreeMap<KeyName, Pin>> pinsAt(Draft d, String cluster, long seq) {
    TreeMap<KeyName, Pin> pins = new TreeMap<>();
    tree.pinsOf(cluster).forEach(p -> pins.put(p.key(), p));
    for (HistoryEntry e : log.after(cluster, seq)) {
      if (e.operation().equals("create-cluster")) {
        return Optional.empty();
      }
      if (e.pinsBefore().isEmpty()) {
        if (PIN_OPERATIONS.contains(e.operation()) && e.key().isPresent()) {
          d.refuse(Conflict.of(ErrorCode.HISTORY_INCOMPLETE, "history entry #" + e.seq() + " (" + e.operation()
              + e.key().map(k -> " " + k).orElse("") + " on cluster '" + cluster + "') was recorded by an older"
              + " clusterd without the pins it changed: cluster '" + cluster + "' can be rolled back to #" + e.seq()
              + " at the earliest", Map.of("cluster", cluster, "entry", e.seq(), "earliest", e.seq())));
          return Optional.empty();
        }
        continue;
      }
      for (HistoryEntry.PinBefore p : e.pinsBefore()) {
        if (p.pin().isPresent()) {
          pins.put(p.key(), p.pin().get());
        } else {
          pins.remove(p.key());
        }
      }
    }
    return Optional.of(pins);
  }

  /**
   * I4 in the target: a restored pin must not be locked by a cluster above (refused, {@code KEY_LOCKED}) nor pinned
   * by a cluster below ({@code KEY_PINNED_BELOW}, or with force those pins are removed: returned as changes).
   */
  private List<StateDiff.PinChange> checkLocks(Draft d, StateModel target, List<StateDiff.PinChange> changes,
      boolean force) {
    List<StateDiff.PinChange> forced = new ArrayList<>();
    for (StateDiff.PinChange p : changes) {
      if (p.removed()) {
        continue;
      }
      KeyName key = KeyName.parse(p.key());
      for (Optional<String> a = target.parent(p.cluster()); a.isPresent(); a = target.parent(a.get())) {
        if (target.pins.getOrDefault(a.get(), new TreeMap<>()).containsKey(key)) {
          d.refuse(Conflict.of(ErrorCode.KEY_LOCKED, key + " was pinned by cluster '" + p.cluster()
              + "' then, but is locked by its ancestor '" + a.get() + "' now: unpin it there, or roll back without"
              + " this key", Map.of("key", key.toString(), "cluster", p.cluster(), "lockedBy", a.get())));
        }
      }
      List<String> below = new ArrayList<>();
      for (var e : new TreeMap<>(target.pins).entrySet()) {
        if (!e.getKey().equals(p.cluster()) && e.getValue().containsKey(key) && isBelow(target, e.getKey(),
            p.cluster())) {
          below.add(e.getKey());
        }
      }
      if (below.isEmpty()) {
        continue;
      }
      if (!force) {
        d.refuse(ConflictRules.c3Refusals(p.cluster(), Map.of(key, below)));
        continue;
      }
      for (String b : below) {
        Pin gone = target.pins.get(b).remove(key);
        forced.add(change(b, key, gone, null));
      }
    }
    return forced;
  }

  private static boolean isBelow(StateModel model, String node, String root) {
    for (Optional<String> a = model.parent(node); a.isPresent(); a = model.parent(a.get())) {
      if (a.get().equals(root)) {
        return true;
      }
    }
    return false;
  }

  private static StateDiff.PinChange change(String cluster, KeyName key, Pin before, Pin after) {
    return new StateDiff.PinChange(cluster, key.toString(), after == null,
        Optional.ofNullable(before).map(b -> new StateDiff.PinValue(b.value(), b.meta())),
        Optional.ofNullable(after).map(a -> new StateDiff.PinValue(a.value(), a.meta())));
  }
}

package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.spi.StoreChanges;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The plan of one change while a planner writes it: planners only add to it (conflicts, store operations and
 * history, tree edits, sends, effects) and never touch the tree, so planning is also the dry run.
 */
final class Draft {
  private final Instant now;
  private final Optional<String> actor;
  private final List<Conflict> conflicts = new ArrayList<>();
  private final StoreChanges.Builder store = StoreChanges.builder();
  private final List<Consumer<Tree>> edits = new ArrayList<>();
  private final Map<String, List<KeyOperation>> sends = new LinkedHashMap<>();
  private final List<String> removed = new ArrayList<>();
  private final List<String> rebound = new ArrayList<>();
  private boolean direct;
  private boolean resync;
  private Optional<String> resultNode = Optional.empty();
  private final Map<String, io.clusterd.Instance> instancesAfter = new LinkedHashMap<>();
  private Optional<io.clusterd.core.StateDiff> state = Optional.empty();

  Draft(Instant now, Optional<String> actor) {
    this.now = now;
    this.actor = actor;
  }

  /** When the change is planned. */
  Instant now() {
    return now;
  }

  /** Adds conflicts; returns whether the draft is refused now. */
  boolean refuse(List<Conflict> found) {
    conflicts.addAll(found);
    return refused();
  }

  boolean refuse(Conflict found) {
    return refuse(List.of(found));
  }

  boolean refused() {
    return !conflicts.isEmpty();
  }

  int conflictCount() {
    return conflicts.size();
  }

  StoreChanges.Builder store() {
    return store;
  }

  void history(String node, String operation, Optional<String> key, Optional<String> oldValue,
      Optional<String> newValue) {
    history(node, operation, key, oldValue, newValue, List.of());
  }

  /** An entry that changes pins of {@code node}, with each changed pin as it was (for rollback). */
  void history(String node, String operation, Optional<String> key, Optional<String> oldValue,
      Optional<String> newValue, List<HistoryEntry.PinBefore> pinsBefore) {
    store.history(new HistoryEntry(0, now, actor, node, operation, key, oldValue, newValue, "accepted", pinsBefore));
  }

  void history(String node, String operation) {
    history(node, operation, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** An edit of the tree, run only after the store committed the batch. */
  void edit(Consumer<Tree> edit) {
    edits.add(edit);
  }

  void send(String instance, KeyOperation op) {
    sends.computeIfAbsent(instance, k -> new ArrayList<>()).add(op);
  }

  /** The writes that bring an instance to a pin: its value, then each metadata entry in name order. */
  void sendPin(String instance, Pin pin) {
    send(instance, KeyOperation.set(pin.key(), pin.value()));
    for (Map.Entry<String, String> meta : new TreeMap<>(pin.meta()).entrySet()) {
      send(instance, KeyOperation.setMeta(pin.key(), meta.getKey(), meta.getValue()));
    }
  }

  /** The sends are a write to one instance's own keys, not desired state: not kept in the outbox. */
  void direct() {
    direct = true;
  }

  /** The instance leaves the registry. */
  void removes(String instance) {
    removed.add(instance);
  }

  /** The instance's endpoint changes. */
  void rebinds(String instance) {
    rebound.add(instance);
  }

  /** The sends re-apply every effective pin: an instance that takes them all is in sync. */
  void resyncs() {
    resync = true;
  }

  /**
   * The instance as it is once the change is applied, for sends to instances the change registers or rebinds
   * (without it, sends go to the instance as the tree holds it now).
   */
  void instanceAfter(io.clusterd.Instance instance) {
    instancesAfter.put(instance.id(), instance);
  }

  /** The parts of a state document's change, for its plan. */
  void state(io.clusterd.core.StateDiff diff) {
    state = Optional.of(diff);
  }

  void result(String node) {
    resultNode = Optional.of(node);
  }

  WritePlan build() {
    return new WritePlan(conflicts, store, edits, sends, !direct,
        new WritePlan.Effects(removed, rebound, resync), resultNode, instancesAfter, state);
  }
}

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
  private List<String> resultNodes = List.of();
  private final Map<String, io.clusterd.Instance> instancesAfter = new LinkedHashMap<>();
  private Optional<io.clusterd.core.StateDiff> state = Optional.empty();
  private Optional<io.clusterd.core.Rollout> rollout = Optional.empty();
  private Optional<WritePlan.WaveSent> wave = Optional.empty();
  private Optional<String> exempted = Optional.empty();

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

  /** The conflicts found so far. */
  List<Conflict> conflicts() {
    return List.copyOf(conflicts);
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

  /** A draft of a part of this change, planned on its own (same time and actor) and then absorbed or dropped. */
  Draft part() {
    return new Draft(now, actor);
  }

  /** This draft, planning a write that the rollout {@code id} itself makes (its keys do not refuse it). */
  Draft exempt(String id) {
    exempted = Optional.of(id);
    return this;
  }

  Draft exempt(Optional<String> id) {
    exempted = id;
    return this;
  }

  /** The rollout whose own write this draft plans, if any. */
  Optional<String> exempted() {
    return exempted;
  }

  /** The key operations a part would send one instance. */
  List<KeyOperation> sendsOf(String instance) {
    return sends.getOrDefault(instance, List.of());
  }

  /** Takes a part's store operations, history and tree edits (not its sends). */
  void absorb(Draft part) {
    StoreChanges s = part.store.build();
    s.deletePins().forEach(r -> store.deletePin(r.cluster(), r.key()));
    s.putPins().forEach(p -> store.putPin(p.cluster(), p.pin()));
    s.history().forEach(store::history);
    edits.addAll(part.edits);
  }

  /** The rollout the change starts or controls, for its result. */
  void rollout(io.clusterd.core.Rollout r) {
    rollout = Optional.of(r);
  }

  /** The sends are a wave of a rollout. */
  void wave(String rolloutId, int index) {
    wave = Optional.of(new WritePlan.WaveSent(rolloutId, index));
  }

  /** The nodes a change creates several of (a bulk registration), in order; the result has no single node. */
  void results(List<String> nodes) {
    resultNodes = List.copyOf(nodes);
  }

  WritePlan build() {
    return new WritePlan(conflicts, store, edits, sends, !direct,
        new WritePlan.Effects(removed, rebound, resync, wave), resultNode, resultNodes, instancesAfter, state, rollout);
  }
}

package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.Instance;
import io.clusterd.KeyOperation;
import io.clusterd.core.Plan;
import io.clusterd.core.Rollout;
import io.clusterd.core.StateDiff;
import io.clusterd.spi.StoreChanges;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One change as data, before anything happened: the conflicts that refuse it, the store batch that makes it
 * durable (history included; the outbox rows are added by {@link Deliveries}), the edits of the in-memory tree,
 * the key operations per instance, and the effects the facade acts on. Immutable once built.
 */
public final class WritePlan {

  /**
   * What else an accepted change does: instances it removes from the registry (their waiting deliveries end),
   * instances whose endpoint it changes, and whether its sends re-apply every effective pin (sync).
   */
  public record Effects(List<String> removedInstances, List<String> reboundInstances, boolean resync,
      Optional<WaveSent> wave) {
    public Effects {
      removedInstances = List.copyOf(removedInstances);
      reboundInstances = List.copyOf(reboundInstances);
      java.util.Objects.requireNonNull(wave, "wave");
    }

    public Effects(List<String> removedInstances, List<String> reboundInstances, boolean resync) {
      this(removedInstances, reboundInstances, resync, Optional.empty());
    }
  }

  /** The sends are (part of) a wave of a rollout: their outcomes decide how the rollout goes on. */
  public record WaveSent(String rollout, int wave) { }

  private final List<Conflict> conflicts;
  private final StoreChanges.Builder storeBuilder;
  private StoreChanges store;
  private final List<Consumer<Tree>> edits;
  private final Map<String, List<KeyOperation>> sends;
  private final boolean durable;
  private final Effects effects;
  private final Optional<String> resultNode;
  private final List<String> resultNodes;
  private final Map<String, Instance> instancesAfter;
  private final Optional<StateDiff> state;
  private final Optional<Rollout> rollout;

  WritePlan(List<Conflict> conflicts, StoreChanges.Builder store, List<Consumer<Tree>> edits,
      Map<String, List<KeyOperation>> sends, boolean durable, Effects effects, Optional<String> resultNode,
      List<String> resultNodes, Map<String, Instance> instancesAfter, Optional<StateDiff> state,
      Optional<Rollout> rollout) {
    this.conflicts = List.copyOf(conflicts);
    this.storeBuilder = store;
    this.edits = List.copyOf(edits);
    Map<String, List<KeyOperation>> copy = new LinkedHashMap<>();
    sends.forEach((i, ops) -> copy.put(i, List.copyOf(ops)));
    this.sends = Collections.unmodifiableMap(copy);
    this.durable = durable;
    this.effects = effects;
    this.resultNode = resultNode;
    this.resultNodes = List.copyOf(resultNodes);
    this.instancesAfter = Map.copyOf(instancesAfter);
    this.state = state;
    this.rollout = rollout;
  }

  /** The rollout the change starts (as planned, before its first wave) or controls, as the change leaves it. */
  public Optional<Rollout> rollout() {
    return rollout;
  }

  /** The instance a send goes to: as the change leaves it when it registers or rebinds it, else as it is now. */
  public Instance target(String id, Tree tree) {
    Instance after = instancesAfter.get(id);
    return after != null ? after : tree.instance(id).orElseThrow();
  }

  /** @throws ClusterdException listing every conflict, when there is any */
  public WritePlan refuseIfConflicting() {
    if (!conflicts.isEmpty()) {
      throw ClusterdException.refused(conflicts);
    }
    return this;
  }

  /** The store batch; built on first use (a dry run never needs it), by the one thread that commits the plan. */
  public StoreChanges store() {
    if (store == null) {
      store = storeBuilder.build();
    }
    return store;
  }

  /** Runs the tree edits; only after {@link #store()} was committed. */
  public void applyTo(Tree tree) {
    for (Consumer<Tree> edit : edits) {
      edit.accept(tree);
    }
  }

  /** Instance id to the operations it receives, in order, instances in order of first appearance. */
  public Map<String, List<KeyOperation>> sends() {
    return sends;
  }

  /** Whether the sends are desired state (kept in the outbox until delivered) rather than a direct write. */
  public boolean durable() {
    return durable;
  }

  public Effects effects() {
    return effects;
  }

  /** The node the change created or edited, if any. */
  public Optional<String> resultNode() {
    return resultNode;
  }

  /** The nodes the change created or edited: the one of {@link #resultNode()}, or all of a bulk change's. */
  public List<String> resultNodes() {
    return resultNode.isPresent() ? List.of(resultNode.get()) : resultNodes;
  }

  /** The public description of this plan; the hosts are those the sends go to ({@link #target}). */
  public Plan describe(Tree tree) {
    List<Plan.InstanceChanges> changes = new ArrayList<>();
    sends.forEach((id, ops) -> changes.add(new Plan.InstanceChanges(id, target(id, tree).endpoint().toString(),
        ops)));
    return new Plan(conflicts, changes, state);
  }
}

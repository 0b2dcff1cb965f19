package io.clusterd.core.internal;

import io.clusterd.core.Change;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Turns a {@link Change} into a {@link WritePlan} against the tree as it is, without changing anything. One table
 * maps each kind of change to the planner of its family.
 */
public final class Planner {
  private final Tree tree;
  private final Map<Class<? extends Change>, BiConsumer<Draft, Change>> families = new HashMap<>();
  private final RolloutPlanner rollouts;

  public Planner(Tree tree, Supplier<String> ids, HistoryLog history) {
    this.tree = tree;
    ConflictRules rules = new ConflictRules(tree);
    TreeSteps steps = new TreeSteps(tree, rules);
    InstancePlanner instances = new InstancePlanner(tree, rules, ids);
    ClusterPlanner clusters = new ClusterPlanner(tree, rules, steps, ids);
    MembershipPlanner membership = new MembershipPlanner(tree, steps);
    KeyWritePlanner keys = new KeyWritePlanner(tree, rules, steps);
    StatePlanner state = new StatePlanner(tree);
    RollbackPlanner rollbacks = new RollbackPlanner(tree, history, rules);
    this.rollouts = new RolloutPlanner(tree, keys, ids);
    on(Change.RegisterInstance.class, (d, c) -> instances.register(d, c.spec()));
    on(Change.RegisterInstances.class, (d, c) -> instances.registerAll(d, c.specs()));
    on(Change.UpdateInstance.class, (d, c) -> instances.update(d, c.instance(), c.update(),
        tree.parentOf(c.instance())));
    on(Change.UnregisterInstance.class, (d, c) -> instances.unregister(d, c.instance()));
    on(Change.CreateCluster.class, (d, c) -> clusters.create(d, c.spec(), c.force()));
    on(Change.UpdateCluster.class, (d, c) -> clusters.update(d, c.cluster(), c.update(), tree.parentOf(c.cluster())));
    on(Change.DeleteCluster.class, (d, c) -> clusters.delete(d, c.cluster(), c.cascade()));
    on(Change.Attach.class, (d, c) -> membership.attach(d, c.parent(), c.child(), c.force(), false));
    on(Change.Move.class, (d, c) -> membership.move(d, c.node(), c.parent(), c.force()));
    on(Change.Detach.class, (d, c) -> membership.detach(d, c.parent(), c.child()));
    on(Change.EditNode.class, (d, c) -> edit(d, c, membership, instances, clusters));
    on(Change.WriteCluster.class, (d, c) -> keys.writeCluster(d, c.cluster(), c.operation(), c.force()));
    on(Change.WriteClusterMeta.class, (d, c) -> keys.writeClusterMeta(d, c.cluster(), c.operations(), c.force()));
    on(Change.WriteInstance.class, (d, c) -> keys.writeInstance(d, c.instance(), c.operation()));
    on(Change.Sync.class, (d, c) -> keys.sync(d, c.node()));
    on(Change.ApplyState.class, (d, c) -> state.apply(d, c.document(), c.prune(), c.ifMatch()));
    on(Change.Rollback.class, rollbacks::rollback);
    on(Change.StartRollout.class, rollouts::start);
    on(Change.ControlRollout.class, rollouts::control);
  }

  /** A node edit: the move first, then the fields, stored with the parent the node has afterwards. */
  private void edit(Draft d, Change.EditNode c, MembershipPlanner membership, InstancePlanner instances,
      ClusterPlanner clusters) {
    if (!tree.contains(c.node())) {
      d.refuse(Refusals.nodeMissing(c.node()));
      return;
    }
    Optional<Change.Move> move = c.move().filter(m -> !m.parent().equals(tree.parentOf(c.node())));
    move.ifPresent(m -> membership.move(d, m.node(), m.parent(), m.force()));
    if (d.refused() || c.update().isEmpty()) {
      d.result(c.node());
      return;
    }
    Optional<String> parentAfter = move.isPresent() ? move.get().parent() : tree.parentOf(c.node());
    if (tree.isCluster(c.node())) {
      clusters.update(d, c.node(), c.update(), parentAfter);
    } else {
      instances.update(d, c.node(), c.update(), parentAfter);
    }
  }

  private <C extends Change> void on(Class<C> type, BiConsumer<Draft, C> planner) {
    families.put(type, (d, c) -> planner.accept(d, type.cast(c)));
  }

  /** The plan of a change by {@code actor} at {@code now}; refused plans carry every conflict found. */
  public WritePlan plan(Change change, Instant now, Optional<String> actor) {
    Draft draft = new Draft(now, actor);
    families.get(change.getClass()).accept(draft, change);
    return draft.build();
  }

  /** The plan of what the outcomes of (part of) a wave of a rollout decide, by the rollouts' background work. */
  public WritePlan planWaveOutcomes(String rollout, int wave, List<io.clusterd.core.Rollout.Target> outcomes,
      Instant now) {
    Draft draft = new Draft(now, Optional.of("rollout"));
    rollouts.record(draft, rollout, wave, outcomes);
    return draft.build();
  }

  public Tree tree() {
    return tree;
  }
}

package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.core.Rollout;
import io.clusterd.core.RolloutPlan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Splits the instances of a cluster into the waves of a rollout plan: along the tree (named descendants, {@code *}
 * for the rest), by cumulative shares (spread over the sub-clusters in proportion to their size, the same way every
 * time), or one wave per direct child. Waves are disjoint and together cover every instance of the cluster; a plan
 * that leaves instances out, or names a node that is not below the cluster, is refused.
 */
final class WavePlanner {
  private final Tree tree;

  WavePlanner(Tree tree) {
    this.tree = tree;
  }

  /** The waves, or the conflicts that refuse the plan. */
  record Result(List<Rollout.Wave> waves, List<Conflict> conflicts) { }

  Result waves(String cluster, RolloutPlan plan) {
    List<RolloutPlan.Wave> steps = plan.waves();
    if (steps.isEmpty()) {
      return perChild(cluster);
    }
    boolean shares = steps.get(0) instanceof RolloutPlan.Share;
    if (steps.stream().anyMatch(w -> (w instanceof RolloutPlan.Share) != shares)) {
      return refused("waves are either all lists of node ids or all percents, not both", Map.of());
    }
    return shares ? byShare(cluster, steps) : alongTree(cluster, steps);
  }

  private Result perChild(String cluster) {
    List<Rollout.Wave> waves = new ArrayList<>();
    for (String child : tree.childrenOf(cluster)) {
      List<Instance> targets = tree.targets(child);
      if (!targets.isEmpty()) {
        waves.add(wave(child, targets.stream().map(Instance::id).toList()));
      }
    }
    return new Result(waves, List.of());
  }

  private Result alongTree(String cluster, List<RolloutPlan.Wave> steps) {
    Set<String> taken = new LinkedHashSet<>();
    List<List<String>> members = new ArrayList<>();
    int rest = -1;
    for (int w = 0; w < steps.size(); w++) {
      List<String> ids = ((RolloutPlan.Nodes) steps.get(w)).ids();
      List<String> wave = new ArrayList<>();
      for (String id : ids) {
        if (id.equals("*")) {
          if (rest >= 0 && rest != w) {
            return refused("only one wave may hold '*' (the rest): waves " + (rest + 1) + " and " + (w + 1) + " do",
                Map.of("wave", w + 1));
          }
          rest = w;
          continue;
        }
        if (!tree.contains(id) || !tree.isStrictlyBelow(id, cluster)) {
          return refused("wave " + (w + 1) + " names '" + id + "', which is not a node below cluster '" + cluster
              + "': name descendants of the cluster, or '*' for the rest", Map.of("wave", w + 1, "id", id));
        }
        for (Instance i : tree.targets(id)) {
          if (taken.add(i.id())) {
            wave.add(i.id());
          }
        }
      }
      members.add(wave);
    }
    List<String> left = new ArrayList<>();
    for (Instance i : tree.targets(cluster)) {
      if (!taken.contains(i.id())) {
        left.add(i.id());
      }
    }
    if (rest >= 0) {
      members.get(rest).addAll(left);
    } else if (!left.isEmpty()) {
      return refused(left.size() + " instance(s) below cluster '" + cluster + "' are in no wave (" + left.get(0)
          + (left.size() > 1 ? ", ..." : "") + "): add a last wave [\"*\"] for the rest",
          Map.of("instances", left.size() > 20 ? left.subList(0, 20) : left));
    }
    List<Rollout.Wave> waves = new ArrayList<>();
    for (int w = 0; w < steps.size(); w++) {
      waves.add(wave(String.join(",", ((RolloutPlan.Nodes) steps.get(w)).ids()), members.get(w)));
    }
    return new Result(waves, List.of());
  }

  private Result byShare(String cluster, List<RolloutPlan.Wave> steps) {
    int before = 0;
    for (RolloutPlan.Wave w : steps) {
      int p = ((RolloutPlan.Share) w).percent();
      if (p <= before) {
        return refused("wave shares are cumulative percents and must grow: " + p + " after " + before,
            Map.of("percent", p));
      }
      before = p;
    }
    if (before != 100) {
      return refused("the last wave's share must be 100 so that every instance is in a wave, not " + before,
          Map.of("percent", before));
    }
    List<String> order = spread(cluster);
    List<Rollout.Wave> waves = new ArrayList<>();
    int from = 0;
    for (RolloutPlan.Wave w : steps) {
      int p = ((RolloutPlan.Share) w).percent();
      int to = (order.size() * p + 99) / 100; // rounded up, in integers: 25 * 28 % is 7, not 7.000000000000001
      waves.add(wave(p + "%", order.subList(from, Math.max(from, to))));
      from = Math.max(from, to);
    }
    return new Result(waves, List.of());
  }

  /**
   * The instances below a node in rollout order: each sub-cluster's own order merged with its siblings' so that
   * every prefix holds about the same share of each (an item at position i of n sorts at (i + 0.5) / n), and the
   * instances directly in a cluster ordered by a hash of their id, not by when they were created.
   */
  List<String> spread(String node) {
    if (tree.isInstance(node)) {
      return List.of(node);
    }
    record Slot(String id, double at, int child) { }
    List<String> children = new ArrayList<>(tree.childrenOf(node));
    children.sort(Comparator.comparingLong(WavePlanner::hash).thenComparing(Comparator.naturalOrder()));
    List<Slot> slots = new ArrayList<>();
    List<String> direct = new ArrayList<>();
    List<List<String>> groups = new ArrayList<>();
    for (String child : children) {
      if (tree.isInstance(child)) {
        direct.add(child);
      } else {
        groups.add(spread(child));
      }
    }
    groups.add(direct);
    for (int g = 0; g < groups.size(); g++) {
      List<String> group = groups.get(g);
      for (int i = 0; i < group.size(); i++) {
        slots.add(new Slot(group.get(i), (i + 0.5) / group.size(), g));
      }
    }
    slots.sort(Comparator.comparingDouble(Slot::at).thenComparingInt(Slot::child));
    return slots.stream().map(Slot::id).toList();
  }

  private static long hash(String id) {
    CRC32 crc = new CRC32();
    crc.update(id.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  private static Rollout.Wave wave(String label, List<String> ids) {
    return new Rollout.Wave(label, ids.stream().map(Rollout.Target::waiting).toList());
  }

  private static Result refused(String message, Map<String, Object> details) {
    return new Result(List.of(), List.of(Conflict.of(ErrorCode.INVALID_BODY, "invalid rollout plan: " + message,
        details)));
  }
}

package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The waves of any plan over any cluster: disjoint, together every instance of the cluster, the same every time;
 * shares take the cumulative counts they name and spread each prefix over the sub-clusters in proportion to their
 * size; waves along the tree take exactly the instances below the nodes they name.
 */
class RolloutWaveProperties {

  /** A cluster "prod" with sub-clusters of the given sizes (one of them nested in the first) and direct instances. */
  record Shape(List<Integer> subClusters, int direct, boolean nested) { }

  private static final Gen<Shape> SHAPES = Gens.lists(Gens.ints(0, 7), 0, 5)
      .zip(Gens.ints(0, 4), Gens.booleans(), Shape::new);

  private static final Gen<List<Integer>> SHARES = Gens.lists(Gens.ints(1, 99), 0, 5).map(ps -> {
    List<Integer> out = new ArrayList<>(new java.util.TreeSet<>(ps));
    out.add(100);
    return out;
  });

  private static Clusterd build(Shape s) {
    Clusterd c = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .rolloutTick(Duration.ZERO).build();
    c.createCluster(ClusterSpec.of("prod").withId("prod"));
    int n = 0;
    for (int k = 0; k < s.subClusters().size(); k++) {
      List<String> members = new ArrayList<>();
      for (int i = 0; i < s.subClusters().get(k); i++, n++) {
        c.registerInstance(InstanceSpec.of("i" + n, "mem://i" + n).withId("i" + n));
        members.add("i" + n);
      }
      String parent = s.nested() && k > 0 ? "c0" : "prod";
      c.createCluster(ClusterSpec.of("c" + k).withId("c" + k).withParent(parent).withMembers(members));
    }
    for (int i = 0; i < s.direct(); i++, n++) {
      c.registerInstance(InstanceSpec.of("i" + n, "mem://i" + n).withId("i" + n));
      c.attach("prod", "i" + n);
    }
    return c;
  }

  private static Rollout preview(Clusterd c, RolloutPlan plan) {
    return c.previewRollout(new Change.StartRollout(new Change.WriteCluster("prod",
        KeyOperation.set(KeyName.parse("user:/app/x"), "1"), false), plan, Optional.of("p")));
  }

  private static List<String> ids(Rollout.Wave w) {
    return w.instances().stream().map(Rollout.Target::instance).toList();
  }

  private static void disjointAndCovering(Clusterd c, Rollout r) {
    Set<String> seen = new HashSet<>();
    for (Rollout.Wave w : r.waves()) {
      for (String id : ids(w)) {
        assertTrue(seen.add(id), id + " is in two waves: " + r.waves());
      }
    }
    Set<String> all = new HashSet<>(c.targets("prod").stream().map(Instance::id).toList());
    assertEquals(all, seen, "the waves cover every instance of the cluster");
  }

  @Test
  void shares_anyClusterAnyShares_areDisjointCoverCountAndSpread() {
    PropertyCheck.forAll(SHAPES, SHARES).examples(150).check(t -> {
      try (Clusterd c = build(t.first())) {
        RolloutPlan plan = RolloutPlan.of(t.second().stream().<RolloutPlan.Wave>map(RolloutPlan.Share::new).toList());
        Rollout r = preview(c, plan);
        disjointAndCovering(c, r);
        assertEquals(r.waves(), preview(c, plan).waves(), "the same plan gives the same waves");
        int n = c.targets("prod").size();
        int taken = 0;
        List<String> prefix = new ArrayList<>();
        for (int w = 0; w < r.waves().size(); w++) {
          taken += r.waves().get(w).instances().size();
          prefix.addAll(ids(r.waves().get(w)));
          assertEquals((n * t.second().get(w) + 99) / 100, taken, "cumulative count of wave " + (w + 1));
          List<String> groups = new ArrayList<>(c.node("prod").map(x -> ((io.clusterd.Cluster) x).children())
              .orElseThrow().stream().filter(x -> x instanceof io.clusterd.Cluster).map(io.clusterd.Node::id).toList());
          for (String g : groups) {
            Set<String> below = new HashSet<>(c.targets(g).stream().map(Instance::id).toList());
            long inPrefix = prefix.stream().filter(below::contains).count();
            double fair = (double) below.size() * taken / Math.max(1, n);
            assertTrue(Math.abs(inPrefix - fair) <= 1 + (groups.size() + 1) / 2.0,
                "sub-cluster " + g + " has " + inPrefix + " of " + below.size() + " in the first " + taken + " of "
                    + n + " (fair: " + fair + ")");
          }
        }
      }
    });
  }

  @Test
  void alongTheTree_anyNamedSubClustersThenRest_takeExactlyTheirInstances() {
    PropertyCheck.forAll(SHAPES, Gens.lists(Gens.ints(0, 4), 0, 4)).examples(150).check(t -> {
      try (Clusterd c = build(t.first())) {
        List<RolloutPlan.Wave> waves = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (int k : new java.util.LinkedHashSet<>(t.second())) {
          if (k < t.first().subClusters().size()) {
            waves.add(new RolloutPlan.Nodes(List.of("c" + k)));
            named.add("c" + k);
          }
        }
        waves.add(new RolloutPlan.Nodes(List.of("*")));
        Rollout r = preview(c, RolloutPlan.of(waves));
        disjointAndCovering(c, r);
        Set<String> earlier = new HashSet<>();
        for (int w = 0; w < named.size(); w++) {
          Set<String> expected = new HashSet<>(c.targets(named.get(w)).stream().map(Instance::id).toList());
          expected.removeAll(earlier);
          assertEquals(expected, new HashSet<>(ids(r.waves().get(w))), "wave " + (w + 1) + " = " + named.get(w));
          earlier.addAll(expected);
        }
      }
    });
  }
}

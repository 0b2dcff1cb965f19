package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Histogram;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Random sequences of registry operations on a small alphabet of ids, hosts and keys (so that collisions and
 * conflicts are common), applied to a {@link Clusterd} and to a plain reference model of SEMANTICS.md sections
 * 1-3. After every step: the invariants I1-I4 hold, a refused operation names exactly the rules the model
 * predicts, an accepted one yields the model's tree, hosts, pins and effective pins. At the end the registry
 * reloads from its store unchanged, and (second property) a SQLite store that received the same sequence
 * reopens to an equal forest and equal pins.
 */
class RegistryProperties {

  private static final List<String> IDS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
  /** Spellings of three endpoints; equal after normalization within each group. */
  private static final List<String> HOSTS = List.of("mem://h1", "MEM://H1/", "mem://h2", "mem://H2", "mem://h3");
  /** Keys that nest (user:/a above user:/a/b) and one that no cluster may pin (cascading). */
  private static final List<String> KEYS = List.of("user:/a", "user:/a/b", "user:/b", "/a");

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterTry
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  // ------------------------------------------------------------------------------------------- properties

  @Property(tries = 200)
  @StatisticsReport(label = "outcome", format = Histogram.class)
  @StatisticsReport(label = "deepest tree", format = Histogram.class)
  void anySequence_matchesTheModelAndKeepsTheInvariants(@ForAll("chains") ActionChain<World> chain) {
    World w = chain.run();
    Statistics.label("deepest tree").collect(Math.min(w.maxDepth, 4));
    for (Set<ErrorCode> outcome : w.outcomes) {
      if (outcome.isEmpty()) {
        Statistics.label("outcome").collect("accepted");
      }
      outcome.forEach(code -> Statistics.label("outcome").collect(code.name()));
    }
    // every rule the model knows is exercised, and sequences are not mostly refusals
    Statistics.label("outcome").coverage(c -> {
      c.check("accepted").percentage(p -> p > 25);
      for (ErrorCode code : List.of(ErrorCode.CYCLE, ErrorCode.ALREADY_IN_CLUSTER, ErrorCode.KEY_LOCKED,
          ErrorCode.KEY_PINNED_BELOW, ErrorCode.CLUSTER_NOT_EMPTY, ErrorCode.HOST_DOES_ALREADY_EXIST,
          ErrorCode.NAMESPACE_NOT_WRITABLE, ErrorCode.ID_ALREADY_EXISTS)) {
        c.check(code.name()).count(n -> n > 3);
      }
    });
    Statistics.label("deepest tree").coverage(c -> {
      c.checkQuery(values -> (Integer) values.get(0) >= 3).percentage(p -> p > 30);
      c.check(4).percentage(p -> p >= 2);
    });

    // the registry reloads from its store as it was (a second facade over the same store)
    Clusterd reloaded = Clusterd.builder().store(w.store).transport(w.mem).reconcileEvery(Duration.ZERO).build();
    open.add(reloaded);
    assertSameRegistry(w.clusterd, reloaded);
    assertEquals(List.of(), reloaded.checkInvariants());
  }

  @Property(tries = 25)
  void anySequence_sqliteStoreReopensToTheSameForestAndPins(@ForAll("chains") ActionChain<World> chain)
      throws IOException {
    Path dir = Files.createTempDirectory("clusterd-registry-properties");
    open.add(() -> deleteTree(dir));
    World w = chain.run();
    MemTransportFactory otherHosts = new MemTransportFactory();

    try (Clusterd durable = Clusterd.builder().store(SqliteStore.open(dir)).transport(otherHosts)
        .reconcileEvery(Duration.ZERO).build()) {
      for (int i = 0; i < w.log.size(); i++) {
        Set<ErrorCode> outcome = apply(durable, w.log.get(i).change());
        assertEquals(w.outcomes.get(i), outcome, "step " + i + " " + w.log.get(i));
      }
    }
    try (Clusterd reopened = Clusterd.builder().store(SqliteStore.open(dir)).transport(otherHosts)
        .reconcileEvery(Duration.ZERO).build()) {
      assertSameRegistry(w.clusterd, reopened);
      assertEquals(List.of(), reopened.checkInvariants());
    }
  }

  private static void assertSameRegistry(Clusterd expected, Clusterd actual) {
    assertEquals(expected.forest(), actual.forest());
    for (Cluster c : expected.clusters()) {
      assertEquals(expected.pins(c.id()), actual.pins(c.id()), c.id());
    }
    assertEquals(expected.clusters(), actual.clusters());
    assertEquals(expected.instances(), actual.instances());
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- generators

  @Provide
  Arbitrary<ActionChain<World>> chains() {
    return ActionChain.<World>startWith(this::newWorld)
        .withAction(new StepAction())
        .withMaxTransformations(30);
  }

  private World newWorld() {
    World w = new World();
    open.add(w.clusterd);
    return w;
  }

  /**
   * One random operation per step. Ids are mostly drawn from the nodes that exist (clusters where a cluster is
   * expected), sometimes from the whole alphabet, so that deep trees, locks and every refusal are all common.
   */
  static final class StepAction implements Action.Dependent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer(World w) {
      return ops(w.model).map(op -> Transformer.mutate(op.toString(), world -> world.step(op)));
    }
  }

  static Arbitrary<Op> ops(Model m) {
    Arbitrary<String> any = Arbitraries.of(IDS);
    Arbitrary<String> cluster = mostlyFrom(m.clusters.stream().sorted().toList(), any);
    Arbitrary<String> instance = mostlyFrom(m.hosts.keySet().stream().sorted().toList(), any);
    Arbitrary<String> node = mostlyFrom(m.allNodes().stream().sorted().toList(), any);
    Arbitrary<String> fresh = mostlyFrom(IDS.stream().filter(id -> !m.exists(id)).toList(), any);
    // new parents favour deep clusters, so that trees of four and more levels are common
    List<String> byDepth = new ArrayList<>();
    for (String c : m.clusters.stream().sorted().toList()) {
      for (int i = 0; i <= 2 * m.ancestors(c).size(); i++) {
        byDepth.add(c);
      }
    }
    Arbitrary<String> parent = mostlyFrom(byDepth, any);
    Arbitrary<String> maybeCluster = m.clusters.isEmpty() ? Arbitraries.just(null) : parent.injectNull(0.2);
    boolean small = m.allNodes().size() < 4;
    Arbitrary<String> key = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(KEYS.subList(0, 3))), Tuple.of(1, Arbitraries.just("/a")));
    Arbitrary<Boolean> force = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(false)),
        Tuple.of(1, Arbitraries.just(true)));
    return Arbitraries.frequencyOf(
        Tuple.of(small ? 6 : 3, Combinators.combine(fresh, Arbitraries.of(HOSTS)).as(Register::new)),
        Tuple.of(1, instance.map(Unregister::new)),
        Tuple.of(small ? 10 : 4, Combinators.combine(fresh, maybeCluster, node.list().ofMaxSize(2)).as(Create::new)),
        Tuple.of(5, Combinators.combine(parent, node, force).as(Attach::new)),
        Tuple.of(4, Combinators.combine(node, maybeCluster, force).as(Move::new)),
        Tuple.of(2, Combinators.combine(cluster, node).as(Detach::new)),
        Tuple.of(2, Combinators.combine(cluster, Arbitraries.of(Cascade.class)).as(Delete::new)),
        Tuple.of(8, Combinators.combine(cluster, key, Arbitraries.of("1", "2"), force).as(PinKey::new)),
        Tuple.of(3, Combinators.combine(cluster, key, force).as(Unpin::new)),
        Tuple.of(3, Combinators.combine(instance, key, Arbitraries.of(true, false)).as(WriteInstance::new)));
  }

  private static Arbitrary<String> mostlyFrom(List<String> existing, Arbitrary<String> any) {
    if (existing.isEmpty()) {
      return any;
    }
    return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(existing)), Tuple.of(1, any));
  }

  // ------------------------------------------------------------------------------------------- operations

  /** A registry operation: the change it makes, and what the reference model predicts and does. */
  sealed interface Op {
    Change change();
  }

  record Register(String id, String host) implements Op {
    public Change change() {
      return new Change.RegisterInstance(InstanceSpec.of("instance " + id, host).withId(id));
    }
  }

  record Unregister(String id) implements Op {
    public Change change() {
      return new Change.UnregisterInstance(id);
    }
  }

  record Create(String id, String parent, List<String> members) implements Op {
    public Change change() {
      return new Change.CreateCluster(new ClusterSpec(Optional.of(id), "cluster " + id, "", Map.of(),
          Optional.ofNullable(parent), members));
    }
  }

  record Attach(String parent, String child, boolean force) implements Op {
    public Change change() {
      return new Change.Attach(parent, child, force);
    }
  }

  record Move(String node, String parent, boolean force) implements Op {
    public Change change() {
      return new Change.Move(node, Optional.ofNullable(parent), force);
    }
  }

  record Detach(String parent, String child) implements Op {
    public Change change() {
      return new Change.Detach(parent, child);
    }
  }

  record Delete(String cluster, Cascade cascade) implements Op {
    public Change change() {
      return new Change.DeleteCluster(cluster, cascade);
    }
  }

  record PinKey(String cluster, String key, String value, boolean force) implements Op {
    public Change change() {
      return new Change.WriteCluster(cluster, KeyOperation.set(KeyName.parse(key), value), force);
    }

    @Override
    public String toString() {
      return "Pin[" + cluster + ", " + key + "=" + value + (force ? ", force" : "") + "]";
    }
  }

  record Unpin(String cluster, String key, boolean force) implements Op {
    public Change change() {
      return new Change.WriteCluster(cluster, KeyOperation.delete(KeyName.parse(key)), force);
    }
  }

  record WriteInstance(String instance, String key, boolean delete) implements Op {
    public Change change() {
      KeyName k = KeyName.parse(key);
      return new Change.WriteInstance(instance, delete ? KeyOperation.delete(k) : KeyOperation.set(k, "v"));
    }
  }

  /** The codes of the conflicts a change was refused with; empty when it was accepted. */
  static Set<ErrorCode> apply(Clusterd clusterd, Change change) {
    try {
      clusterd.apply(change).join();
      return Set.of();
    } catch (ClusterdException e) {
      return e.conflicts().stream().map(Conflict::code).collect(Collectors.toSet());
    }
  }

  // ------------------------------------------------------------------------------------------- system under test

  /** The engine under test, the reference model, and the log of applied operations with their outcomes. */
  static final class World {
    final MemTransportFactory mem = new MemTransportFactory();
    final MemoryStore store = new MemoryStore();
    final Clusterd clusterd = Clusterd.builder().store(store).transport(mem).reconcileEvery(Duration.ZERO)
        .maxAttempts(1).build();
    final Model model = new Model();
    final List<Op> log = new ArrayList<>();
    final List<Set<ErrorCode>> outcomes = new ArrayList<>();
    /** Most levels of nodes seen at once (a top-level node alone: 1). */
    int maxDepth;

    void step(Op op) {
      Set<ErrorCode> predicted = model.apply(op);
      Set<ErrorCode> actual = RegistryProperties.apply(clusterd, op.change());
      log.add(op);
      outcomes.add(actual);
      assertEquals(predicted, actual, "conflicts of " + op);
      assertEquals(List.of(), clusterd.checkInvariants(), "invariants after " + op);
      model.assertMatches(clusterd, op);
      for (String n : model.allNodes()) {
        maxDepth = Math.max(maxDepth, model.ancestors(n).size() + 1);
      }
    }

    @Override
    public String toString() {
      return "World" + log;
    }
  }

  // ------------------------------------------------------------------------------------------- reference model

  /**
   * SEMANTICS.md sections 1-3 written as plainly as possible: maps of parents, hosts and pins, and the rules
   * spelled out one by one. Key names are compared as strings (the alphabet is simple: no escapes).
   */
  static final class Model {
    final Set<String> clusters = new HashSet<>();
    final Map<String, String> hosts = new HashMap<>();
    final Map<String, String> parent = new HashMap<>();
    final Map<String, TreeMap<String, String>> pins = new HashMap<>();

    boolean exists(String id) {
      return clusters.contains(id) || hosts.containsKey(id);
    }

    boolean isCluster(String id) {
      return id != null && clusters.contains(id);
    }

    /** Ancestors of a node, nearest first. */
    List<String> ancestors(String id) {
      List<String> out = new ArrayList<>();
      for (String p = parent.get(id); p != null; p = parent.get(p)) {
        out.add(p);
      }
      return out;
    }

    /** The node and every node below it. */
    Set<String> subtree(String id) {
      Set<String> out = new LinkedHashSet<>();
      out.add(id);
      for (String n : allNodes()) {
        if (ancestors(n).contains(id)) {
          out.add(n);
        }
      }
      return out;
    }

    Set<String> allNodes() {
      Set<String> out = new HashSet<>(clusters);
      out.addAll(hosts.keySet());
      return out;
    }

    List<String> children(String id) {
      return allNodes().stream().filter(n -> id.equals(parent.get(n))).sorted().toList();
    }

    static String normalize(String host) {
      String h = host.toLowerCase(java.util.Locale.ROOT);
      return h.endsWith("/") ? h.substring(0, h.length() - 1) : h;
    }

    static boolean atOrBelow(String key, String prefix) {
      return key.equals(prefix) || key.startsWith(prefix + "/");
    }

    static boolean cascading(String key) {
      return key.startsWith("/");
    }

    /** Whether any of the clusters pins a key matching. */
    boolean pinsAny(Iterable<String> nodes, java.util.function.Predicate<String> key) {
      for (String n : nodes) {
        if (clusters.contains(n) && pins.get(n).keySet().stream().anyMatch(key)) {
          return true;
        }
      }
      return false;
    }

    /** Applies an operation when the rules allow it; returns the codes of the rules it breaks. */
    Set<ErrorCode> apply(Op op) {
      Set<ErrorCode> codes = new HashSet<>();
      if (op instanceof Register r) {
        if (exists(r.id())) {
          codes.add(ErrorCode.ID_ALREADY_EXISTS);
        }
        if (hosts.containsValue(normalize(r.host()))) {
          codes.add(ErrorCode.HOST_DOES_ALREADY_EXIST);                        // C7
        }
        if (codes.isEmpty()) {
          hosts.put(r.id(), normalize(r.host()));
        }
      } else if (op instanceof Unregister u) {
        if (!hosts.containsKey(u.id())) {
          return Set.of(ErrorCode.INSTANCE_NOT_FOUND);
        }
        hosts.remove(u.id());
        parent.remove(u.id());
      } else if (op instanceof Create c) {
        if (exists(c.id())) {
          return Set.of(ErrorCode.ID_ALREADY_EXISTS);
        }
        if (c.parent() != null && !isCluster(c.parent())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        List<String> members = List.copyOf(new LinkedHashSet<>(c.members()));
        for (String m : members) {
          if (!exists(m)) {
            codes.add(ErrorCode.NOT_FOUND);
          } else {
            codes.addAll(attachConflicts(c.parent(), m, true, false));
          }
        }
        if (codes.isEmpty()) {
          clusters.add(c.id());
          pins.put(c.id(), new TreeMap<>());
          if (c.parent() != null) {
            parent.put(c.id(), c.parent());
          }
          for (String m : members) {
            parent.put(m, c.id());
          }
        }
      } else if (op instanceof Attach a) {
        if (!isCluster(a.parent())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        if (!exists(a.child())) {
          return Set.of(ErrorCode.NOT_FOUND);
        }
        if (a.parent().equals(parent.get(a.child()))) {
          return Set.of();   // attaching to the parent it has changes nothing
        }
        codes.addAll(attachConflicts(a.parent(), a.child(), true, a.force()));
        if (codes.isEmpty()) {
          link(a.parent(), a.child(), a.force());
        }
      } else if (op instanceof Move mv) {
        if (mv.parent() != null) {
          if (!isCluster(mv.parent())) {
            return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
          }
          if (!exists(mv.node())) {
            return Set.of(ErrorCode.NOT_FOUND);
          }
          codes.addAll(attachConflicts(mv.parent(), mv.node(), false, mv.force()));
          if (codes.isEmpty()) {
            link(mv.parent(), mv.node(), mv.force());
          }
        } else {
          if (!exists(mv.node())) {
            return Set.of(ErrorCode.NOT_FOUND);
          }
          parent.remove(mv.node());
        }
      } else if (op instanceof Detach d) {
        if (!isCluster(d.parent())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        if (!d.parent().equals(parent.get(d.child()))) {
          return Set.of(ErrorCode.NOT_FOUND);
        }
        parent.remove(d.child());
      } else if (op instanceof Delete d) {
        if (!isCluster(d.cluster())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        List<String> kids = children(d.cluster());
        if (!kids.isEmpty() && d.cascade() == Cascade.NONE) {
          return Set.of(ErrorCode.CLUSTER_NOT_EMPTY);                         // C8
        }
        if (d.cascade() == Cascade.DELETE) {
          for (String n : subtree(d.cluster())) {
            remove(n);
          }
        } else {
          String up = parent.get(d.cluster());
          for (String k : kids) {
            if (up == null) {
              parent.remove(k);
            } else {
              parent.put(k, up);
            }
          }
          remove(d.cluster());
        }
      } else if (op instanceof PinKey p) {
        if (!isCluster(p.cluster())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        if (cascading(p.key())) {
          return Set.of(ErrorCode.NAMESPACE_NOT_WRITABLE);                    // C0
        }
        Set<String> below = new HashSet<>(subtree(p.cluster()));
        below.remove(p.cluster());
        if (pinsAny(ancestors(p.cluster()), k -> k.equals(p.key()))) {
          codes.add(ErrorCode.KEY_LOCKED);                                    // C2
        }
        if (!p.force() && pinsAny(below, k -> k.equals(p.key()))) {
          codes.add(ErrorCode.KEY_PINNED_BELOW);                              // C3
        }
        if (codes.isEmpty()) {
          for (String n : below) {
            if (clusters.contains(n)) {
              pins.get(n).remove(p.key());
            }
          }
          pins.get(p.cluster()).put(p.key(), p.value());
        }
      } else if (op instanceof Unpin u) {
        if (!isCluster(u.cluster())) {
          return Set.of(ErrorCode.CLUSTER_NOT_FOUND);
        }
        if (cascading(u.key())) {
          return Set.of(ErrorCode.NAMESPACE_NOT_WRITABLE);                    // C0
        }
        Set<String> below = new HashSet<>(subtree(u.cluster()));
        below.remove(u.cluster());
        if (pinsAny(ancestors(u.cluster()), k -> atOrBelow(k, u.key()))) {
          codes.add(ErrorCode.KEY_LOCKED);                                    // C2, recursive
        }
        if (!u.force() && pinsAny(below, k -> atOrBelow(k, u.key()))) {
          codes.add(ErrorCode.KEY_PINNED_BELOW);                              // C3, recursive
        }
        if (codes.isEmpty()) {
          for (String n : subtree(u.cluster())) {
            if (clusters.contains(n)) {
              pins.get(n).keySet().removeIf(k -> atOrBelow(k, u.key()));
            }
          }
        }
      } else if (op instanceof WriteInstance wi) {
        if (!hosts.containsKey(wi.instance())) {
          return Set.of(ErrorCode.INSTANCE_NOT_FOUND);
        }
        if (cascading(wi.key())) {
          return Set.of(ErrorCode.NAMESPACE_NOT_WRITABLE);                    // C0
        }
        boolean locked = wi.delete()
            ? pinsAny(ancestors(wi.instance()), k -> atOrBelow(k, wi.key()))
            : pinsAny(ancestors(wi.instance()), k -> k.equals(wi.key()));
        if (locked) {
          codes.add(ErrorCode.KEY_LOCKED);                                    // C1
        }
      }
      return codes;
    }

    /** C4, C5 and C6 for putting {@code child} below {@code newParent} (null: top level). */
    Set<ErrorCode> attachConflicts(String newParent, String child, boolean refuseIfParented, boolean force) {
      Set<ErrorCode> codes = new HashSet<>();
      if (refuseIfParented && parent.containsKey(child)) {
        codes.add(ErrorCode.ALREADY_IN_CLUSTER);                              // C5
      }
      if (newParent != null && (newParent.equals(child) || ancestors(newParent).contains(child))) {
        codes.add(ErrorCode.CYCLE);                                           // C4
        return codes;
      }
      if (newParent != null && !force && !clashes(newParent, child).isEmpty()) {
        codes.add(ErrorCode.KEY_PINNED_BELOW);                                // C6
      }
      return codes;
    }

    /** Keys locked at or above {@code newParent} that a cluster in {@code child}'s subtree pins. */
    Set<String> clashes(String newParent, String child) {
      Set<String> locked = new HashSet<>(pins.get(newParent).keySet());
      for (String a : ancestors(newParent)) {
        locked.addAll(pins.get(a).keySet());
      }
      Set<String> out = new HashSet<>();
      for (String n : subtree(child)) {
        if (clusters.contains(n)) {
          for (String k : pins.get(n).keySet()) {
            if (locked.contains(k)) {
              out.add(k);
            }
          }
        }
      }
      return out;
    }

    void link(String newParent, String child, boolean force) {
      if (force) {
        Set<String> drop = clashes(newParent, child);
        for (String n : subtree(child)) {
          if (clusters.contains(n)) {
            pins.get(n).keySet().removeAll(drop);
          }
        }
      }
      parent.put(child, newParent);
    }

    void remove(String id) {
      clusters.remove(id);
      hosts.remove(id);
      pins.remove(id);
      parent.remove(id);
    }

    /** The pins in force on an instance: key to (value, owner), nearest owner first. */
    Map<String, List<String>> effective(String instance) {
      Map<String, List<String>> out = new TreeMap<>();
      for (String a : ancestors(instance)) {
        pins.get(a).forEach((k, v) -> out.putIfAbsent(k, List.of(v, a)));
      }
      return out;
    }

    void assertMatches(Clusterd clusterd, Op after) {
      String when = " after " + after;
      Map<String, String> parents = new HashMap<>();
      Map<String, String> kinds = new HashMap<>();
      collect(clusterd.forest(), null, parents, kinds);
      Map<String, String> expectedKinds = new HashMap<>();
      clusters.forEach(c -> expectedKinds.put(c, "cluster"));
      hosts.keySet().forEach(i -> expectedKinds.put(i, "instance"));
      assertEquals(expectedKinds, kinds, "nodes" + when);
      Map<String, String> expectedParents = new HashMap<>();
      allNodes().forEach(n -> expectedParents.put(n, parent.getOrDefault(n, "")));
      assertEquals(expectedParents, parents, "tree" + when);
      for (Instance i : clusterd.instances()) {
        assertEquals(hosts.get(i.id()), i.endpoint().toString(), "endpoint of " + i.id() + when);
        Map<String, List<String>> eff = new TreeMap<>();
        for (EffectivePin p : clusterd.effectivePins(i.id())) {
          eff.put(p.key().toString(), List.of(p.pin().value(), p.lockedBy()));
        }
        assertEquals(effective(i.id()), eff, "effective pins of " + i.id() + when);
      }
      for (String c : clusters) {
        Map<String, String> actual = new TreeMap<>();
        for (Pin p : clusterd.pins(c)) {
          actual.put(p.key().toString(), p.value());
        }
        assertEquals(pins.get(c), actual, "pins of " + c + when);
      }
    }

    private static void collect(List<Node> nodes, String parentId, Map<String, String> parents,
        Map<String, String> kinds) {
      for (Node n : nodes) {
        assertTrue(parents.put(n.id(), parentId == null ? "" : parentId) == null, "twice in the forest: " + n.id());
        if (n instanceof Cluster c) {
          kinds.put(n.id(), "cluster");
          collect(c.children(), n.id(), parents, kinds);
        } else {
          kinds.put(n.id(), "instance");
        }
      }
    }
  }
}

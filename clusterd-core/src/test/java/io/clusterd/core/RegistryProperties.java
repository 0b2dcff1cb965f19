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
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random sequences of registry operations on a small alphabet of ids, hosts and keys (so that collisions and
 * conflicts are common), applied to a {@link Clusterd} and to a plain reference model of docs/semantics.md sections
 * 1-3. After every step: the invariants I1-I4 hold, a refused operation names exactly the rules the model
 * predicts, an accepted one yields the model's tree, hosts, pins and effective pins. At the end the registry
 * reloads from its store unchanged, and (second property) a SQLite store that received the same sequence
 * reopens to an equal forest and equal pins.
 *
 * <p>Each step is drawn from the reference model's state after the steps before it ({@link Gens#sequences}), so
 * ids mostly name nodes that exist; a failing sequence shrinks to fewer and simpler steps, then by removing steps
 * anywhere ({@link Shrink#removals}).
 */
class RegistryProperties {

  private static final List<String> IDS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
  /** Spellings of three endpoints; equal after normalization within each group. */
  private static final List<String> HOSTS = List.of("mem://h1", "MEM://H1/", "mem://h2", "mem://H2", "mem://h3");
  /** Keys that nest (user:/a above user:/a/b) and one that no cluster may pin (cascading). */
  private static final List<String> KEYS = List.of("user:/a", "user:/a/b", "user:/b", "/a");

  /** Steps in a sequence (as many as before the move to QuickTheories: 30 in three sequences out of four). */
  static final int MAX_STEPS = 30;

  // ------------------------------------------------------------------------------------------- properties

  @Test
  void anySequence_matchesTheModelAndKeepsTheInvariants() {
    Coverage coverage = new Coverage();
    PropertyCheck.forAll(chains()).examples(200).shrinkAlso(Shrink::removals).check(ops -> {
      try (World w = new World()) {
        w.run(ops);
        coverage.collect(w);

        // the registry reloads from its store as it was (a second facade over the same store)
        try (Clusterd reloaded = Clusterd.builder().store(w.store).transport(w.mem).reconcileEvery(Duration.ZERO)
            .build()) {
          assertSameRegistry(w.clusterd, reloaded);
          assertEquals(List.of(), reloaded.checkInvariants());
        }
      }
    });
    // every rule the model knows is exercised, and sequences are not mostly refusals
    coverage.check();
  }

  @Test
  void anySequence_sqliteStoreReopensToTheSameForestAndPins() {
    PropertyCheck.forAll(chains()).examples(25).shrinkAlso(Shrink::removals).check(ops -> {
      Path dir = Files.createTempDirectory("clusterd-registry-properties");
      try (World w = new World()) {
        w.run(ops);
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
      } finally {
        deleteTree(dir);
      }
    });
  }

  /**
   * What the sequences of a run exercised, over all of them: the outcome of every step (accepted, or each code it
   * was refused with) and the deepest tree of each sequence (four and more counted as four).
   */
  static final class Coverage {
    final Map<String, Integer> outcomes = new TreeMap<>();
    int steps;
    int outcomeCount;
    final Map<Integer, Integer> deepest = new TreeMap<>();
    int sequences;

    void collect(World w) {
      sequences++;
      deepest.merge(Math.min(w.maxDepth, 4), 1, Integer::sum);
      for (Set<ErrorCode> outcome : w.outcomes) {
        steps++;
        if (outcome.isEmpty()) {
          outcomes.merge("accepted", 1, Integer::sum);
          outcomeCount++;
        }
        for (ErrorCode code : outcome) {
          outcomes.merge(code.name(), 1, Integer::sum);
          outcomeCount++;
        }
      }
    }

    void check() {
      String report = "outcomes " + outcomes + " of " + steps + " steps; deepest trees " + deepest + " of "
          + sequences + " sequences";
      System.out.println("RegistryProperties coverage: " + report);
      assertTrue(100.0 * outcomes.getOrDefault("accepted", 0) / outcomeCount > 25, report);
      for (ErrorCode code : List.of(ErrorCode.CYCLE, ErrorCode.ALREADY_IN_CLUSTER, ErrorCode.KEY_LOCKED,
          ErrorCode.KEY_PINNED_BELOW, ErrorCode.CLUSTER_NOT_EMPTY, ErrorCode.HOST_DOES_ALREADY_EXIST,
          ErrorCode.NAMESPACE_NOT_WRITABLE, ErrorCode.ID_ALREADY_EXISTS)) {
        assertTrue(outcomes.getOrDefault(code.name(), 0) > 3, code + ": " + report);
      }
      int threeOrMore = deepest.getOrDefault(3, 0) + deepest.getOrDefault(4, 0);
      assertTrue(100.0 * threeOrMore / sequences > 30, report);
      assertTrue(100.0 * deepest.getOrDefault(4, 0) / sequences >= 2, report);
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

  /** Sequences of operations, each drawn from what the reference model holds after the ones before. */
  static Gen<List<Op>> chains() {
    return Gens.sequences(Model::new, RegistryProperties::ops, Model::apply, MAX_STEPS);
  }

  /**
   * One random operation per step. Ids are mostly drawn from the nodes that exist (clusters where a cluster is
   * expected), sometimes from the whole alphabet, so that deep trees, locks and every refusal are all common.
   */
  static Gen<Op> ops(Model m) {
    Gen<String> any = Gens.of(IDS);
    Gen<String> cluster = mostlyFrom(m.clusters.stream().sorted().toList(), any);
    Gen<String> instance = mostlyFrom(m.hosts.keySet().stream().sorted().toList(), any);
    Gen<String> node = mostlyFrom(m.allNodes().stream().sorted().toList(), any);
    Gen<String> fresh = mostlyFrom(IDS.stream().filter(id -> !m.exists(id)).toList(), any);
    // new parents favour deep clusters, so that trees of four and more levels are common
    List<String> byDepth = new ArrayList<>();
    for (String c : m.clusters.stream().sorted().toList()) {
      for (int i = 0; i <= 2 * m.ancestors(c).size(); i++) {
        byDepth.add(c);
      }
    }
    Gen<String> parent = mostlyFrom(byDepth, any);
    Gen<String> maybeCluster = m.clusters.isEmpty() ? Gens.just(null) : Gens.orNull(parent, 20);
    boolean small = m.allNodes().size() < 4;
    Gen<String> key = Gens.<String>weighted().or(8, Gens.of(KEYS.subList(0, 3))).or(1, Gens.just("/a")).gen();
    Gen<Boolean> force = Gens.<Boolean>weighted().or(3, Gens.just(false)).or(1, Gens.just(true)).gen();
    return Gens.<Op>weighted()
        .or(small ? 6 : 3, fresh.zip(Gens.of(HOSTS), Register::new))
        .or(1, instance.map(Unregister::new))
        .or(small ? 10 : 4, fresh.zip(maybeCluster, Gens.lists(node, 0, 2), Create::new))
        .or(5, parent.zip(node, force, Attach::new))
        .or(4, node.zip(maybeCluster, force, Move::new))
        .or(2, cluster.zip(node, Detach::new))
        .or(2, cluster.zip(Gens.of(Cascade.class), Delete::new))
        .or(8, cluster.zip(key, Gens.of("1", "2"), force, PinKey::new))
        .or(3, cluster.zip(key, force, Unpin::new))
        .or(3, instance.zip(key, Gens.of(true, false), WriteInstance::new))
        .gen();
  }

  private static Gen<String> mostlyFrom(List<String> existing, Gen<String> any) {
    if (existing.isEmpty()) {
      return any;
    }
    return Gens.<String>weighted().or(6, Gens.of(existing)).or(1, any).gen();
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
  static final class World implements AutoCloseable {
    final MemTransportFactory mem = new MemTransportFactory();
    final MemoryStore store = new MemoryStore();
    final Clusterd clusterd = Clusterd.builder().store(store).transport(mem).reconcileEvery(Duration.ZERO)
        .maxAttempts(1).build();
    final Model model = new Model();
    final List<Op> log = new ArrayList<>();
    final List<Set<ErrorCode>> outcomes = new ArrayList<>();
    /** Most levels of nodes seen at once (a top-level node alone: 1). */
    int maxDepth;

    void run(List<Op> ops) {
      for (Op op : ops) {
        step(op);
      }
    }

    @Override
    public void close() {
      clusterd.close();
    }

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
   * docs/semantics.md sections 1-3 written as plainly as possible: maps of parents, hosts and pins, and the rules
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

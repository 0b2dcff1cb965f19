package io.clusterd.core.internal;

import io.clusterd.Cluster;
import io.clusterd.EffectivePin;
import io.clusterd.Endpoint;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.Rollout;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tree of instances and clusters as the daemon holds it in memory: nodes, parent and child edges, the pins of
 * every cluster, an index of who pins which key, and the rollouts. Reads resolve (targets of a node, effective pins
 * per instance, which follow the waves of unfinished rollouts, locks);
 * edits are applied only after their store batch was committed. Not thread-safe: the facade serializes writers
 * and guards readers with a read-write lock.
 */
public final class Tree {

  /**
   * One node with its edges; clusters also hold their pins in Elektra order. Children are kept in creation order,
   * the order the store lists nodes in, so listings do not change across a reload.
   */
  private static final class Entry {
    Node node;
    String parent;
    final long created;
    final TreeSet<String> children;
    final TreeMap<KeyName, Pin> pins;

    Entry(Node node, String parent, long created, Comparator<String> order) {
      this.node = node;
      this.parent = parent;
      this.created = created;
      this.children = new TreeSet<>(order);
      this.pins = node instanceof Cluster ? new TreeMap<>() : null;
    }

    boolean isCluster() {
      return pins != null;
    }
  }

  private final Map<String, Entry> nodes = new HashMap<>();
  private final Comparator<String> byCreation = Comparator.comparingLong(id -> nodes.get(id).created);
  private final TreeSet<String> topLevel = new TreeSet<>(byCreation);
  private long created;
  private final Map<Endpoint, String> byEndpoint = new HashMap<>();
  /** Key name to the clusters pinning it, for conflict checks that would otherwise walk whole subtrees. */
  private final Map<KeyName, Set<String>> pinners = new HashMap<>();
  /** Every rollout by id, in start order. */
  private final Map<String, Rollout> rollouts = new LinkedHashMap<>();
  /** The unfinished rollouts of each cluster, with what resolution needs of them. */
  private final Map<String, List<ActiveRollout>> active = new HashMap<>();

  /**
   * An unfinished rollout as resolution uses it: the wave of each listed instance and the target pins. An instance
   * has the target as desired state once its wave started; one in no wave (it joined later) once any wave started.
   */
  private record ActiveRollout(Rollout rollout, Map<String, Integer> waveOf, TreeMap<KeyName, Pin> target) {
    static ActiveRollout of(Rollout r) {
      Map<String, Integer> waves = new HashMap<>();
      for (int w = 0; w < r.waves().size(); w++) {
        for (Rollout.Target t : r.waves().get(w).instances()) {
          waves.put(t.instance(), w);
        }
      }
      TreeMap<KeyName, Pin> target = new TreeMap<>();
      r.target().forEach(p -> target.put(p.key(), p));
      return new ActiveRollout(r, waves, target);
    }

    boolean startedFor(String instance) {
      int wave = rollout.wave();
      return wave >= 0 && (instance == null || waveOf.getOrDefault(instance, -1) <= wave);
    }
  }

  /** Rebuilds the tree from what a store holds; parents that are missing make their children top-level. */
  public static Tree of(StoreSnapshot snapshot) {
    Tree t = new Tree();
    t.fill(snapshot);
    return t;
  }

  /**
   * Replaces everything this tree holds with what a store holds now, in place (planners and rules keep their
   * reference): a follower's tree catching up to the leader's commits.
   */
  public void reload(StoreSnapshot snapshot) {
    topLevel.clear();
    nodes.clear();
    byEndpoint.clear();
    pinners.clear();
    rollouts.clear();
    active.clear();
    created = 0;
    fill(snapshot);
  }

  private void fill(StoreSnapshot snapshot) {
    Tree t = this;
    for (NodeRecord r : snapshot.nodes()) {
      t.nodes.put(r.id(), t.entry(r.node(), r.parent().orElse(null)));
      if (r.node() instanceof Instance i) {
        t.byEndpoint.put(i.endpoint(), i.id());
      }
    }
    for (NodeRecord r : snapshot.nodes()) {
      String parent = r.parent().orElse(null);
      if (parent == null || !t.nodes.containsKey(parent)) {
        t.nodes.get(r.id()).parent = null;
        t.topLevel.add(r.id());
      } else {
        t.nodes.get(parent).children.add(r.id());
      }
    }
    for (StoreChanges.PinRecord p : snapshot.pins()) {
      Entry c = t.nodes.get(p.cluster());
      if (c != null && c.isCluster()) {
        t.putPin(p.cluster(), p.pin());
      }
    }
    for (RolloutRecord r : snapshot.rollouts()) {
      t.putRollout(RolloutCodec.rollout(r));
    }
  }

  private Entry entry(Node node, String parent) {
    return new Entry(node, parent, created++, byCreation);
  }

  // ---------------------------------------------------------------- nodes

  public boolean contains(String id) {
    return nodes.containsKey(id);
  }

  public boolean isCluster(String id) {
    Entry e = nodes.get(id);
    return e != null && e.isCluster();
  }

  public boolean isInstance(String id) {
    Entry e = nodes.get(id);
    return e != null && !e.isCluster();
  }

  /** The node without children (clusters), or empty. */
  public Optional<Node> node(String id) {
    Entry e = nodes.get(id);
    return e == null ? Optional.empty() : Optional.of(e.node);
  }

  public Optional<Instance> instance(String id) {
    Entry e = nodes.get(id);
    return e != null && e.node instanceof Instance i ? Optional.of(i) : Optional.empty();
  }

  public Optional<Cluster> cluster(String id) {
    Entry e = nodes.get(id);
    return e != null && e.node instanceof Cluster c ? Optional.of(c) : Optional.empty();
  }

  public Optional<String> parentOf(String id) {
    Entry e = nodes.get(id);
    return e == null ? Optional.empty() : Optional.ofNullable(e.parent);
  }

  /** The instance registered with an endpoint, if any. */
  public Optional<String> ownerOf(Endpoint endpoint) {
    return Optional.ofNullable(byEndpoint.get(endpoint));
  }

  /** The children of a cluster, in creation order; empty for an instance. */
  public List<String> childrenOf(String id) {
    Entry e = nodes.get(id);
    return e == null ? List.of() : List.copyOf(e.children);
  }

  /** The node with its whole subtree; the node must exist. */
  public Node subtree(String id) {
    return snapshot(nodes.get(id));
  }

  /** Every top-level node with its subtree, in creation order. */
  public List<Node> forest() {
    List<Node> out = new ArrayList<>(topLevel.size());
    for (String id : topLevel) {
      out.add(snapshot(nodes.get(id)));
    }
    return out;
  }

  public List<Instance> instances() {
    List<Instance> out = new ArrayList<>();
    for (Entry e : nodes.values()) {
      if (e.node instanceof Instance i) {
        out.add(i);
      }
    }
    out.sort(Comparator.comparing(Instance::id));
    return out;
  }

  public List<Cluster> clusters() {
    List<Cluster> out = new ArrayList<>();
    for (Entry e : nodes.values()) {
      if (e.node instanceof Cluster c) {
        out.add(c);
      }
    }
    out.sort(Comparator.comparing(Cluster::id));
    return out;
  }

  /** The node and every node below it, depth first, the node first; the node must exist. */
  public List<String> subtreeIds(String id) {
    List<String> out = new ArrayList<>();
    collectSubtree(id, out);
    return out;
  }

  private void collectSubtree(String id, List<String> out) {
    out.add(id);
    for (String child : nodes.get(id).children) {
      collectSubtree(child, out);
    }
  }

  /** The instances at or below a node, depth first in child order; the node must exist. */
  public List<Instance> targets(String nodeId) {
    List<Instance> out = new ArrayList<>();
    ArrayDeque<Entry> stack = new ArrayDeque<>();
    stack.push(nodes.get(nodeId));
    while (!stack.isEmpty()) {
      Entry e = stack.pop();
      if (e.node instanceof Instance i) {
        out.add(i);
      } else {
        List<String> kids = new ArrayList<>(e.children);
        for (int k = kids.size() - 1; k >= 0; k--) {
          stack.push(nodes.get(kids.get(k)));
        }
      }
    }
    return out;
  }

  /** The cluster and its ancestors, nearest first; empty for an absent (top-level) parent. */
  public List<String> chain(Optional<String> cluster) {
    List<String> out = new ArrayList<>();
    for (String c = cluster.orElse(null); c != null; c = nodes.get(c).parent) {
      out.add(c);
    }
    return out;
  }

  /** The parent of a node, or null at the top level; for walks up the tree that allocate nothing. */
  String parentOrNull(String id) {
    return nodes.get(id).parent;
  }

  /** Whether the cluster locks exactly {@code key}: it pins it, or an unfinished rollout of it writes it. */
  boolean pins(String clusterId, KeyName key) {
    return nodes.get(clusterId).pins.containsKey(key) || rolloutWrites(clusterId, key);
  }

  private boolean rolloutWrites(String clusterId, KeyName key) {
    List<ActiveRollout> rs = active.get(clusterId);
    if (rs == null) {
      return false;
    }
    for (ActiveRollout r : rs) {
      if (r.target.containsKey(key)) {
        return true;
      }
    }
    return false;
  }

  /** The strict ancestors of a node, nearest first. */
  public List<String> ancestors(String id) {
    return chain(parentOf(id));
  }

  /** Whether {@code node} lies strictly below {@code root}. */
  public boolean isStrictlyBelow(String node, String root) {
    for (String c = nodes.get(node).parent; c != null; c = nodes.get(c).parent) {
      if (c.equals(root)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- pins

  /** The pins a cluster holds itself, in Elektra order; the cluster must exist. */
  public List<Pin> pinsOf(String clusterId) {
    return List.copyOf(nodes.get(clusterId).pins.values());
  }

  public Optional<Pin> pin(String clusterId, KeyName key) {
    return Optional.ofNullable(nodes.get(clusterId).pins.get(key));
  }

  /** The keys a cluster pins at or below {@code key}, in Elektra order. */
  public List<KeyName> pinnedAtOrBelow(String clusterId, KeyName key) {
    return subtreeKeys(nodes.get(clusterId).pins, key);
  }

  /** The keys a cluster locks at or below {@code key}: its pins and what its unfinished rollouts write. */
  List<KeyName> lockedAtOrBelow(String clusterId, KeyName key) {
    List<KeyName> own = subtreeKeys(nodes.get(clusterId).pins, key);
    List<ActiveRollout> rs = active.get(clusterId);
    if (rs == null) {
      return own;
    }
    TreeSet<KeyName> all = new TreeSet<>(own);
    rs.forEach(r -> all.addAll(subtreeKeys(r.target, key)));
    return List.copyOf(all);
  }

  /** The clusters pinning exactly {@code key}. */
  public Set<String> pinnersOf(KeyName key) {
    Set<String> p = pinners.get(key);
    return p == null ? Set.of() : Set.copyOf(p);
  }

  /** Every key some cluster pins at or below {@code key}. */
  public Collection<KeyName> pinnedKeysAtOrBelow(KeyName key) {
    List<KeyName> out = new ArrayList<>();
    for (KeyName k : pinners.keySet()) {
      if (k.isBelowOrSame(key)) {
        out.add(k);
      }
    }
    return out;
  }

  /** The pins in force on a node (a cluster's own included), each with the cluster that locks it, in key order. */
  public List<EffectivePin> effectivePins(String nodeId) {
    Entry e = nodes.get(nodeId);
    TreeMap<KeyName, EffectivePin> out = new TreeMap<>();
    String instance = e.isCluster() ? null : nodeId;
    for (String c = e.isCluster() ? nodeId : e.parent; c != null; c = nodes.get(c).parent) {
      for (Pin p : instance == null ? nodes.get(c).pins.values() : pinsSeenBy(c, instance)) {
        out.putIfAbsent(p.key(), new EffectivePin(p, c));
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * The pins of a cluster as desired state of one instance below it ({@code null}: an instance joining now): with
   * the target pins of each unfinished rollout whose wave for the instance started.
   */
  private Collection<Pin> pinsSeenBy(String clusterId, String instance) {
    TreeMap<KeyName, Pin> own = nodes.get(clusterId).pins;
    List<ActiveRollout> rs = active.get(clusterId);
    if (rs == null) {
      return own.values();
    }
    TreeMap<KeyName, Pin> seen = null;
    for (ActiveRollout r : rs) {
      if (r.startedFor(instance)) {
        if (seen == null) {
          seen = new TreeMap<>(own);
        }
        r.rollout.keys().forEach(seen::remove);
        seen.putAll(r.target);
      }
    }
    return seen == null ? own.values() : seen.values();
  }

  /**
   * The pins the given chain of clusters (nearest first) puts in force on an instance joining it now, each key once,
   * in key order: the target of unfinished rollouts once their first wave started.
   */
  public List<Pin> pinsInForce(List<String> chain) {
    TreeMap<KeyName, Pin> out = new TreeMap<>();
    for (String c : chain) {
      for (Pin p : pinsSeenBy(c, null)) {
        out.putIfAbsent(p.key(), p);
      }
    }
    return List.copyOf(out.values());
  }

  /** The cluster locking {@code key} for a node (an ancestor pinning exactly that key), if any. */
  public Optional<String> lockOf(String nodeId, KeyName key) {
    for (String c = nodes.get(nodeId).parent; c != null; c = nodes.get(c).parent) {
      if (pins(c, key)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Locked keys a lookup of {@code key} lists for a node, with their locking cluster, in key order. */
  public NavigableMap<KeyName, String> locksListedBy(String nodeId, KeyName key) {
    TreeMap<KeyName, String> out = new TreeMap<>();
    for (String c : ancestors(nodeId)) {
      TreeMap<KeyName, Pin> pins = nodes.get(c).pins;
      // a cascading lookup spans every namespace, so its keys are not one range of the sorted pins
      Collection<KeyName> keys = key.isCascading() ? pins.keySet() : subtreeKeys(pins, key);
      for (KeyName k : keys) {
        if (k.isListedBy(key)) {
          out.putIfAbsent(k, c);
        }
      }
    }
    return out;
  }

  private static List<KeyName> subtreeKeys(NavigableMap<KeyName, ?> map, KeyName key) {
    List<KeyName> out = new ArrayList<>();
    for (KeyName k : map.tailMap(key, true).keySet()) {
      if (!k.isBelowOrSame(key)) {
        break;
      }
      out.add(k);
    }
    return out;
  }

  private Node snapshot(Entry e) {
    if (e.node instanceof Cluster c) {
      List<Node> kids = new ArrayList<>(e.children.size());
      for (String child : e.children) {
        kids.add(snapshot(nodes.get(child)));
      }
      return c.withChildren(kids);
    }
    return e.node;
  }

  // ---------------------------------------------------------------- rollouts

  /** Every rollout, unfinished and finished, in start order. */
  public List<Rollout> rollouts() {
    return List.copyOf(rollouts.values());
  }

  public Optional<Rollout> rollout(String id) {
    return Optional.ofNullable(rollouts.get(id));
  }

  /** The unfinished rollouts of a cluster. */
  public List<Rollout> activeRollouts(String clusterId) {
    List<ActiveRollout> rs = active.get(clusterId);
    return rs == null ? List.of() : rs.stream().map(ActiveRollout::rollout).toList();
  }

  /** Whether the target of the unfinished rollout {@code id} is desired state of an instance now. */
  public boolean rolloutStartedFor(String id, String instance) {
    Rollout r = rollouts.get(id);
    if (r == null || r.state().finished()) {
      return false;
    }
    for (ActiveRollout a : active.getOrDefault(r.cluster(), List.of())) {
      if (a.rollout.id().equals(id)) {
        return a.startedFor(instance);
      }
    }
    return false;
  }

  /** Every unfinished rollout. */
  public List<Rollout> activeRollouts() {
    List<Rollout> out = new ArrayList<>();
    active.values().forEach(rs -> rs.forEach(r -> out.add(r.rollout)));
    return out;
  }

  // ---------------------------------------------------------------- edits (after the store committed them)

  /** Adds a rollout or replaces the one with its id; a finished one no longer changes any instance's pins. */
  void putRollout(Rollout r) {
    Rollout old = rollouts.put(r.id(), r);
    if (old != null) {
      List<ActiveRollout> rs = active.get(old.cluster());
      if (rs != null) {
        rs.removeIf(a -> a.rollout.id().equals(old.id()));
        if (rs.isEmpty()) {
          active.remove(old.cluster());
        }
      }
    }
    if (!r.state().finished()) {
      active.computeIfAbsent(r.cluster(), c -> new ArrayList<>(1)).add(ActiveRollout.of(r));
    }
  }

  /** Adds a new node under a parent cluster (or at the top level). */
  void add(Node node, Optional<String> parent) {
    nodes.put(node.id(), entry(node, parent.orElse(null)));
    link(node.id(), parent.orElse(null));
    if (node instanceof Instance i) {
      byEndpoint.put(i.endpoint(), i.id());
    }
  }

  /** Replaces a node's own fields (same id and kind), keeping its place and pins. */
  void replace(Node node) {
    Entry e = nodes.get(node.id());
    if (e.node instanceof Instance old) {
      byEndpoint.remove(old.endpoint());
      byEndpoint.put(((Instance) node).endpoint(), node.id());
    }
    e.node = node;
  }

  /** Indexes an instance by its endpoint again, after edits that exchanged or reused endpoints. */
  void indexEndpoint(Instance instance) {
    byEndpoint.put(instance.endpoint(), instance.id());
  }

  /** Moves a node under another parent, or to the top level. */
  void relink(String child, Optional<String> newParent) {
    Entry e = nodes.get(child);
    if (e.parent == null) {
      topLevel.remove(child);
    } else {
      nodes.get(e.parent).children.remove(child);
    }
    e.parent = newParent.orElse(null);
    link(child, e.parent);
  }

  private void link(String child, String parent) {
    if (parent == null) {
      topLevel.add(child);
    } else {
      nodes.get(parent).children.add(child);
    }
  }

  /** Removes one node (its children must have been moved or removed first) with its pins. */
  void remove(String id) {
    Entry e = nodes.get(id);
    if (e.parent == null) {
      topLevel.remove(id);
    } else if (nodes.containsKey(e.parent)) {
      nodes.get(e.parent).children.remove(id);
    }
    if (e.node instanceof Instance i) {
      byEndpoint.remove(i.endpoint());
    } else {
      for (KeyName k : List.copyOf(e.pins.keySet())) {
        removePin(id, k);
      }
    }
    nodes.remove(id);
  }

  void putPin(String cluster, Pin pin) {
    nodes.get(cluster).pins.put(pin.key(), pin);
    pinners.computeIfAbsent(pin.key(), k -> new HashSet<>(2)).add(cluster);
  }

  void removePin(String cluster, KeyName key) {
    Entry e = nodes.get(cluster);
    if (e != null && e.pins != null) {
      e.pins.remove(key);
    }
    Set<String> p = pinners.get(key);
    if (p != null) {
      p.remove(cluster);
      if (p.isEmpty()) {
        pinners.remove(key);
      }
    }
  }

  // ---------------------------------------------------------------- invariants

  /** Checks I1-I4 over the whole tree; for tests and diagnostics. Returns the violations found. */
  public List<String> checkInvariants() {
    List<String> out = new ArrayList<>();
    Map<Endpoint, String> seen = new HashMap<>();
    for (Map.Entry<String, Entry> me : nodes.entrySet()) {
      String id = me.getKey();
      Entry e = me.getValue();
      Set<String> path = new HashSet<>();
      for (String c = e.parent; c != null; c = nodes.get(c).parent) {
        if (c.equals(id) || !path.add(c)) {
          out.add("I1: " + id + " is its own ancestor");
          break;
        }
      }
      int parents = topLevel.contains(id) ? 1 : 0;
      for (Entry other : nodes.values()) {
        if (other.children.contains(id)) {
          parents++;
        }
      }
      if (parents != 1) {
        out.add("I2: " + id + " appears under " + parents + " parents");
      }
      if (e.node instanceof Instance i && seen.put(i.endpoint(), id) != null) {
        out.add("I3: endpoint " + i.endpoint() + " registered twice");
      }
      if (e.node instanceof Instance) {
        Map<KeyName, String> owner = new LinkedHashMap<>();
        for (String c = e.parent; c != null; c = nodes.get(c).parent) {
          for (KeyName k : nodes.get(c).pins.keySet()) {
            String prev = owner.put(k, c);
            if (prev != null) {
              out.add("I4: " + k + " locked by both " + prev + " and " + c + " above " + id);
            }
          }
        }
      }
    }
    return out;
  }
}

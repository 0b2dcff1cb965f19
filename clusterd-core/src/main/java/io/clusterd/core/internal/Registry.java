package io.clusterd.core.internal;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.EffectivePin;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Namespace;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.Cascade;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreSnapshot;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The tree of nodes and the pins of every cluster, with the invariants I1-I4 and the conflict rules C0-C8.
 *
 * <p>Changes are {@linkplain #prepare prepared} into a {@link Mutation} without touching the state; the caller
 * commits the mutation's store batch and then runs its edits. Not thread-safe: the facade serializes writers and
 * guards readers with a read-write lock.
 */
public final class Registry {

  /**
   * One node with its edges; clusters also hold their pins in Elektra order. Children are kept in creation order
   * ({@code created}), the order the store lists nodes in, so listings do not change across a reload.
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

  private static final KeyName SYSTEM_ELEKTRA = KeyName.parse("system:/elektra");

  private final Map<String, Entry> nodes = new HashMap<>();
  private final Comparator<String> byCreation = Comparator.comparingLong(id -> nodes.get(id).created);
  private final TreeSet<String> topLevel = new TreeSet<>(byCreation);
  private long created;
  private final Map<Endpoint, String> byEndpoint = new HashMap<>();
  /** Key name to the clusters pinning it, for conflict checks that would otherwise walk whole subtrees. */
  private final Map<KeyName, Set<String>> pinners = new HashMap<>();
  private final Supplier<String> ids;

  public Registry(Supplier<String> ids) {
    this.ids = ids;
  }

  /** Rebuilds the registry from what a store holds. */
  public void load(StoreSnapshot snapshot) {
    for (NodeRecord r : snapshot.nodes()) {
      Entry e = new Entry(r.node(), r.parent().orElse(null), created++, byCreation);
      nodes.put(r.id(), e);
      if (r.node() instanceof Instance i) {
        byEndpoint.put(i.endpoint(), i.id());
      }
    }
    for (NodeRecord r : snapshot.nodes()) {
      String parent = r.parent().orElse(null);
      if (parent == null || !nodes.containsKey(parent)) {
        nodes.get(r.id()).parent = null;
        topLevel.add(r.id());
      } else {
        nodes.get(parent).children.add(r.id());
      }
    }
    for (StoreChanges.PinRecord p : snapshot.pins()) {
      Entry c = nodes.get(p.cluster());
      if (c != null && c.isCluster()) {
        c.pins.put(p.pin().key(), p.pin());
        pinners.computeIfAbsent(p.pin().key(), k -> new HashSet<>(2)).add(p.cluster());
      }
    }
  }

  // ---------------------------------------------------------------- reads

  public int size() {
    return nodes.size();
  }

  public boolean contains(String id) {
    return nodes.containsKey(id);
  }

  /** The node without children (clusters), or empty. */
  public Optional<Node> node(String id) {
    Entry e = nodes.get(id);
    return e == null ? Optional.empty() : Optional.of(e.node);
  }

  public Optional<String> parentOf(String id) {
    Entry e = nodes.get(id);
    return e == null ? Optional.empty() : Optional.ofNullable(e.parent);
  }

  public Instance instance(String id) {
    Entry e = nodes.get(id);
    if (e == null || !(e.node instanceof Instance i)) {
      throw ClusterdException.of(ErrorCode.INSTANCE_NOT_FOUND, "no instance with id '" + id + "'", Map.of("id", id));
    }
    return i;
  }

  public Cluster cluster(String id) {
    Entry e = requireCluster(id);
    return (Cluster) e.node;
  }

  /** The node with its whole subtree. */
  public Node tree(String id) {
    Entry e = nodes.get(id);
    if (e == null) {
      throw ClusterdException.of(ErrorCode.NOT_FOUND, "no node with id '" + id + "'", Map.of("id", id));
    }
    return snapshot(e);
  }

  /** Every top-level node with its subtree, in creation order. */
  public List<Node> forest() {
    List<Node> out = new ArrayList<>(topLevel.size());
    for (String id : topLevel) {
      out.add(snapshot(nodes.get(id)));
    }
    return out;
  }

  public List<String> childrenOf(String clusterId) {
    return List.copyOf(requireCluster(clusterId).children);
  }

  public List<Instance> instances() {
    List<Instance> out = new ArrayList<>();
    for (Entry e : nodes.values()) {
      if (e.node instanceof Instance i) {
        out.add(i);
      }
    }
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }

  public List<Cluster> clusters() {
    List<Cluster> out = new ArrayList<>();
    for (Entry e : nodes.values()) {
      if (e.node instanceof Cluster c) {
        out.add(c);
      }
    }
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }

  /** The pins a cluster holds itself, in Elektra order. */
  public List<Pin> pinsOf(String clusterId) {
    return List.copyOf(requireCluster(clusterId).pins.values());
  }

  /** The instances at or below a node, depth first in child order. */
  public List<Instance> targets(String nodeId) {
    Entry root = nodes.get(nodeId);
    if (root == null) {
      throw ClusterdException.of(ErrorCode.NOT_FOUND, "no node with id '" + nodeId + "'", Map.of("id", nodeId));
    }
    List<Instance> out = new ArrayList<>();
    ArrayDeque<Entry> stack = new ArrayDeque<>();
    stack.push(root);
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

  /** The pins in force on a node (a cluster's own included), each with the cluster that locks it, in key order. */
  public List<EffectivePin> effectivePins(String nodeId) {
    Entry e = nodes.get(nodeId);
    if (e == null) {
      throw ClusterdException.of(ErrorCode.NOT_FOUND, "no node with id '" + nodeId + "'", Map.of("id", nodeId));
    }
    TreeMap<KeyName, EffectivePin> out = new TreeMap<>();
    for (String c = e.isCluster() ? nodeId : e.parent; c != null; c = nodes.get(c).parent) {
      for (Pin p : nodes.get(c).pins.values()) {
        out.putIfAbsent(p.key(), new EffectivePin(p, c));
      }
    }
    return List.copyOf(out.values());
  }

  /** The cluster locking {@code key} for a node (an ancestor pinning exactly that key), if any. */
  public Optional<String> lockOf(String nodeId, KeyName key) {
    Entry e = nodes.get(nodeId);
    if (e == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(lockInChain(e.parent, key));
  }

  /** Locked keys at or below {@code key} for a node, with their locking cluster, in key order. */
  public NavigableMap<KeyName, String> locksAtOrBelow(String nodeId, KeyName key) {
    TreeMap<KeyName, String> out = new TreeMap<>();
    Entry e = nodes.get(nodeId);
    if (e == null) {
      return out;
    }
    for (String c = e.parent; c != null; c = nodes.get(c).parent) {
      // a cascading lookup spans every namespace, so its keys are not one range of the sorted pins
      Collection<KeyName> keys = key.isCascading() ? nodes.get(c).pins.keySet() : subtreeKeys(nodes.get(c).pins, key);
      for (KeyName k : keys) {
        if (k.isListedBy(key)) {
          out.putIfAbsent(k, c);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- prepare

  /** Prepares a change without applying it. */
  public Mutation prepare(Change change, Instant now, Optional<String> actor) {
    Mutation m = new Mutation();
    Ctx ctx = new Ctx(m, now, actor);
    // Java 17: no pattern switch; the chain covers every permitted Change
    if (change instanceof Change.RegisterInstance c) {
      register(ctx, c.spec());
    } else if (change instanceof Change.UpdateInstance c) {
      updateInstance(ctx, c.instance(), c.update());
    } else if (change instanceof Change.UnregisterInstance c) {
      unregister(ctx, c.instance());
    } else if (change instanceof Change.CreateCluster c) {
      createCluster(ctx, c.spec(), c.force());
    } else if (change instanceof Change.UpdateCluster c) {
      updateCluster(ctx, c.cluster(), c.update());
    } else if (change instanceof Change.DeleteCluster c) {
      deleteCluster(ctx, c.cluster(), c.cascade());
    } else if (change instanceof Change.Attach c) {
      attach(ctx, c.parent(), c.child(), c.force(), false);
    } else if (change instanceof Change.Move c) {
      move(ctx, c.node(), c.parent(), c.force());
    } else if (change instanceof Change.Detach c) {
      detach(ctx, c.parent(), c.child());
    } else if (change instanceof Change.WriteCluster c) {
      writeCluster(ctx, c.cluster(), c.operation(), c.force());
    } else if (change instanceof Change.WriteInstance c) {
      writeInstance(ctx, c.instance(), c.operation());
    } else if (change instanceof Change.Sync c) {
      sync(ctx, c.node());
    } else {
      throw new IllegalArgumentException("unknown change " + change);
    }
    return m;
  }

  /** Runs the in-memory edits of a mutation whose store batch was committed. */
  public void apply(Mutation m) {
    for (Runnable edit : m.edits) {
      edit.run();
    }
  }

  private record Ctx(Mutation m, Instant now, Optional<String> actor) {
    void history(String node, String operation, Optional<String> key, Optional<String> oldValue,
        Optional<String> newValue) {
      m.store.history(new HistoryEntry(0, now, actor, node, operation, key, oldValue, newValue, "accepted"));
    }

    void history(String node, String operation) {
      history(node, operation, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  private void register(Ctx ctx, InstanceSpec spec) {
    Instance instance;
    try {
      if (spec.host().isBlank()) {
        throw ClusterdException.of(ErrorCode.HOST_MISSING,
            "the instance host is missing: give its endpoint URI, e.g. http://10.0.0.5:33333");
      }
      Endpoint endpoint = Endpoint.parse(spec.host());
      String id = spec.id().orElseGet(ids);
      instance = new Instance(id, spec.name(), spec.description(), spec.labels(), endpoint,
          spec.transport().orElse(null), spec.visibility());
    } catch (ClusterdException e) {
      ctx.m.conflicts.addAll(e.conflicts());
      return;
    }
    if (nodes.containsKey(instance.id())) {
      ctx.m.conflict(idTaken(instance.id()));
    }
    String owner = byEndpoint.get(instance.endpoint());
    if (owner != null) {
      ctx.m.conflict(hostTaken(instance.endpoint(), owner));
    }
    if (ctx.m.refused()) {
      return;
    }
    ctx.m.store.putNode(new NodeRecord(instance, Optional.empty()));
    ctx.history(instance.id(), "register-instance", Optional.empty(), Optional.empty(),
        Optional.of(instance.endpoint().toString()));
    ctx.m.edits.add(() -> {
      nodes.put(instance.id(), new Entry(instance, null, created++, byCreation));
      topLevel.add(instance.id());
      byEndpoint.put(instance.endpoint(), instance.id());
    });
    ctx.m.resultNode = Optional.of(instance.id());
  }

  private void updateInstance(Ctx ctx, String id, NodeUpdate update) {
    Instance old;
    Instance updated;
    try {
      old = instance(id);
      Endpoint endpoint = update.host().isPresent() ? Endpoint.parse(update.host().get()) : old.endpoint();
      updated = new Instance(id, update.name().orElse(old.name()), update.description().orElse(old.description()),
          update.labels().orElse(old.labels()), endpoint,
          update.host().isPresent() ? endpoint.scheme() : old.transport(), old.visibility());
    } catch (ClusterdException e) {
      ctx.m.conflicts.addAll(e.conflicts());
      return;
    }
    String owner = byEndpoint.get(updated.endpoint());
    if (owner != null && !owner.equals(id)) {
      ctx.m.conflict(hostTaken(updated.endpoint(), owner));
      return;
    }
    Entry e = nodes.get(id);
    ctx.m.store.putNode(new NodeRecord(updated, Optional.ofNullable(e.parent)));
    ctx.history(id, "update-instance", Optional.empty(), Optional.of(old.endpoint().toString()),
        Optional.of(updated.endpoint().toString()));
    ctx.m.edits.add(() -> {
      byEndpoint.remove(old.endpoint());
      byEndpoint.put(updated.endpoint(), id);
      e.node = updated;
    });
    ctx.m.resultNode = Optional.of(id);
  }

  private void unregister(Ctx ctx, String id) {
    Instance i;
    try {
      i = instance(id);
    } catch (ClusterdException e) {
      ctx.m.conflicts.addAll(e.conflicts());
      return;
    }
    Entry e = nodes.get(id);
    ctx.m.store.deleteNode(id);
    ctx.history(id, "unregister-instance", Optional.empty(), Optional.of(i.endpoint().toString()), Optional.empty());
    ctx.m.edits.add(() -> removeEntry(id, e));
  }

  private void createCluster(Ctx ctx, ClusterSpec spec, boolean force) {
    Cluster cluster;
    try {
      String id = spec.id().orElseGet(ids);
      cluster = new Cluster(id, spec.name(), spec.description(), spec.labels(), List.of());
    } catch (ClusterdException e) {
      ctx.m.conflicts.addAll(e.conflicts());
      return;
    }
    String id = cluster.id();
    if (nodes.containsKey(id)) {
      ctx.m.conflict(idTaken(id));
      return;
    }
    String parent = spec.parent().orElse(null);
    if (parent != null && !isCluster(parent)) {
      ctx.m.conflict(clusterMissing(parent));
      return;
    }
    List<String> members = List.copyOf(new LinkedHashSet<>(spec.members()));
    Map<String, Set<KeyName>> dropped = new HashMap<>();
    for (String member : members) {
      if (!nodes.containsKey(member)) {
        ctx.m.conflict(Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + member + "' to add as a member",
            Map.of("id", member)));
        continue;
      }
      // the new cluster has no pins: its chain of locks is its parent's
      dropped.put(member, checkAttach(ctx.m, parent, member, force, true, id));
    }
    if (ctx.m.refused()) {
      return;
    }
    ctx.m.store.putNode(new NodeRecord(cluster, Optional.ofNullable(parent)));
    ctx.history(id, "create-cluster", Optional.empty(), Optional.empty(), Optional.of(cluster.name()));
    ctx.m.edits.add(() -> {
      Entry e = new Entry(cluster, parent, created++, byCreation);
      nodes.put(id, e);
      if (parent == null) {
        topLevel.add(id);
      } else {
        nodes.get(parent).children.add(id);
      }
    });
    for (String member : members) {
      Entry me = nodes.get(member);
      dropPins(ctx, member, dropped.get(member));
      ctx.m.store.putNode(new NodeRecord(me.node, Optional.of(id)));
      ctx.history(member, "attach", Optional.empty(), Optional.empty(), Optional.of(id));
      ctx.m.edits.add(() -> relink(member, id));
      sendJoinPins(ctx.m, member, chain(parent), dropped.get(member));
    }
    ctx.m.resultNode = Optional.of(id);
  }

  private void updateCluster(Ctx ctx, String id, NodeUpdate update) {
    Cluster old;
    Cluster updated;
    try {
      old = cluster(id);
      if (update.host().isPresent()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "a cluster has no host; 'host' applies to instances only",
            Map.of("field", "host"));
      }
      updated = new Cluster(id, update.name().orElse(old.name()), update.description().orElse(old.description()),
          update.labels().orElse(old.labels()), List.of());
    } catch (ClusterdException e) {
      ctx.m.conflicts.addAll(e.conflicts());
      return;
    }
    Entry e = nodes.get(id);
    ctx.m.store.putNode(new NodeRecord(updated, Optional.ofNullable(e.parent)));
    ctx.history(id, "update-cluster", Optional.empty(), Optional.of(old.name()), Optional.of(updated.name()));
    ctx.m.edits.add(() -> e.node = updated);
    ctx.m.resultNode = Optional.of(id);
  }

  private void deleteCluster(Ctx ctx, String id, Cascade cascade) {
    Entry e = nodes.get(id);
    if (e == null || !e.isCluster()) {
      ctx.m.conflict(clusterMissing(id));
      return;
    }
    if (!e.children.isEmpty() && cascade == Cascade.NONE) {
      ctx.m.conflict(Conflict.of(ErrorCode.CLUSTER_NOT_EMPTY,
          "cluster '" + id + "' still has " + e.children.size()
              + " member(s): delete with cascade=detach to hand them to its parent, or cascade=delete to remove the whole subtree",
          Map.of("cluster", id, "children", List.copyOf(e.children))));
      return;
    }
    String parent = e.parent;
    List<String> removed = new ArrayList<>();
    if (cascade == Cascade.DELETE) {
      collectSubtree(id, removed);
    } else {
      removed.add(id);
      for (String child : e.children) {
        ctx.m.store.putNode(new NodeRecord(nodes.get(child).node, Optional.ofNullable(parent)));
      }
    }
    for (String r : removed) {
      ctx.m.store.deleteNode(r);
      Entry re = nodes.get(r);
      if (re.isCluster()) {
        for (KeyName k : re.pins.keySet()) {
          ctx.m.store.deletePin(r, k);
        }
      }
    }
    Optional<String> how = Optional.of("cascade=" + cascade.name().toLowerCase(java.util.Locale.ROOT));
    ctx.history(id, "delete-cluster", Optional.empty(), Optional.of(e.node.name()), how);
    // every node the deletion moves or removes gets its own entry, so its per-node history tells why
    if (cascade == Cascade.DELETE) {
      for (String r : removed.subList(1, removed.size())) {
        Node gone = nodes.get(r).node;
        if (gone instanceof Instance i) {
          ctx.history(r, "unregister-instance", Optional.empty(), Optional.of(i.endpoint().toString()),
              Optional.empty());
        } else {
          ctx.history(r, "delete-cluster", Optional.empty(), Optional.of(gone.name()), how);
        }
      }
    } else {
      for (String child : e.children) {
        ctx.history(child, parent == null ? "detach" : "move", Optional.empty(), Optional.of(id),
            Optional.ofNullable(parent));
      }
    }
    List<String> children = List.copyOf(e.children);
    ctx.m.edits.add(() -> {
      if (cascade != Cascade.DELETE) {
        for (String child : children) {
          relink(child, parent);
        }
      }
      for (int k = removed.size() - 1; k >= 0; k--) {
        String r = removed.get(k);
        removeEntry(r, nodes.get(r));
      }
    });
  }

  private void attach(Ctx ctx, String parent, String child, boolean force, boolean explicitMove) {
    if (!isCluster(parent)) {
      ctx.m.conflict(clusterMissing(parent));
      return;
    }
    if (!nodes.containsKey(child)) {
      ctx.m.conflict(Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + child + "'", Map.of("id", child)));
      return;
    }
    if (!explicitMove && parent.equals(nodes.get(child).parent)) {
      // attaching to the parent it already has changes nothing
      ctx.m.resultNode = Optional.of(child);
      return;
    }
    Set<KeyName> dropped = checkAttach(ctx.m, parent, child, force, !explicitMove, null);
    if (ctx.m.refused()) {
      return;
    }
    String oldParent = nodes.get(child).parent;
    dropPins(ctx, child, dropped);
    ctx.m.store.putNode(new NodeRecord(nodes.get(child).node, Optional.of(parent)));
    ctx.history(child, explicitMove ? "move" : "attach", Optional.empty(), Optional.ofNullable(oldParent),
        Optional.of(parent));
    ctx.m.edits.add(() -> relink(child, parent));
    sendJoinPins(ctx.m, child, chain(parent), dropped);
    ctx.m.resultNode = Optional.of(child);
  }

  private void move(Ctx ctx, String node, Optional<String> parent, boolean force) {
    if (parent.isPresent()) {
      attach(ctx, parent.get(), node, force, true);
      return;
    }
    Entry e = nodes.get(node);
    if (e == null) {
      ctx.m.conflict(Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + node + "'", Map.of("id", node)));
      return;
    }
    if (e.parent != null) {
      detach(ctx, e.parent, node);
    }
    ctx.m.resultNode = Optional.of(node);
  }

  private void detach(Ctx ctx, String parent, String child) {
    if (!isCluster(parent)) {
      ctx.m.conflict(clusterMissing(parent));
      return;
    }
    Entry e = nodes.get(child);
    if (e == null || !parent.equals(e.parent)) {
      ctx.m.conflict(Conflict.of(ErrorCode.NOT_FOUND, "'" + child + "' is not a member of cluster '" + parent + "'",
          Map.of("cluster", parent, "id", child)));
      return;
    }
    ctx.m.store.putNode(new NodeRecord(e.node, Optional.empty()));
    ctx.history(child, "detach", Optional.empty(), Optional.of(parent), Optional.empty());
    ctx.m.edits.add(() -> relink(child, null));
    ctx.m.resultNode = Optional.of(child);
  }

  /**
   * Checks attaching {@code child} below {@code parent} (C4, C5, C6). Returns the keys pinned in the child's
   * subtree that {@code force} drops. {@code newCluster} is a cluster being created between parent and child.
   */
  private Set<KeyName> checkAttach(Mutation m, String parent, String child, boolean force, boolean refuseIfParented,
      String newCluster) {
    Entry ce = nodes.get(child);
    if (refuseIfParented && ce.parent != null) {
      m.conflict(Conflict.of(ErrorCode.ALREADY_IN_CLUSTER,
          "'" + child + "' is already a member of cluster '" + ce.parent
              + "': move it explicitly (PUT the node with {\"parent\": \"" + (parent == null ? "" : parent)
              + "\"}) or detach it first",
          Map.of("id", child, "cluster", ce.parent)));
    }
    if (parent != null && (parent.equals(child) || isInSubtree(parent, child))) {
      m.conflict(Conflict.of(ErrorCode.CYCLE,
          "attaching '" + child + "' under '" + (newCluster == null ? parent : newCluster)
              + "' would make a cluster its own ancestor",
          Map.of("id", child, "parent", newCluster == null ? parent : newCluster)));
      return Set.of();
    }
    if (parent == null || !ce.isCluster()) {
      return Set.of();
    }
    // C6: keys pinned inside the child's subtree that the new ancestors lock
    Map<KeyName, String> locks = new TreeMap<>();
    for (String c = parent; c != null; c = nodes.get(c).parent) {
      for (KeyName k : nodes.get(c).pins.keySet()) {
        locks.putIfAbsent(k, c);
      }
    }
    Set<KeyName> dropped = new TreeSet<>();
    Map<KeyName, List<String>> clashes = new TreeMap<>();
    for (Map.Entry<KeyName, String> lock : locks.entrySet()) {
      Set<String> pinning = pinners.get(lock.getKey());
      if (pinning == null) {
        continue;
      }
      for (String p : pinning) {
        if (p.equals(child) || isInSubtree(p, child)) {
          clashes.computeIfAbsent(lock.getKey(), k -> new ArrayList<>()).add(p);
        }
      }
    }
    if (clashes.isEmpty()) {
      return Set.of();
    }
    if (force) {
      dropped.addAll(clashes.keySet());
      return dropped;
    }
    for (Map.Entry<KeyName, List<String>> clash : clashes.entrySet()) {
      List<String> below = new ArrayList<>(clash.getValue());
      below.sort(null);
      m.conflict(Conflict.of(ErrorCode.KEY_PINNED_BELOW,
          clash.getKey() + " is locked by cluster '" + locks.get(clash.getKey()) + "' but pinned inside '" + child
              + "' by " + below + ": unpin it there or attach with force=true to drop the lower pins",
          Map.of("key", clash.getKey().toString(), "lockedBy", locks.get(clash.getKey()), "clusters", below)));
    }
    return Set.of();
  }

  /** Removes, inside the subtree of {@code root}, the pins of the given keys (force on C3/C6). */
  private void dropPins(Ctx ctx, String root, Set<KeyName> keys) {
    for (KeyName k : keys) {
      Set<String> pinning = pinners.get(k);
      if (pinning == null) {
        continue;
      }
      for (String p : List.copyOf(pinning)) {
        if (p.equals(root) || isInSubtree(p, root)) {
          Pin old = nodes.get(p).pins.get(k);
          ctx.m.store.deletePin(p, k);
          ctx.history(p, "unpin-forced", Optional.of(k.toString()), Optional.of(old.value()), Optional.empty());
          ctx.m.edits.add(() -> removePin(p, k));
        }
      }
    }
  }

  private void sendJoinPins(Mutation m, String joining, List<String> newChain, Set<KeyName> overridden) {
    if (newChain.isEmpty()) {
      return;
    }
    List<Pin> pins = new ArrayList<>();
    Set<KeyName> seen = new HashSet<>();
    for (String c : newChain) {
      for (Pin p : nodes.get(c).pins.values()) {
        if (seen.add(p.key())) {
          pins.add(p);
        }
      }
    }
    if (pins.isEmpty()) {
      return;
    }
    pins.sort((a, b) -> a.key().compareTo(b.key()));
    for (Instance i : targets(joining)) {
      for (Pin p : pins) {
        addPinOps(m, i.id(), p);
      }
    }
  }

  private static void addPinOps(Mutation m, String instance, Pin p) {
    m.send(instance, KeyOperation.set(p.key(), p.value()));
    for (Map.Entry<String, String> meta : new TreeMap<>(p.meta()).entrySet()) {
      m.send(instance, KeyOperation.setMeta(p.key(), meta.getKey(), meta.getValue()));
    }
  }

  // ---------------------------------------------------------------- key writes

  private void writeCluster(Ctx ctx, String clusterId, KeyOperation op, boolean force) {
    Entry ce = nodes.get(clusterId);
    if (ce == null || !ce.isCluster()) {
      ctx.m.conflict(clusterMissing(clusterId));
      return;
    }
    checkWritable(ctx.m, op);
    checkPinnable(ctx.m, op.key());
    op.target().ifPresent(t -> checkPinnable(ctx.m, t));
    if (ctx.m.refused()) {
      return;
    }
    TreeMap<KeyName, Pin> pins = ce.pins;
    KeyName key = op.key();
    switch (op.kind()) {
      case SET -> {
        Pin old = pins.get(key);
        Pin pin = old == null ? Pin.of(key, op.value().orElseThrow()) : old.withValue(op.value().orElseThrow());
        checkPinOwnership(ctx, clusterId, List.of(key), force, false);
        if (ctx.m.refused()) {
          return;
        }
        putPin(ctx, clusterId, pin, old, "pin");
      }
      case SET_META, DELETE_META -> {
        Pin old = pins.get(key);
        if (old == null) {
          // C2/C3 first: a key locked above or pinned below says so, whatever the operation
          checkPinOwnership(ctx, clusterId, List.of(key), force, false);
          if (ctx.m.refused()) {
            return;
          }
        }
        if (old == null && op.kind() == KeyOperation.Kind.DELETE_META) {
          ctx.m.conflict(Conflict.of(ErrorCode.PATH_NOT_FOUND,
              key + " is not pinned by cluster '" + clusterId + "': there is no metadata to remove",
              Map.of("key", key.toString(), "cluster", clusterId)));
          return;
        }
        Map<String, String> meta = new TreeMap<>(old == null ? Map.of() : old.meta());
        if (op.kind() == KeyOperation.Kind.SET_META) {
          meta.put(op.metaName().orElseThrow(), op.value().orElseThrow());
        } else {
          meta.remove(op.metaName().orElseThrow());
        }
        Pin pin = new Pin(key, old == null ? "" : old.value(), meta);
        // history of a metadata change names the metakey: old and new are written "name=value"
        String metaName = op.metaName().orElseThrow();
        Optional<String> before = old == null || !old.meta().containsKey(metaName) ? Optional.empty()
            : Optional.of(metaName + "=" + old.meta().get(metaName));
        Optional<String> after = op.kind() == KeyOperation.Kind.SET_META
            ? Optional.of(metaName + "=" + op.value().orElseThrow()) : Optional.empty();
        ctx.m.store.putPin(clusterId, pin);
        ctx.history(clusterId, op.kind().label(), Optional.of(key.toString()), before, after);
        ctx.m.edits.add(() -> addPin(clusterId, pin));
      }
      case DELETE -> {
        List<KeyName> removed = subtreeKeys(pins, key);
        checkPinOwnership(ctx, clusterId, List.of(key), force, true);
        if (ctx.m.refused()) {
          return;
        }
        for (KeyName k : removed) {
          Pin old = pins.get(k);
          ctx.m.store.deletePin(clusterId, k);
          ctx.history(clusterId, "unpin", Optional.of(k.toString()), Optional.of(old.value()), Optional.empty());
          ctx.m.edits.add(() -> removePin(clusterId, k));
        }
        if (removed.isEmpty()) {
          ctx.history(clusterId, "delete", Optional.of(key.toString()), Optional.empty(), Optional.empty());
        }
      }
      case MOVE, COPY -> {
        KeyName target = op.target().orElseThrow();
        if (target.isBelowOrSame(key)) {
          ctx.m.conflict(Conflict.of(ErrorCode.INVALID_BODY,
              "cannot " + op.kind().label() + " " + key + " to " + target + ", which is at or below itself",
              Map.of("key", key.toString(), "target", target.toString())));
          return;
        }
        List<KeyName> sources = subtreeKeys(pins, key);
        List<KeyName> moved = new ArrayList<>();
        for (KeyName k : sources) {
          moved.add(k.relocate(key, target));
        }
        if (op.kind() == KeyOperation.Kind.MOVE) {
          checkPinOwnership(ctx, clusterId, List.of(key), force, true);
        }
        checkPinOwnership(ctx, clusterId, List.of(target), force, true);
        if (ctx.m.refused()) {
          return;
        }
        // what the target subtree held in this cluster is replaced
        for (KeyName k : subtreeKeys(pins, target)) {
          ctx.m.store.deletePin(clusterId, k);
          ctx.m.edits.add(() -> removePin(clusterId, k));
        }
        // every removal before every addition, as the store applies a batch: a moved key may land on a source
        if (op.kind() == KeyOperation.Kind.MOVE) {
          for (KeyName k : sources) {
            ctx.m.store.deletePin(clusterId, k);
            ctx.m.edits.add(() -> removePin(clusterId, k));
          }
        }
        for (int i = 0; i < sources.size(); i++) {
          Pin src = pins.get(sources.get(i));
          Pin dst = new Pin(moved.get(i), src.value(), src.meta());
          ctx.m.store.putPin(clusterId, dst);
          ctx.m.edits.add(() -> addPin(clusterId, dst));
        }
        ctx.history(clusterId, op.kind().label(), Optional.of(key.toString()), Optional.empty(),
            Optional.of(target.toString()));
      }
    }
    for (Instance i : targets(clusterId)) {
      ctx.m.send(i.id(), op);
    }
  }

  private void putPin(Ctx ctx, String clusterId, Pin pin, Pin old, String operation) {
    ctx.m.store.putPin(clusterId, pin);
    ctx.history(clusterId, operation, Optional.of(pin.key().toString()),
        old == null ? Optional.empty() : Optional.of(old.value()), Optional.of(pin.value()));
    ctx.m.edits.add(() -> addPin(clusterId, pin));
  }

  /**
   * C2 and C3 for a cluster taking (or changing, for recursive operations) the given keys: an ancestor must not
   * lock them, a descendant must not pin them ({@code force} drops the descendant pins).
   */
  private void checkPinOwnership(Ctx ctx, String clusterId, List<KeyName> keys, boolean force, boolean recursive) {
    Entry ce = nodes.get(clusterId);
    for (KeyName key : keys) {
      // C2: an ancestor locks the key (or, for recursive operations, any key at or below it)
      for (String c = ce.parent; c != null; c = nodes.get(c).parent) {
        List<KeyName> locked = recursive ? subtreeKeys(nodes.get(c).pins, key)
            : nodes.get(c).pins.containsKey(key) ? List.of(key) : List.of();
        for (KeyName k : locked) {
          ctx.m.conflict(lockedConflict(k, c, "cluster '" + clusterId + "'"));
        }
      }
      // C3: a descendant pins the key (or any key at or below it)
      Map<KeyName, List<String>> below = new TreeMap<>();
      for (KeyName k : recursive ? keysAtOrBelow(key) : List.of(key)) {
        Set<String> pinning = pinners.get(k);
        if (pinning == null) {
          continue;
        }
        for (String p : pinning) {
          if (!p.equals(clusterId) && isInSubtree(p, clusterId)) {
            below.computeIfAbsent(k, x -> new ArrayList<>()).add(p);
          }
        }
      }
      if (below.isEmpty()) {
        continue;
      }
      if (force) {
        Entry clusterEntry = nodes.get(clusterId);
        Set<KeyName> drop = below.keySet();
        for (String child : List.copyOf(clusterEntry.children)) {
          dropPins(ctx, child, drop);
        }
        continue;
      }
      for (Map.Entry<KeyName, List<String>> b : below.entrySet()) {
        List<String> clusters = new ArrayList<>(b.getValue());
        clusters.sort(null);
        ctx.m.conflict(Conflict.of(ErrorCode.KEY_PINNED_BELOW,
            b.getKey() + " is already pinned below cluster '" + clusterId + "' by " + clusters
                + ": unpin it there, or write with force=true to remove those pins and take ownership",
            Map.of("key", b.getKey().toString(), "cluster", clusterId, "clusters", clusters)));
      }
    }
  }

  private void writeInstance(Ctx ctx, String instanceId, KeyOperation op) {
    Entry e = nodes.get(instanceId);
    if (e == null || !(e.node instanceof Instance)) {
      ctx.m.conflict(Conflict.of(ErrorCode.INSTANCE_NOT_FOUND, "no instance with id '" + instanceId + "'",
          Map.of("id", instanceId)));
      return;
    }
    checkWritable(ctx.m, op);
    if (ctx.m.refused()) {
      return;
    }
    boolean recursive = op.kind().recursive();
    checkInstanceLocks(ctx.m, e, op.key(), recursive);
    op.target().ifPresent(t -> checkInstanceLocks(ctx.m, e, t, true));
    if (ctx.m.refused()) {
      return;
    }
    ctx.m.durableSends = false;
    ctx.history(instanceId, op.kind().label(), Optional.of(op.key().toString()), Optional.empty(),
        op.value().or(() -> op.target().map(KeyName::toString)));
    ctx.m.send(instanceId, op);
  }

  private void checkInstanceLocks(Mutation m, Entry instance, KeyName key, boolean recursive) {
    for (String c = instance.parent; c != null; c = nodes.get(c).parent) {
      TreeMap<KeyName, Pin> pins = nodes.get(c).pins;
      List<KeyName> locked = recursive ? subtreeKeys(pins, key) : pins.containsKey(key) ? List.of(key) : List.of();
      for (KeyName k : locked) {
        m.conflict(lockedConflict(k, c, "instance '" + instance.node.id() + "'"));
      }
    }
  }

  private void sync(Ctx ctx, String nodeId) {
    if (!nodes.containsKey(nodeId)) {
      ctx.m.conflict(Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + nodeId + "'", Map.of("id", nodeId)));
      return;
    }
    for (Instance i : targets(nodeId)) {
      for (EffectivePin p : effectivePins(i.id())) {
        addPinOps(ctx.m, i.id(), p.pin());
      }
    }
    ctx.history(nodeId, "sync");
  }

  // ---------------------------------------------------------------- rules shared by writes

  private static void checkWritable(Mutation m, KeyOperation op) {
    checkNamespace(m, op.key());
    op.target().ifPresent(t -> checkNamespace(m, t));
    if (op.metaName().isPresent() && KeyName.canonicalMetaName(op.metaName().get()).isEmpty()) {
      m.conflict(Conflict.of(ErrorCode.INVALID_BODY, "'" + op.metaName().get()
          + "' is not a metadata name: give a name like check/type", Map.of("key", op.key().toString())));
    }
  }

  private static void checkNamespace(Mutation m, KeyName key) {
    Namespace ns = key.namespace();
    if (!ns.isWritable()) {
      String why = switch (ns) {
        case CASCADING -> "a cascading name cannot be addressed on an instance";
        case PROC -> "writes under proc:/ crash elektrad";
        case DEFAULT -> "default:/ is not persisted";
        default -> "meta:/ holds metadata, not keys";
      };
      m.conflict(Conflict.of(ErrorCode.NAMESPACE_NOT_WRITABLE,
          key + " cannot be written (" + why + "): use one of the namespaces user:/, system:/, dir:/, spec:/",
          Map.of("key", key.toString(), "namespace", ns.name().toLowerCase(java.util.Locale.ROOT))));
    }
  }

  private static void checkPinnable(Mutation m, KeyName key) {
    if (key.isRoot()) {
      m.conflict(Conflict.of(ErrorCode.INVALID_KEY_NAME,
          "a cluster cannot pin the namespace root " + key + ": pin a key below it", Map.of("key", key.toString())));
    } else if (key.isBelowOrSame(SYSTEM_ELEKTRA) || key.parts().contains("\u00aeelektra")) {
      m.conflict(Conflict.of(ErrorCode.RESERVED_KEY,
          key + " belongs to Elektra itself (system:/elektra and parts named \u00aeelektra are reserved) and cannot be pinned",
          Map.of("key", key.toString())));
    }
  }

  private static Conflict lockedConflict(KeyName key, String lockedBy, String what) {
    return Conflict.of(ErrorCode.KEY_LOCKED,
        key + " is locked by cluster '" + lockedBy + "' and cannot be changed on " + what
            + ": change it on cluster '" + lockedBy + "'",
        Map.of("key", key.toString(), "lockedBy", lockedBy));
  }

  // ---------------------------------------------------------------- tree helpers

  private String lockInChain(String fromCluster, KeyName key) {
    for (String c = fromCluster; c != null; c = nodes.get(c).parent) {
      if (nodes.get(c).pins.containsKey(key)) {
        return c;
      }
    }
    return null;
  }

  /** The cluster and its ancestors, nearest first; empty for null. */
  private List<String> chain(String cluster) {
    List<String> out = new ArrayList<>();
    for (String c = cluster; c != null; c = nodes.get(c).parent) {
      out.add(c);
    }
    return out;
  }

  /** Whether {@code node} lies strictly below {@code root}. */
  private boolean isInSubtree(String node, String root) {
    for (String c = nodes.get(node).parent; c != null; c = nodes.get(c).parent) {
      if (c.equals(root)) {
        return true;
      }
    }
    return false;
  }

  private boolean isCluster(String id) {
    Entry e = nodes.get(id);
    return e != null && e.isCluster();
  }

  private Entry requireCluster(String id) {
    Entry e = nodes.get(id);
    if (e == null || !e.isCluster()) {
      throw ClusterdException.refused(List.of(clusterMissing(id)));
    }
    return e;
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

  private Collection<KeyName> keysAtOrBelow(KeyName key) {
    List<KeyName> out = new ArrayList<>();
    for (KeyName k : pinners.keySet()) {
      if (k.isBelowOrSame(key)) {
        out.add(k);
      }
    }
    return out;
  }

  private void collectSubtree(String id, List<String> out) {
    out.add(id);
    for (String child : nodes.get(id).children) {
      collectSubtree(child, out);
    }
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

  // ---------------------------------------------------------------- in-memory edits

  private void relink(String child, String newParent) {
    Entry e = nodes.get(child);
    if (e.parent == null) {
      topLevel.remove(child);
    } else {
      nodes.get(e.parent).children.remove(child);
    }
    e.parent = newParent;
    if (newParent == null) {
      topLevel.add(child);
    } else {
      nodes.get(newParent).children.add(child);
    }
  }

  private void removeEntry(String id, Entry e) {
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

  private void addPin(String cluster, Pin pin) {
    nodes.get(cluster).pins.put(pin.key(), pin);
    pinners.computeIfAbsent(pin.key(), k -> new HashSet<>(2)).add(cluster);
  }

  private void removePin(String cluster, KeyName key) {
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

  private static Conflict clusterMissing(String id) {
    return Conflict.of(ErrorCode.CLUSTER_NOT_FOUND, "no cluster with id '" + id + "'", Map.of("id", id));
  }

  private static Conflict idTaken(String id) {
    return Conflict.of(ErrorCode.ID_ALREADY_EXISTS, "a node with id '" + id + "' already exists: choose another id",
        Map.of("id", id));
  }

  private static Conflict hostTaken(Endpoint endpoint, String owner) {
    return Conflict.of(ErrorCode.HOST_DOES_ALREADY_EXIST,
        "an instance with host " + endpoint + " is already registered as '" + owner + "'",
        Map.of("host", endpoint.toString(), "instance", owner));
  }

  /** Checks I1-I4 over the whole registry; for tests and after loading. Returns the violations found. */
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

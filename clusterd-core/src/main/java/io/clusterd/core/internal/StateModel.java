package io.clusterd.core.internal;

import io.clusterd.Cluster;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.DesiredState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A registry's desired state as plain maps (nodes, parents, pins), for the state as it is and the state a
 * document asks for alike: the export and the checks of a state document run on it. Not thread-safe.
 */
public final class StateModel {
  /** Every node; clusters without children. */
  final Map<String, Node> nodes = new LinkedHashMap<>();
  /** A node's parent; top-level nodes have none (and so has a node whose parent is missing). */
  final Map<String, String> parents = new HashMap<>();
  /** Each cluster's pins in Elektra order. */
  final Map<String, TreeMap<KeyName, Pin>> pins = new HashMap<>();

  /** The model of the tree as it is. */
  static StateModel of(Tree tree) {
    StateModel m = new StateModel();
    for (Node top : tree.forest()) {
      m.add(tree, top, null);
    }
    return m;
  }

  /** The tree's state as a canonical document (see {@link #export()}). */
  public static DesiredState export(Tree tree) {
    return of(tree).export();
  }

  private void add(Tree tree, Node n, String parent) {
    if (parent != null) {
      parents.put(n.id(), parent);
    }
    if (n instanceof Cluster c) {
      nodes.put(c.id(), c.withChildren(List.of()));
      TreeMap<KeyName, Pin> own = new TreeMap<>();
      tree.pinsOf(c.id()).forEach(p -> own.put(p.key(), p));
      pins.put(c.id(), own);
      for (Node child : c.children()) {
        add(tree, child, c.id());
      }
    } else {
      nodes.put(n.id(), n);
    }
  }

  /** The parent, when it is a node of this model. */
  Optional<String> parent(String id) {
    String p = parents.get(id);
    return p != null && nodes.containsKey(p) ? Optional.of(p) : Optional.empty();
  }

  boolean isCluster(String id) {
    return nodes.get(id) instanceof Cluster;
  }

  /** The pins in force on an instance: of its ancestors, the nearest owner of each key first. */
  TreeMap<KeyName, Pin> effectivePins(String id) {
    TreeMap<KeyName, Pin> out = new TreeMap<>();
    int steps = 0;
    for (Optional<String> c = parent(id); c.isPresent() && steps++ <= nodes.size(); c = parent(c.get())) {
      pins.getOrDefault(c.get(), new TreeMap<>()).forEach(out::putIfAbsent);
    }
    return out;
  }

  /**
   * The canonical document: top-level clusters, their sub-clusters and member instances sorted by id, pins in
   * Elektra order with canonical key and metadata names, labels by name, every instance (sorted by id) with its
   * transport written out.
   */
  public DesiredState export() {
    Map<String, List<String>> children = new TreeMap<>();
    List<String> top = new ArrayList<>();
    for (String id : new java.util.TreeSet<>(nodes.keySet())) {
      Optional<String> p = parent(id);
      if (p.isPresent()) {
        children.computeIfAbsent(p.get(), k -> new ArrayList<>()).add(id);
      } else {
        top.add(id);
      }
    }
    List<DesiredState.ClusterEntry> clusters = new ArrayList<>();
    for (String id : top) {
      if (isCluster(id)) {
        clusters.add(entry(id, children));
      }
    }
    List<DesiredState.InstanceEntry> instances = new ArrayList<>();
    for (String id : new java.util.TreeSet<>(nodes.keySet())) {
      if (nodes.get(id) instanceof Instance i) {
        instances.add(new DesiredState.InstanceEntry(i.id(), i.name(), i.endpoint().toString(),
            Optional.of(i.transport()), i.description(), i.labels()));
      }
    }
    return new DesiredState(clusters, instances);
  }

  private DesiredState.ClusterEntry entry(String id, Map<String, List<String>> children) {
    Node c = nodes.get(id);
    List<DesiredState.PinEntry> own = new ArrayList<>();
    pins.getOrDefault(id, new TreeMap<>()).values()
        .forEach(p -> own.add(new DesiredState.PinEntry(p.key().toString(), p.value(), p.meta())));
    List<String> memberInstances = new ArrayList<>();
    List<DesiredState.ClusterEntry> subClusters = new ArrayList<>();
    for (String child : children.getOrDefault(id, List.of())) {
      if (isCluster(child)) {
        subClusters.add(entry(child, children));
      } else {
        memberInstances.add(child);
      }
    }
    return new DesiredState.ClusterEntry(id, c.name(), c.description(), c.labels(), own, memberInstances,
        subClusters);
  }
}

package io.clusterd.core.internal;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.DesiredState;
import io.clusterd.core.StateDiff;
import io.clusterd.spi.NodeRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plans a desired-state document ({@code Change.ApplyState}) as one change. It does not chain the other family
 * planners, which plan against the tree as it is: a document's parts depend on each other (a pin of a cluster the
 * document creates, an instance attached to a new cluster, two instances exchanging hosts), so the planner builds
 * the document's <em>target state</em> directly (every node with its fields and parent, every cluster's pins),
 * checks what the target must satisfy (valid ids, names, hosts and key names; I1 and I2 hold by construction, as
 * the document nests clusters and lists each instance once; I3 unique endpoints; I4 one owner of a key on every
 * path), and then writes the difference between the tree and the target into one draft: one store batch, one
 * history entry {@code apply-state} followed by one entry per part, one tree edit, and for each instance the pins
 * its effective set gains or changes. Every conflict is reported with its place in the document.
 */
final class StatePlanner {
  /** The node the grouping history entry is recorded on; not a valid id, so no node can have it. */
  static final String STATE_NODE = "(state)";

  private final Tree tree;

  StatePlanner(Tree tree) {
    this.tree = tree;
  }

  void apply(Draft d, DesiredState doc, boolean prune, Optional<String> ifMatch) {
    StateModel current = StateModel.of(tree);
    String before = current.export().version();
    List<Conflict> conflicts = new ArrayList<>();
    ifMatch.map(StatePlanner::unquote).filter(v -> !v.equals("*") && !v.equals(before)).ifPresent(v ->
        conflicts.add(Conflict.of(ErrorCode.STATE_CHANGED, "the state changed since it was read: it was version "
            + v + " and is now " + before + "; get it again (GET /api/state), review the difference and apply again",
            Map.of("expected", v, "actual", before))));
    Target t = new Target(current, conflicts);
    t.read(doc, prune);
    t.checkEndpoints();
    t.checkLocks();
    String after = t.model.export().version();
    List<StateDiff.NodeChange> nodeChanges = t.nodeChanges(prune);
    List<StateDiff.PinChange> pinChanges = t.pinChanges();
    StateDiff diff = new StateDiff(before, after, prune, nodeChanges, pinChanges);
    d.state(diff);
    // a pin that a rollout is rolling out changes only through that rollout
    ConflictRules rules = new ConflictRules(tree);
    for (StateDiff.PinChange p : pinChanges) {
      if (tree.isCluster(p.cluster())) {
        conflicts.addAll(rules.rolloutInProgress(p.cluster(), List.of(io.clusterd.KeyName.parse(p.key())),
            Optional.empty()));
      }
    }
    if (d.refuse(conflicts) || diff.isEmpty()) {
      return;
    }
    write(d, current, t, diff);
  }

  // ------------------------------------------------------------------------------------------ writing

  private void write(Draft d, StateModel current, Target t, StateDiff diff) {
    StateModel target = t.model;
    Map<String, Integer> counts = new TreeMap<>();
    diff.nodes().stream().filter(StateDiff.NodeChange::applied)
        .forEach(n -> counts.merge(n.action().label(), 1, Integer::sum));
    long set = diff.pins().stream().filter(p -> !p.removed()).count();
    long unpinned = diff.pins().size() - set;
    d.history(STATE_NODE, "apply-state", Optional.empty(), Optional.of(diff.versionBefore()),
        Optional.of(diff.versionAfter() + " (" + counts.getOrDefault("create", 0) + " created, "
            + counts.getOrDefault("change", 0) + " changed, " + counts.getOrDefault("move", 0) + " moved, "
            + counts.getOrDefault("remove", 0) + " removed, " + set + " pins set, " + unpinned + " unpinned)"));

    List<Node> created = new ArrayList<>();
    List<Node> replaced = new ArrayList<>();
    Map<String, Optional<String>> relinked = new LinkedHashMap<>();
    List<String> removed = new ArrayList<>();
    Set<String> freshHosts = new HashSet<>();
    for (StateDiff.NodeChange c : diff.nodes()) {
      if (!c.applied()) {
        continue;
      }
      String id = c.id();
      if (c.action() == StateDiff.Action.REMOVE) {
        Node gone = current.nodes.get(id);
        d.store().deleteNode(id);
        if (gone instanceof Instance i) {
          d.history(id, "unregister-instance", Optional.empty(), Optional.of(i.endpoint().toString()),
              Optional.empty());
          d.removes(id);
        } else {
          current.pins.getOrDefault(id, new TreeMap<>()).keySet().forEach(k -> d.store().deletePin(id, k));
          d.history(id, "delete-cluster", Optional.empty(), Optional.of(gone.name()), Optional.of("pruned"));
        }
        removed.add(id);
        continue;
      }
      Node node = target.nodes.get(id);
      Optional<String> parent = target.parent(id);
      d.store().putNode(new NodeRecord(node, parent));
      if (c.action() == StateDiff.Action.CREATE) {
        created.add(node);
        if (node instanceof Instance i) {
          d.history(id, "register-instance", Optional.empty(), Optional.empty(),
              Optional.of(i.endpoint().toString()));
          d.instanceAfter(i);
          freshHosts.add(id);
        } else {
          d.history(id, "create-cluster", Optional.empty(), Optional.empty(), Optional.of(node.name()));
        }
        parent.ifPresent(p -> {
          relinked.put(id, parent);
          d.history(id, "attach", Optional.empty(), Optional.empty(), Optional.of(p));
        });
        continue;
      }
      if (c.fields().stream().anyMatch(f -> !f.equals("parent"))) {
        replaced.add(node);
        Node old = current.nodes.get(id);
        if (node instanceof Instance i) {
          Instance was = (Instance) old;
          d.history(id, "update-instance", Optional.empty(), Optional.of(was.endpoint().toString()),
              Optional.of(i.endpoint().toString()));
          if (c.fields().contains("host") || c.fields().contains("transport")) {
            d.rebinds(id);
            d.instanceAfter(i);
            if (c.fields().contains("host")) {
              freshHosts.add(id);
            }
          }
        } else {
          d.history(id, "update-cluster", Optional.empty(), Optional.of(old.name()), Optional.of(node.name()));
        }
      }
      if (c.fields().contains("parent")) {
        relinked.put(id, parent);
        d.history(id, parent.isEmpty() ? "detach" : "move", Optional.empty(), c.parentBefore(), parent);
      }
    }
    for (StateDiff.PinChange p : diff.pins()) {
      KeyName key = KeyName.parse(p.key());
      if (p.removed()) {
        d.store().deletePin(p.cluster(), key);
        d.history(p.cluster(), "unpin", Optional.of(p.key()), p.before().map(StateDiff.PinValue::value),
            Optional.empty(), List.of(pinBefore(key, p)));
      } else {
        d.store().putPin(p.cluster(), target.pins.get(p.cluster()).get(key));
        d.history(p.cluster(), "pin", Optional.of(p.key()), p.before().map(StateDiff.PinValue::value),
            p.after().map(StateDiff.PinValue::value), List.of(pinBefore(key, p)));
      }
    }
    // children leave before their parents: deepest first in the tree as it is
    removed.sort(Comparator.comparingInt((String id) -> tree.ancestors(id).size()).reversed()
        .thenComparing(Comparator.naturalOrder()));
    List<StateDiff.PinChange> pins = diff.pins();
    d.edit(tr -> {
      created.forEach(n -> tr.add(n, Optional.empty()));
      replaced.forEach(tr::replace);
      relinked.forEach(tr::relink);
      removed.forEach(tr::remove);
      for (Node n : created) {
        if (n instanceof Instance i) {
          tr.indexEndpoint(i);
        }
      }
      for (Node n : replaced) {
        if (n instanceof Instance i) {
          tr.indexEndpoint(i);
        }
      }
      for (StateDiff.PinChange p : pins) {
        KeyName key = KeyName.parse(p.key());
        if (p.removed()) {
          tr.removePin(p.cluster(), key);
        } else {
          tr.putPin(p.cluster(), target.pins.get(p.cluster()).get(key));
        }
      }
    });
    sends(d, current, target, freshHosts);
  }

  /**
   * What each instance of the target receives: every effective pin it gains or that changes (value, then
   * metadata in name order), and the removal of pinned metadata a kept pin loses; a new instance, or one with
   * another host, receives all of them. A pin that stops being in force leaves the value on the host, as
   * leaving a cluster does.
   */
  static void sends(Draft d, StateModel current, StateModel target, Set<String> freshHosts) {
    for (String id : new TreeSet<>(target.nodes.keySet())) {
      if (!(target.nodes.get(id) instanceof Instance)) {
        continue;
      }
      TreeMap<KeyName, Pin> have = freshHosts.contains(id) || !current.nodes.containsKey(id) ? new TreeMap<>()
          : current.effectivePins(id);
      for (Pin want : target.effectivePins(id).values()) {
        Pin had = have.get(want.key());
        if (want.equals(had)) {
          continue;
        }
        d.sendPin(id, want);
        if (had != null) {
          for (String name : new TreeSet<>(had.meta().keySet())) {
            if (!want.meta().containsKey(name)) {
              d.send(id, KeyOperation.deleteMeta(want.key(), name));
            }
          }
        }
      }
    }
  }

  private static HistoryEntry.PinBefore pinBefore(KeyName key, StateDiff.PinChange p) {
    return new HistoryEntry.PinBefore(key, p.before().map(v -> new Pin(key, v.value(), v.meta())));
  }

  private static String unquote(String v) {
    String s = v.strip();
    if (s.startsWith("W/")) {
      s = s.substring(2);
    }
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  // ------------------------------------------------------------------------------------------ the target

  /** The target state a document asks for, read with every problem found on the way. */
  private final class Target {
    final StateModel current;
    final StateModel model = new StateModel();
    final List<Conflict> conflicts;
    /** Where the document defines each node it mentions (also those it defines badly). */
    final Map<String, String> where = new HashMap<>();
    final Set<String> docClusters = new HashSet<>();
    final Set<String> docInstances = new HashSet<>();
    /** The document's valid nodes, clusters depth first, then instances, in the document's order. */
    final List<String> order = new ArrayList<>();
    final List<String[]> members = new ArrayList<>();
    final Map<String, String> memberAt = new HashMap<>();
    final List<String> absent = new ArrayList<>();

    Target(StateModel current, List<Conflict> conflicts) {
      this.current = current;
      this.conflicts = conflicts;
    }

    void read(DesiredState doc, boolean prune) {
      for (int k = 0; k < doc.clusters().size(); k++) {
        cluster(doc.clusters().get(k), null, "clusters[" + k + "]");
      }
      for (int k = 0; k < doc.instances().size(); k++) {
        instance(doc.instances().get(k), "instances[" + k + "]");
      }
      for (String[] m : members) {
        member(m[0], m[1], m[2]);
      }
      for (String id : new TreeSet<>(current.nodes.keySet())) {
        if (where.containsKey(id)) {
          continue;
        }
        absent.add(id);
        if (!prune) {
          model.nodes.put(id, current.nodes.get(id));
          String p = current.parents.get(id);
          if (p != null) {
            model.parents.put(id, p);
          }
          if (current.pins.containsKey(id)) {
            model.pins.put(id, current.pins.get(id));
          }
        }
      }
    }

    private void refuse(String path, List<Conflict> found) {
      for (Conflict c : found) {
        Map<String, Object> details = new LinkedHashMap<>(c.details());
        details.put("path", path);
        conflicts.add(Conflict.of(c.code(), path + ": " + c.message(), details));
      }
    }

    private void refuse(String path, ErrorCode code, String message, Map<String, Object> details) {
      refuse(path, List.of(Conflict.of(code, message, details)));
    }

    /** Checks the id of a node the document defines; returns whether the node can be part of the target. */
    private boolean id(String id, String path, boolean cluster) {
      try {
        Node.requireValidId(id);
      } catch (ClusterdException e) {
        refuse(path + ".id", e.conflicts());
        return false;
      }
      if (where.containsKey(id)) {
        refuse(path + ".id", ErrorCode.ID_ALREADY_EXISTS, "id '" + id + "' is defined twice in the document, also at "
            + where.get(id) + ": every node needs an id of its own", Map.of("id", id));
        return false;
      }
      where.put(id, path);
      (cluster ? docClusters : docInstances).add(id);
      Node existing = current.nodes.get(id);
      if (existing != null && (existing instanceof Cluster) != cluster) {
        String is = cluster ? "an instance" : "a cluster";
        refuse(path + ".id", ErrorCode.ID_ALREADY_EXISTS, "'" + id + "' is " + is + " in the registry and cannot"
            + " become " + (cluster ? "a cluster" : "an instance") + ": choose another id, or remove it first",
            Map.of("id", id));
        return false;
      }
      return true;
    }

    private String name(String name, String path) {
      try {
        return Node.requireValidName(name);
      } catch (ClusterdException e) {
        refuse(path + ".name", e.conflicts());
        return "?";
      }
    }

    private void cluster(DesiredState.ClusterEntry e, String parent, String path) {
      boolean ok = id(e.id(), path, true);
      String name = name(e.name(), path);
      TreeMap<KeyName, Pin> pins = pins(e.pins(), path);
      String id = ok ? e.id() : null;
      if (ok) {
        model.nodes.put(id, new Cluster(id, name, e.description(), e.labels(), List.of()));
        if (parent != null) {
          model.parents.put(id, parent);
        }
        model.pins.put(id, pins);
        order.add(id);
      }
      for (int k = 0; k < e.instances().size(); k++) {
        members.add(new String[] {id, e.instances().get(k), path + ".instances[" + k + "]"});
      }
      for (int k = 0; k < e.clusters().size(); k++) {
        cluster(e.clusters().get(k), id, path + ".clusters[" + k + "]");
      }
    }

    private TreeMap<KeyName, Pin> pins(List<DesiredState.PinEntry> entries, String path) {
      TreeMap<KeyName, Pin> out = new TreeMap<>();
      Map<KeyName, String> written = new HashMap<>();
      for (DesiredState.PinEntry p : entries) {
        String at = path + ".pins['" + p.key() + "']";
        KeyName key;
        try {
          key = KeyName.parse(p.key());
        } catch (ClusterdException e) {
          refuse(at, e.conflicts());
          continue;
        }
        List<Conflict> bad = new ArrayList<>(ConflictRules.c0Writable(KeyOperation.set(key, p.value())));
        bad.addAll(ConflictRules.pinnable(key));
        if (!bad.isEmpty()) {
          refuse(at, bad);
          continue;
        }
        if (written.containsKey(key)) {
          refuse(at, ErrorCode.INVALID_BODY, "the key is pinned twice, as '" + written.get(key) + "' and '" + p.key()
              + "' (both are " + key + "): keep one", Map.of("key", key.toString()));
          continue;
        }
        written.put(key, p.key());
        Map<String, String> meta = new TreeMap<>();
        boolean metaOk = true;
        for (Map.Entry<String, String> m : p.meta().entrySet()) {
          String metaAt = at + ".meta['" + m.getKey() + "']";
          Optional<String> canonical = KeyName.canonicalMetaName(m.getKey());
          if (canonical.isEmpty()) {
            refuse(metaAt, List.of(Refusals.invalidMetaName(m.getKey())));
            metaOk = false;
          } else if (meta.containsKey(canonical.get())) {
            refuse(metaAt, ErrorCode.INVALID_BODY, "the metadata " + canonical.get() + " is given twice: keep one",
                Map.of("meta", canonical.get()));
            metaOk = false;
          } else {
            meta.put(canonical.get(), m.getValue());
          }
        }
        if (metaOk) {
          out.put(key, new Pin(key, p.value(), meta));
        }
      }
      return out;
    }

    private void instance(DesiredState.InstanceEntry e, String path) {
      boolean ok = id(e.id(), path, false);
      String name = name(e.name(), path);
      Endpoint endpoint = null;
      try {
        endpoint = Endpoint.parse(e.host());
      } catch (ClusterdException x) {
        refuse(path + ".host", x.conflicts());
      }
      if (!ok || endpoint == null) {
        return;
      }
      String visibility = current.nodes.get(e.id()) instanceof Instance was ? was.visibility() : null;
      model.nodes.put(e.id(), new Instance(e.id(), name, e.description(), e.labels(), endpoint,
          e.transport().orElse(endpoint.scheme()), visibility));
      order.add(e.id());
    }

    private void member(String cluster, String instance, String path) {
      if (!docInstances.contains(instance)) {
        String why = docClusters.contains(instance)
            ? "'" + instance + "' is a cluster: nest it under clusters, not instances"
            : "'" + instance + "' is not one of the document's instances: define it under instances (id, name, host)";
        refuse(path, ErrorCode.INSTANCE_NOT_FOUND, why, Map.of("id", instance));
        return;
      }
      if (memberAt.containsKey(instance)) {
        refuse(path, ErrorCode.ALREADY_IN_CLUSTER, "'" + instance + "' is already a member at "
            + memberAt.get(instance) + ": an instance belongs to at most one cluster", Map.of("id", instance));
        return;
      }
      memberAt.put(instance, path);
      if (cluster != null && model.nodes.containsKey(instance)) {
        model.parents.put(instance, cluster);
      }
    }

    /** Where a node of the target is written: its place in the document, or the registry for a kept node. */
    private String place(String id) {
      return where.getOrDefault(id, "registry node '" + id + "' (not in the document)");
    }

    /** I3: no two instances of the target share an endpoint. */
    void checkEndpoints() {
      Map<Endpoint, String> owners = new HashMap<>();
      for (String id : new TreeSet<>(model.nodes.keySet())) {
        if (model.nodes.get(id) instanceof Instance i) {
          String other = owners.putIfAbsent(i.endpoint(), id);
          if (other != null) {
            String first = where.containsKey(id) ? id : other;
            String second = first.equals(id) ? other : id;
            refuse(place(first) + ".host", ErrorCode.HOST_DOES_ALREADY_EXIST, "host " + i.endpoint()
                + " is given to both '" + second + "' and '" + first + "': every instance needs an endpoint of its"
                + " own", Map.of("host", i.endpoint().toString(), "instance", second));
          }
        }
      }
    }

    /** I4: no cluster pins a key an ancestor of it pins (in the target). */
    void checkLocks() {
      for (String id : new TreeSet<>(model.pins.keySet())) {
        if (!model.nodes.containsKey(id)) {
          continue;
        }
        for (KeyName key : model.pins.get(id).keySet()) {
          int steps = 0;
          for (Optional<String> a = model.parent(id); a.isPresent() && steps++ <= model.nodes.size();
              a = model.parent(a.get())) {
            if (model.pins.getOrDefault(a.get(), new TreeMap<>()).containsKey(key)) {
              refuse(place(id) + ".pins['" + key + "']", ErrorCode.KEY_PINNED_BELOW, key + " is pinned by cluster '"
                  + id + "' and by its ancestor '" + a.get() + "': on every path from the top to an instance a key"
                  + " has one owner; remove one of the two pins",
                  Map.of("key", key.toString(), "lockedBy", a.get(), "clusters", List.of(id)));
            }
          }
        }
      }
    }

    List<StateDiff.NodeChange> nodeChanges(boolean prune) {
      List<StateDiff.NodeChange> out = new ArrayList<>();
      for (String id : order) {
        Node after = model.nodes.get(id);
        String type = after instanceof Cluster ? "cluster" : "instance";
        Optional<String> parentAfter = model.parent(id);
        Node was = current.nodes.get(id);
        if (was == null) {
          out.add(new StateDiff.NodeChange(id, type, StateDiff.Action.CREATE, List.of(), Optional.empty(),
              parentAfter, true));
          continue;
        }
        Optional<String> parentBefore = current.parent(id);
        List<String> fields = fields(was, after);
        if (!parentBefore.equals(parentAfter)) {
          fields.add("parent");
        }
        if (!fields.isEmpty()) {
          StateDiff.Action action = fields.equals(List.of("parent")) ? StateDiff.Action.MOVE : StateDiff.Action.CHANGE;
          out.add(new StateDiff.NodeChange(id, type, action, fields, parentBefore, parentAfter, true));
        }
      }
      for (String id : absent) {
        String type = current.isCluster(id) ? "cluster" : "instance";
        out.add(new StateDiff.NodeChange(id, type, StateDiff.Action.REMOVE, List.of(), current.parent(id),
            Optional.empty(), prune));
      }
      return out;
    }

    private List<String> fields(Node was, Node now) {
      List<String> out = new ArrayList<>();
      if (!was.name().equals(now.name())) {
        out.add("name");
      }
      if (!was.description().equals(now.description())) {
        out.add("description");
      }
      if (!was.labels().equals(now.labels())) {
        out.add("labels");
      }
      if (was instanceof Instance a && now instanceof Instance b) {
        if (!a.endpoint().equals(b.endpoint())) {
          out.add("host");
        }
        if (!a.transport().equals(b.transport())) {
          out.add("transport");
        }
      }
      return out;
    }

    List<StateDiff.PinChange> pinChanges() {
      List<StateDiff.PinChange> out = new ArrayList<>();
      for (String id : order) {
        if (!model.isCluster(id)) {
          continue;
        }
        TreeMap<KeyName, Pin> was = current.pins.getOrDefault(id, new TreeMap<>());
        TreeMap<KeyName, Pin> now = model.pins.get(id);
        TreeSet<KeyName> keys = new TreeSet<>(was.keySet());
        keys.addAll(now.keySet());
        for (KeyName k : keys) {
          Pin a = was.get(k);
          Pin b = now.get(k);
          if (Objects.equals(a, b)) {
            continue;
          }
          out.add(new StateDiff.PinChange(id, k.toString(), b == null, Optional.ofNullable(a).map(StatePlanner::value),
              Optional.ofNullable(b).map(StatePlanner::value)));
        }
      }
      return out;
    }
  }

  private static StateDiff.PinValue value(Pin p) {
    return new StateDiff.PinValue(p.value(), p.meta());
  }
}

package io.clusterd.core.internal;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.Cascade;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.spi.NodeRecord;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Plans creating (with members), editing and deleting clusters (C4-C6 for members, C8). */
final class ClusterPlanner {
  private final Tree tree;
  private final ConflictRules rules;
  private final TreeSteps steps;
  private final Supplier<String> ids;

  ClusterPlanner(Tree tree, ConflictRules rules, TreeSteps steps, Supplier<String> ids) {
    this.tree = tree;
    this.rules = rules;
    this.steps = steps;
    this.ids = ids;
  }

  void create(Draft d, ClusterSpec spec, boolean force) {
    Cluster cluster;
    try {
      cluster = new Cluster(spec.id().orElseGet(() -> idFromName(spec.name())), spec.name(), spec.description(),
          spec.labels(), List.of());
    } catch (ClusterdException e) {
      d.refuse(e.conflicts());
      return;
    }
    String id = cluster.id();
    if (tree.contains(id)) {
      d.refuse(Refusals.idTaken(id));
      return;
    }
    Optional<String> parent = spec.parent();
    if (parent.isPresent() && !tree.isCluster(parent.get())) {
      d.refuse(Refusals.clusterMissing(parent.get()));
      return;
    }
    List<String> members = List.copyOf(new LinkedHashSet<>(spec.members()));
    Map<String, Set<KeyName>> dropped = new HashMap<>();
    for (String member : members) {
      if (!tree.contains(member)) {
        d.refuse(Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + member + "' to add as a member",
            Map.of("id", member)));
        continue;
      }
      // the new cluster has no pins: its chain of locks is its parent's
      dropped.put(member, steps.checkAttach(d, parent, member, force, true, id));
    }
    if (d.refused()) {
      return;
    }
    d.store().putNode(new NodeRecord(cluster, parent));
    d.history(id, "create-cluster", Optional.empty(), Optional.empty(), Optional.of(cluster.name()));
    d.edit(t -> t.add(cluster, parent));
    for (String member : members) {
      steps.dropPins(d, member, dropped.get(member));
      steps.place(d, member, Optional.of(id));
      d.history(member, "attach", Optional.empty(), Optional.empty(), Optional.of(id));
      steps.sendJoinPins(d, member, parent);
    }
    d.result(id);
  }

  /**
   * A readable id for a cluster created without one: the slug of its name ({@code "EU Web (2)"} is
   * {@code eu-web-2}), made unique with {@code -2}, {@code -3}, ... when taken; a name without any letter or digit
   * of ASCII gets an id from the configured supplier.
   */
  String idFromName(String name) {
    String slug = slug(name == null ? "" : name);
    if (slug.isEmpty()) {
      return ids.get();
    }
    if (!tree.contains(slug)) {
      return slug;
    }
    for (int n = 2; ; n++) {
      String suffix = "-" + n;
      String base = trimEnd(slug.substring(0, Math.min(slug.length(), MAX_ID - suffix.length())));
      if (!tree.contains(base + suffix)) {
        return base + suffix;
      }
    }
  }

  private static final int MAX_ID = 63;

  /** Lower-case ASCII letters and digits, accents dropped, every other run of characters one {@code -}. */
  static String slug(String name) {
    String plain = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "")
        .toLowerCase(Locale.ROOT);
    String s = plain.replaceAll("[^a-z0-9._]+", "-").replaceAll("^[^a-z0-9]+", "");
    return trimEnd(s.substring(0, Math.min(s.length(), MAX_ID)));
  }

  private static String trimEnd(String s) {
    return s.replaceAll("[-._]+$", "");
  }

  /** Edits a cluster's fields; {@code parentAfter} is where it is once the whole change is applied. */
  void update(Draft d, String id, NodeUpdate update, Optional<String> parentAfter) {
    Optional<Cluster> current = tree.cluster(id);
    if (current.isEmpty()) {
      d.refuse(Refusals.clusterMissing(id));
      return;
    }
    if (update.host().isPresent()) {
      d.refuse(Conflict.of(ErrorCode.INVALID_BODY, "a cluster has no host; 'host' applies to instances only",
          Map.of("field", "host")));
      return;
    }
    Cluster old = current.get();
    Cluster updated;
    try {
      updated = new Cluster(id, update.name().orElse(old.name()), update.description().orElse(old.description()),
          update.labels().orElse(old.labels()), List.of());
    } catch (ClusterdException e) {
      d.refuse(e.conflicts());
      return;
    }
    d.store().putNode(new NodeRecord(updated, parentAfter));
    d.history(id, "update-cluster", Optional.empty(), Optional.of(old.name()), Optional.of(updated.name()));
    d.edit(t -> t.replace(updated));
    d.result(id);
  }

  void delete(Draft d, String id, Cascade cascade) {
    if (!tree.isCluster(id)) {
      d.refuse(Refusals.clusterMissing(id));
      return;
    }
    if (cascade == Cascade.NONE && d.refuse(rules.c8NotEmpty(id))) {
      return;
    }
    for (String gone : cascade == Cascade.DELETE ? tree.subtreeIds(id) : List.of(id)) {
      tree.activeRollouts(gone).forEach(r -> d.refuse(Conflict.of(ErrorCode.ROLLOUT_IN_PROGRESS, "cluster '" + gone
          + "' has the unfinished rollout '" + r.id() + "' (" + r.state().label() + "): finish or abort it first",
          Map.of("cluster", gone, "rollout", r.id()))));
    }
    if (d.refused()) {
      return;
    }
    Optional<String> parent = tree.parentOf(id);
    List<String> children = tree.childrenOf(id);
    List<String> removed = cascade == Cascade.DELETE ? tree.subtreeIds(id) : List.of(id);
    if (cascade != Cascade.DELETE) {
      for (String child : children) {
        d.store().putNode(new NodeRecord(tree.node(child).orElseThrow(), parent));
      }
    }
    for (String r : removed) {
      d.store().deleteNode(r);
      if (tree.isCluster(r)) {
        for (Pin p : tree.pinsOf(r)) {
          d.store().deletePin(r, p.key());
        }
      }
    }
    Optional<String> how = Optional.of("cascade=" + cascade.name().toLowerCase(Locale.ROOT));
    d.history(id, "delete-cluster", Optional.empty(), Optional.of(tree.node(id).orElseThrow().name()), how);
    // every node the deletion moves or removes gets its own entry, so its per-node history tells why
    if (cascade == Cascade.DELETE) {
      for (String r : removed.subList(1, removed.size())) {
        Node gone = tree.node(r).orElseThrow();
        if (gone instanceof Instance i) {
          d.history(r, "unregister-instance", Optional.empty(), Optional.of(i.endpoint().toString()),
              Optional.empty());
          d.removes(r);
        } else {
          d.history(r, "delete-cluster", Optional.empty(), Optional.of(gone.name()), how);
        }
      }
    } else {
      for (String child : children) {
        d.history(child, parent.isEmpty() ? "detach" : "move", Optional.empty(), Optional.of(id), parent);
      }
    }
    d.edit(t -> {
      if (cascade != Cascade.DELETE) {
        for (String child : children) {
          t.relink(child, parent);
        }
      }
      for (int k = removed.size() - 1; k >= 0; k--) {
        t.remove(removed.get(k));
      }
    });
  }
}

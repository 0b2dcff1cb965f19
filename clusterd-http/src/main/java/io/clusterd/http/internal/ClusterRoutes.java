package io.clusterd.http.internal;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.Node;
import io.clusterd.core.Cascade;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.NodeUpdate;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster routes of docs/http-api.md: registry, membership, versions, drift and sync; key routes are
 * {@link KeyRoutes}.
 */
final class ClusterRoutes {
  /** {@code POST /api/clusters}. */
  record NewCluster(
      @Doc("a client-chosen id [a-z0-9][a-z0-9._-]{0,62}; when absent, the slug of the name, made unique with -2, -3")
      String id,
      @Doc(value = "display name, 1 to 200 characters", required = true) String name,
      @Doc("free text") String description,
      @Doc("string labels") Map<String, String> labels,
      @Doc("the id of the parent cluster; absent for a top-level cluster") String parent,
      @Doc("ids of instances without a parent to attach") List<String> instances,
      @Doc("ids of clusters without a parent to attach") List<String> clusters) { }

  /** {@code PUT /api/clusters/{id}}; {@code id} is accepted (a client sending back what it read) and not changed. */
  record ClusterEdit(
      @Doc("a new display name") String name,
      @Doc("a new description") String description,
      @Doc("new labels; null clears them") Map<String, String> labels,
      @Doc("moves the cluster under this cluster; null moves it to the top level") String parent,
      @Doc("accepted and ignored (a client sending back what it read)") String id) { }

  /** {@code POST /api/clusters/{id}/instances}; {@code move} takes it from its current parent. */
  record InstanceMember(
      @Doc(value = "the instance to attach", required = true) String instanceId,
      @Doc("true takes it from its current parent (a move)") Boolean move) { }

  /** {@code POST /api/clusters/{id}/clusters}; {@code move} takes it from its current parent. */
  record ClusterMember(
      @Doc(value = "the cluster to attach", required = true) String clusterId,
      @Doc("true takes it from its current parent (a move)") Boolean move) { }

  private static final String ONE = "/api/clusters/{id}";

  private final Clusterd clusterd;
  private final Nodes nodes;
  private final Changes changes;
  private final NodeEdits edits;
  private final Scopes scopes;

  ClusterRoutes(Clusterd clusterd, Nodes nodes, Changes changes, NodeEdits edits, Scopes scopes) {
    this.scopes = scopes;
    this.clusterd = clusterd;
    this.nodes = nodes;
    this.changes = changes;
    this.edits = edits;
  }

  void register(RouteTable r) {
    r.get("/api/clusters", "list clusters", this::list).answers(200, "Clusters");
    r.post("/api/clusters", "create a cluster (C4-C6 for its members)", this::create).body(NewCluster.class)
        .query("force").answers(201, "Cluster").dryRun();
    r.get(ONE, "read a cluster with its subtree", this::get).answers(200, "Cluster");
    r.put(ONE, "edit a cluster; parent moves it (C4, C6)", this::edit).body(ClusterEdit.class).query("force")
        .answers(200, "Cluster").dryRun();
    r.delete(ONE, "delete a cluster (C8)", this::delete).query("cascade").answers(200, "Deleted").dryRun();
    r.get(ONE + "/pins", "own and inherited pins with the locking cluster", this::pins)
        .answers(200, "EffectivePins");
    r.get(ONE + "/instances", "member instances", this::memberInstances).answers(200, "Instances");
    r.post(ONE + "/instances", "attach an instance (C5, C6)", this::attachInstance).body(InstanceMember.class)
        .query("force").answers(200, "Attached").dryRun();
    r.delete(ONE + "/instances/{child}", "detach an instance", this::detachInstance).answers(200, "Detached")
        .dryRun();
    r.get(ONE + "/clusters", "sub-clusters", this::memberClusters).answers(200, "Clusters");
    r.post(ONE + "/clusters", "attach a cluster (C4, C5, C6)", this::attachCluster).body(ClusterMember.class)
        .query("force").answers(200, "Attached").dryRun();
    r.delete(ONE + "/clusters/{child}", "detach a cluster", this::detachCluster).answers(200, "Detached").dryRun();
    r.get(ONE + "/version", "versions of all instances below", this::versions).answers(200, "Versions");
    r.get(ONE + "/drift", "drifted keys per instance below", this::drift).answers(200, "Drift");
    r.post(ONE + "/sync", "re-apply effective pins below", this::sync).fanOut().dryRun();
  }

  private void list(Context ctx) {
    Answers.json(ctx, clusterd.clusters().stream().filter(c -> scopes.visible(ctx, c.id()))
        .map(c -> nodes.cluster(clusterd.cluster(c.id()), false)).toList());
  }

  private void create(Context ctx) {
    NewCluster b = Bodies.bind(ctx, NewCluster.class).value();
    scopes.requireDestination(ctx, Optional.ofNullable(b.parent()), "the new cluster");
    for (List<String> ids : java.util.Arrays.asList(b.instances(), b.clusters())) {
      (ids == null ? List.<String>of() : ids).forEach(id -> scopes.require(ctx, id));
    }
    if (b.name() == null || b.name().isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name is missing: give a display name of 1 to 200 characters");
    }
    List<String> members = new ArrayList<>();
    members.addAll(members(b.instances(), "instances", true));
    members.addAll(members(b.clusters(), "clusters", false));
    ClusterSpec spec = new ClusterSpec(Optional.ofNullable(b.id()), b.name(), b.description(), b.labels(),
        Optional.ofNullable(b.parent()), members);
    changes.answer(ctx, new Change.CreateCluster(spec, Params.force(ctx)), 201, res -> {
      Map<String, Object> body = nodes.cluster((Cluster) res.node().orElseThrow(), spec.parent().orElse(null), true);
      body.put("fanOut", Json.fanOut(res.fanOut()));
      return body;
    });
  }

  /**
   * The ids listed in a field of a new cluster; an existing node of the other kind is refused (missing ones are the
   * core's to report, also in a dry run).
   */
  private List<String> members(List<String> ids, String field, boolean instances) {
    for (String id : ids == null ? List.<String>of() : ids) {
      clusterd.node(id).filter(n -> (n instanceof Instance) != instances).ifPresent(n -> {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + id + "' is " + (instances ? "a cluster" : "an instance")
            + ": list it under '" + (instances ? "clusters" : "instances") + "'", Map.of("id", id, "field", field));
      });
    }
    return ids == null ? List.of() : ids;
  }

  private void get(Context ctx) {
    Answers.json(ctx, nodes.cluster(clusterd.cluster(Params.path(ctx, "id")), true));
  }

  private void edit(Context ctx) {
    String id = nodes.clusterId(ctx);
    Bodies.Bound<ClusterEdit> bound = Bodies.bind(ctx, ClusterEdit.class);
    ClusterEdit b = bound.value();
    if (bound.has("parent")) {
      scopes.requireDestination(ctx, Optional.ofNullable(b.parent()), "cluster '" + id + "'");
    }
    NodeUpdate u = NodeEdits.update(bound, b.name(), b.description(), b.labels(), null);
    edits.edit(ctx, id, bound, b.parent(), u,
        () -> nodes.cluster(clusterd.cluster(id), true));
  }

  private void delete(Context ctx) {
    String cascade = Optional.ofNullable(ctx.queryParam("cascade")).orElse("");
    Cascade mode = switch (cascade) {
      case "" -> Cascade.NONE;
      case "detach" -> Cascade.DETACH;
      case "delete" -> Cascade.DELETE;
      default -> throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "cascade must be 'detach' or 'delete', not '" + cascade + "'", Map.of("cascade", cascade));
    };
    String id = nodes.clusterId(ctx);
    if (mode == Cascade.DETACH && !clusterd.cluster(id).children().isEmpty()) {
      scopes.requireDestination(ctx, clusterd.parentOf(id), "the children of '" + id + "'");
    }
    changes.answer(ctx, new Change.DeleteCluster(id, mode), res -> Map.of("deleted", id));
  }

  private void pins(Context ctx) {
    Answers.json(ctx, clusterd.effectivePins(nodes.clusterId(ctx)).stream().map(Json::effectivePin).toList());
  }

  private void memberInstances(Context ctx) {
    Answers.json(ctx, members(ctx, true));
  }

  private void memberClusters(Context ctx) {
    Answers.json(ctx, members(ctx, false));
  }

  private List<Map<String, Object>> members(Context ctx, boolean instances) {
    Cluster c = clusterd.cluster(Params.path(ctx, "id"));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Node n : c.children()) {
      if (instances && n instanceof Instance i) {
        out.add(nodes.instance(i, c.id()));
      } else if (!instances && n instanceof Cluster sub) {
        out.add(nodes.cluster(sub, c.id(), false));
      }
    }
    return out;
  }

  private void attachInstance(Context ctx) {
    String parent = nodes.clusterId(ctx);
    InstanceMember b = Bodies.bind(ctx, InstanceMember.class).value();
    attach(ctx, parent, b.instanceId(), "instanceId", Boolean.TRUE.equals(b.move()));
  }

  private void attachCluster(Context ctx) {
    String parent = nodes.clusterId(ctx);
    ClusterMember b = Bodies.bind(ctx, ClusterMember.class).value();
    attach(ctx, parent, b.clusterId(), "clusterId", Boolean.TRUE.equals(b.move()));
  }

  private void attach(Context ctx, String parent, String child, String field, boolean move) {
    boolean wantInstance = field.equals("instanceId");
    if (child == null || child.isBlank()) {
      throw ClusterdException.of(wantInstance ? ErrorCode.INSTANCE_ID_MISSING : ErrorCode.INVALID_BODY,
          "the body must name the member as {\"" + field + "\": \"...\"}", Map.of("field", field));
    }
    scopes.require(ctx, child);
    boolean isInstance = clusterd.node(child).map(n -> n instanceof Instance).orElse(wantInstance);
    if (wantInstance != isInstance) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + child + "' is not " + (isInstance ? "a cluster" : "an instance")
          + ": use /" + (isInstance ? "instances" : "clusters") + " to attach it", Map.of("id", child));
    }
    if (clusterd.node(child).isEmpty()) {
      throw ClusterdException.of(isInstance ? ErrorCode.INSTANCE_NOT_FOUND : ErrorCode.CLUSTER_NOT_FOUND,
          "no " + (isInstance ? "instance" : "cluster") + " with id '" + child + "'", Map.of("id", child));
    }
    Change c = move ? new Change.Move(child, Optional.of(parent), Params.force(ctx))
        : new Change.Attach(parent, child, Params.force(ctx));
    changes.answer(ctx, c, res -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("cluster", parent);
      body.put("attached", child);
      body.put("fanOut", Json.fanOut(res.fanOut()));
      return body;
    });
  }

  private void detachInstance(Context ctx) {
    detach(ctx, true);
  }

  private void detachCluster(Context ctx) {
    detach(ctx, false);
  }

  private void detach(Context ctx, boolean instance) {
    String parent = nodes.clusterId(ctx);
    String child = Params.path(ctx, "child");
    clusterd.node(child).filter(n -> (n instanceof Instance) != instance).ifPresent(n -> {
      String kind = instance ? "instances" : "clusters";
      String other = instance ? "clusters" : "instances";
      throw ClusterdException.of(instance ? ErrorCode.INSTANCE_NOT_FOUND : ErrorCode.CLUSTER_NOT_FOUND,
          "'" + child + "' is not one of the " + kind + ": detach it with DELETE /api/clusters/" + parent + "/" + other
              + "/" + child, Map.of("id", child));
    });
    changes.answer(ctx, new Change.Detach(parent, child), res -> Map.of("cluster", parent, "detached", child));
  }

  private void versions(Context ctx) {
    Answers.later(ctx, clusterd.versions(nodes.clusterId(ctx)).thenApply(m -> {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((id, v) -> out.put(id, Json.version(v)));
      return out;
    }));
  }

  private void drift(Context ctx) {
    Answers.later(ctx, clusterd.drift(nodes.clusterId(ctx)).thenApply(m -> {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((id, list) -> out.put(id, list.stream().map(Json::drift).toList()));
      return Map.of("drift", out);
    }));
  }

  private void sync(Context ctx) {
    changes.sync(ctx, nodes.clusterId(ctx));
  }
}

package io.clusterd.http.internal;

import io.clusterd.Cluster;
import io.clusterd.Instance;
import io.clusterd.InstanceState;
import io.clusterd.Node;
import io.clusterd.core.Clusterd;
import io.clusterd.http.ServerConfig;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The node a request names ({@code my} stands for the daemon's own instance when it has one) and the JSON views of
 * nodes with their parent and status, shared by the instance, cluster and daemon routes.
 */
final class Nodes {
  private final Clusterd clusterd;
  private final ServerConfig config;

  Nodes(Clusterd clusterd, ServerConfig config) {
    this.clusterd = clusterd;
    this.config = config;
  }

  /** The id of the instance in the path; unknown ones answer 404. */
  String instanceId(Context ctx) {
    String id = Params.path(ctx, "id");
    if (id.equals("my") && config.myInstance().isPresent()) {
      return config.myInstance().get();
    }
    clusterd.instance(id);
    return id;
  }

  /** The id of the cluster in the path; unknown ones answer 404. */
  String clusterId(Context ctx) {
    String id = Params.path(ctx, "id");
    clusterd.cluster(id);
    return id;
  }

  Map<String, Object> instance(Instance i) {
    return Json.instance(i, clusterd.parentOf(i.id()).orElse(null), state(i));
  }

  Map<String, Object> instance(Instance i, String parent) {
    return Json.instance(i, parent, state(i));
  }

  Map<String, Object> cluster(Cluster c, boolean deep) {
    return Json.cluster(c, clusterd.parentOf(c.id()).orElse(null), deep, this::state);
  }

  Map<String, Object> cluster(Cluster c, String parent, boolean deep) {
    return Json.cluster(c, parent, deep, this::state);
  }

  Map<String, Object> topLevel(Node n) {
    return Json.node(n, null, this::state);
  }

  InstanceState state(Instance i) {
    return clusterd.status(i.id());
  }
}

package io.clusterd.http.internal;

import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the daemon says about itself: version, health, the API description, metrics and the whole forest. */
final class DaemonRoutes {
  private final Clusterd clusterd;
  private final Nodes nodes;
  private final Metrics metrics;
  private final List<ApiRoutes.Route> routes;
  private final String version;
  private final Scopes scopes;

  DaemonRoutes(Clusterd clusterd, Nodes nodes, Metrics metrics, List<ApiRoutes.Route> routes, String version,
      Scopes scopes) {
    this.scopes = scopes;
    this.clusterd = clusterd;
    this.nodes = nodes;
    this.metrics = metrics;
    this.routes = routes;
    this.version = version;
  }

  void register(RouteTable r) {
    r.get("/api/version", "daemon and API version", this::version).answers(200, "DaemonVersion");
    r.get("/api/openapi.json", "this description of the API", this::openApi).answers(200, "OpenApiDocument");
    r.get("/metrics", "metrics in Prometheus text format", this::metrics).answers(200, "PrometheusText");
    r.get("/api/health", "liveness and store status", this::health).answers(200, "Health").answers(503, "Health");
    r.get("/api/tree", "the whole forest with instance status", this::tree).answers(200, "Tree");
  }

  private void version(Context ctx) {
    Answers.json(ctx, Map.of("api", 2, "clusterd", version));
  }

  private void openApi(Context ctx) {
    String host = ctx.host();
    if (host == null || host.isBlank()) {
      // HTTP/2 names the server in the :authority pseudo-header, which the request URL is built from
      host = java.net.URI.create(ctx.url()).getRawAuthority();
    }
    Answers.json(ctx, OpenApi.document(routes, version, host == null || host.isBlank() ? "/" : ctx.scheme() + "://" + host));
  }

  private void metrics(Context ctx) {
    ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape());
  }

  /** 200 with {@code "status": "ok"}, or 503 with {@code "failing"} and the reason when the store cannot be read. */
  private void health(Context ctx) {
    String store = "ok";
    try {
      clusterd.history(Optional.empty(), Long.MAX_VALUE, 1);
    } catch (RuntimeException e) {
      store = "failing: " + e.getMessage();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", store.equals("ok") ? "ok" : "failing");
    body.put("store", store);
    body.put("instances", clusterd.instances().size());
    body.put("clusters", clusterd.clusters().size());
    MemberRoutes.health(clusterd).ifPresent(cluster -> body.put("cluster", cluster));
    Answers.json(ctx, store.equals("ok") ? 200 : 503, body);
  }

  private void tree(Context ctx) {
    if (Scopes.scoped(ctx).isEmpty()) {
      Answers.json(ctx, Map.of("tree", clusterd.forest().stream().map(nodes::topLevel).toList()));
      return;
    }
    // a scoped token's forest: its scope clusters (those not below another of its scopes) with their subtrees
    List<Map<String, Object>> roots = new java.util.ArrayList<>();
    for (io.clusterd.Cluster c : clusterd.clusters()) {
      if (scopes.visible(ctx, c.id()) && clusterd.parentOf(c.id()).map(p -> !scopes.visible(ctx, p)).orElse(true)) {
        roots.add(nodes.cluster(clusterd.cluster(c.id()), true));
      }
    }
    Answers.json(ctx, Map.of("tree", roots));
  }
}

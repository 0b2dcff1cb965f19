package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.FanOutResult;
import io.clusterd.Instance;
import io.clusterd.InstanceState;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.Node;
import io.clusterd.core.Cascade;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.core.Plan;
import io.clusterd.http.ServerConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The REST API: each handler parses the request, calls the {@link Clusterd} facade and writes its answer. No
 * behaviour lives here beyond protocol mapping; errors become {@code {"error": ...}} bodies in {@link #fail}.
 */
public final class ApiRoutes {
  /** Route paths registered, for the OpenAPI description and its test. */
  public record Route(String method, String path, String summary) { }

  private final Clusterd clusterd;
  private final ServerConfig config;
  private final Auth auth;
  private final String version;
  private final Metrics metrics;
  private final List<Route> routes = new ArrayList<>();
  private static final int INLINE_WAITS = 32;
  private final java.util.concurrent.Semaphore inlineWaits = new java.util.concurrent.Semaphore(INLINE_WAITS);

  public ApiRoutes(Clusterd clusterd, ServerConfig config, Auth auth, Metrics metrics, String version) {
    this.clusterd = clusterd;
    this.config = config;
    this.auth = auth;
    this.metrics = metrics;
    this.version = version;
  }

  public List<Route> routes() {
    return List.copyOf(routes);
  }

  public void register(RoutesConfig r) {
    get(r, "/api/version", "daemon and API version", this::version);
    get(r, "/api/openapi.json", "this description of the API", ctx -> ok(ctx, OpenApi.document(routes, version)));
    get(r, "/metrics", "metrics in Prometheus text format", ctx -> ctx.contentType("text/plain; version=0.0.4")
        .result(metrics.scrape()));
    get(r, "/api/health", "liveness and store status", this::health);
    get(r, "/api/tree", "the whole forest with instance status", ctx -> ok(ctx, Map.of("tree",
        clusterd.forest().stream().map(n -> Json.node(n, null, this::state)).toList())));
    post(r, "/api/session", "sign in with a token (sets a session cookie)", this::signIn);
    delete(r, "/api/session", "sign out", this::signOut);
    get(r, "/api/history", "change history, newest first", this::history);

    get(r, "/api/instances", "list instances", ctx -> ok(ctx, clusterd.instances().stream()
        .map(i -> Json.instance(i, clusterd.parentOf(i.id()).orElse(null), state(i))).toList()));
    post(r, "/api/instances", "register an instance", this::registerInstance);
    post(r, "/api/register", "an instance registers itself with the apikey", this::selfRegister);
    get(r, "/api/instances/{id}", "read an instance", this::getInstance);
    put(r, "/api/instances/{id}", "edit an instance", this::updateInstance);
    delete(r, "/api/instances/{id}", "unregister an instance", ctx -> change(ctx,
        new Change.UnregisterInstance(ctx.pathParam("id")), res -> Map.of("deleted", ctx.pathParam("id"))));
    get(r, "/api/instances/{id}/version", "forwarded version", ctx -> async(ctx,
        clusterd.version(instanceId(ctx)).thenApply(Json::version)));
    get(r, "/api/instances/{id}/status", "synchronization status", ctx -> ok(ctx, status(instanceId(ctx))));
    get(r, "/api/instances/{id}/pins", "effective pins with the locking cluster", ctx -> ok(ctx,
        clusterd.effectivePins(instanceId(ctx)).stream().map(Json::effectivePin).toList()));
    get(r, "/api/instances/{id}/kdb", "lookup the root", ctx -> instanceLookup(ctx, "kdb"));
    get(r, "/api/instances/{id}/kdb/<path>", "lookup a key (locked keys marked)", ctx -> instanceLookup(ctx, "kdb"));
    keyWrites(r, "/api/instances/{id}", "on the instance (C1)", this::instanceWrite);
    get(r, "/api/instances/{id}/kdbFind/<path>", "forwarded find", ctx -> async(ctx,
        clusterd.find(instanceId(ctx), rest(ctx, "kdbFind")).thenApply(l -> l)));

    get(r, "/api/clusters", "list clusters", ctx -> ok(ctx, clusterd.clusters().stream()
        .map(c -> Json.cluster(clusterd.cluster(c.id()), clusterd.parentOf(c.id()).orElse(null), false,
            this::state)).toList()));
    post(r, "/api/clusters", "create a cluster", this::createCluster);
    get(r, "/api/clusters/{id}", "read a cluster with its subtree", ctx -> {
      Cluster c = clusterd.cluster(ctx.pathParam("id"));
      ok(ctx, Json.cluster(c, clusterd.parentOf(c.id()).orElse(null), true, this::state));
    });
    put(r, "/api/clusters/{id}", "edit a cluster; parent moves it", this::updateCluster);
    delete(r, "/api/clusters/{id}", "delete a cluster (C8)", this::deleteCluster);
    get(r, "/api/clusters/{id}/pins", "own and inherited pins with the locking cluster", ctx -> ok(ctx,
        clusterd.effectivePins(clusterId(ctx)).stream().map(Json::effectivePin).toList()));
    get(r, "/api/clusters/{id}/instances", "member instances", ctx -> ok(ctx, members(ctx, true)));
    post(r, "/api/clusters/{id}/instances", "attach an instance (C5, C6)", ctx -> attach(ctx, "instanceId"));
    delete(r, "/api/clusters/{id}/instances/{child}", "detach an instance", ctx -> detach(ctx, true));
    get(r, "/api/clusters/{id}/clusters", "sub-clusters", ctx -> ok(ctx, members(ctx, false)));
    post(r, "/api/clusters/{id}/clusters", "attach a cluster (C4, C5, C6)", ctx -> attach(ctx, "clusterId"));
    delete(r, "/api/clusters/{id}/clusters/{child}", "detach a cluster", ctx -> detach(ctx, false));
    get(r, "/api/clusters/{id}/version", "versions of all instances below", ctx -> async(ctx,
        clusterd.versions(clusterId(ctx)).thenApply(m -> {
          Map<String, Object> out = new LinkedHashMap<>();
          m.forEach((id, v) -> out.put(id, Json.version(v)));
          return out;
        })));
    get(r, "/api/clusters/{id}/kdb", "the cluster's pins from the root", ctx -> clusterLookup(ctx));
    get(r, "/api/clusters/{id}/kdb/<path>", "the cluster's pins in lookup shape", ctx -> clusterLookup(ctx));
    keyWrites(r, "/api/clusters/{id}", "as pins, fanned out (C2, C3)", this::clusterWrite);
    get(r, "/api/clusters/{id}/drift", "drifted keys per instance below", ctx -> async(ctx,
        clusterd.drift(clusterId(ctx)).thenApply(m -> {
          Map<String, Object> out = new LinkedHashMap<>();
          m.forEach((id, list) -> out.put(id, list.stream().map(Json::drift).toList()));
          return Map.of("drift", out);
        })));
    post(r, "/api/clusters/{id}/sync", "re-apply effective pins below", ctx -> {
      Change c = new Change.Sync(clusterId(ctx));
      if (dryRun(ctx)) {
        ok(ctx, Json.plan(clusterd.plan(c)));
        return;
      }
      fanOutAnswer(ctx, clusterd.apply(c, actor(ctx)));
    });
  }

  // ------------------------------------------------------------------------------------------ registration helpers

  /** The key-writing routes, the same for instances and clusters: set, delete, move, copy, metadata. */
  private void keyWrites(RoutesConfig r, String node, String how,
      java.util.function.BiConsumer<Context, KeyOperation> write) {
    put(r, node + "/kdb/<path>", "set a value " + how, ctx -> write.accept(ctx,
        KeyOperation.set(key(ctx, "kdb"), value(ctx))));
    delete(r, node + "/kdb/<path>", "delete recursively " + how, ctx -> write.accept(ctx,
        KeyOperation.delete(key(ctx, "kdb"))));
    post(r, node + "/kdbMv/<path>", "move a key and its subtree " + how, ctx -> write.accept(ctx,
        KeyOperation.move(key(ctx, "kdbMv"), target(ctx))));
    post(r, node + "/kdbCp/<path>", "copy a key and its subtree " + how, ctx -> write.accept(ctx,
        KeyOperation.copy(key(ctx, "kdbCp"), target(ctx))));
    post(r, node + "/kdbMeta/<path>", "set metadata " + how, ctx -> write.accept(ctx, metaSet(ctx)));
    delete(r, node + "/kdbMeta/<path>", "remove metadata " + how, ctx -> write.accept(ctx, metaDelete(ctx)));
  }

  private void get(RoutesConfig r, String path, String summary, Handler h) {
    routes.add(new Route("GET", path, summary));
    r.get(path, h);
  }

  private void post(RoutesConfig r, String path, String summary, Handler h) {
    routes.add(new Route("POST", path, summary));
    r.post(path, h);
  }

  private void put(RoutesConfig r, String path, String summary, Handler h) {
    routes.add(new Route("PUT", path, summary));
    r.put(path, h);
  }

  private void delete(RoutesConfig r, String path, String summary, Handler h) {
    routes.add(new Route("DELETE", path, summary));
    r.delete(path, h);
  }

  // ------------------------------------------------------------------------------------------ handlers

  private void version(Context ctx) {
    ok(ctx, Map.of("api", 2, "clusterd", version));
  }

  private void signIn(Context ctx) {
    String secret = null;
    String ct = Optional.ofNullable(ctx.contentType()).orElse("");
    if (ct.startsWith("application/json")) {
      JsonNode body = Json.object(ctx.bodyAsBytes());
      secret = body.path("token").asText(null);
    } else {
      secret = ctx.body().strip();
    }
    if (secret == null || secret.isEmpty()) {
      throw ClusterdException.of(ErrorCode.NEED_AUTHENTICATION, "send the token as {\"token\": \"...\"}");
    }
    Auth.Principal p = auth.bySecret(secret).orElseThrow(() -> ClusterdException.of(ErrorCode.NEED_AUTHENTICATION,
        "the token is not valid"));
    String session = auth.openSession(p);
    ctx.header("Set-Cookie", "clusterd_session=" + session + "; Path=/; HttpOnly; SameSite=Strict");
    ok(ctx, Map.of("name", p.name(), "role", p.role().name().toLowerCase(Locale.ROOT)));
  }

  private void signOut(Context ctx) {
    auth.closeSession(ctx.cookie("clusterd_session"));
    ctx.header("Set-Cookie", "clusterd_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    ok(ctx, Map.of("signedOut", true));
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
    ctx.status(store.equals("ok") ? 200 : 503);
    write(ctx, body);
  }

  private void history(Context ctx) {
    Optional<String> node = Optional.ofNullable(ctx.queryParam("node")).filter(s -> !s.isEmpty());
    int limit = intParam(ctx, "limit", 50, 1, 1000);
    long before = ctx.queryParam("before") == null ? Long.MAX_VALUE : intParam(ctx, "before", 0, 0, Integer.MAX_VALUE);
    ok(ctx, Map.of("history", clusterd.history(node, before, limit).stream().map(Json::history).toList()));
  }

  private void registerInstance(Context ctx) {
    JsonNode b = Json.object(bodyJson(ctx));
    InstanceSpec spec = instanceSpec(b);
    config.checkEndpointAllowed(spec.host().isBlank() ? missingHost() : spec.host());
    Change c = new Change.RegisterInstance(spec);
    if (dryRun(ctx)) {
      ok(ctx, Json.plan(clusterd.plan(c)));
      return;
    }
    ChangeResult res = clusterd.apply(c, actor(ctx)).join();
    Instance i = (Instance) res.node().orElseThrow();
    ctx.status(201);
    write(ctx, Json.instance(i, null, state(i)));
  }

  private static String missingHost() {
    throw ClusterdException.of(ErrorCode.HOST_MISSING,
        "the instance host is missing: give its endpoint URI, e.g. http://10.0.0.5:33333");
  }

  private void selfRegister(Context ctx) {
    auth.checkRegisterKey(ctx.queryParam("apikey"));
    registerInstance(ctx);
  }

  private InstanceSpec instanceSpec(JsonNode b) {
    String name = text(b, "name");
    if (name == null || name.isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name is missing: give a display name of 1 to 200 characters");
    }
    String host = text(b, "host");
    if (host == null || host.isBlank()) {
      missingHost();
    }
    return new InstanceSpec(Optional.ofNullable(text(b, "id")), name, host, text(b, "description"), labels(b),
        text(b, "visibility"), Optional.ofNullable(text(b, "transport")));
  }

  private void getInstance(Context ctx) {
    String id = ctx.pathParam("id");
    if (id.equals("my") && config.myInstance().isPresent()) {
      id = config.myInstance().get();
    }
    Instance i = clusterd.instance(id);
    ok(ctx, Json.instance(i, clusterd.parentOf(i.id()).orElse(null), state(i)));
  }

  private void updateInstance(Context ctx) {
    String id = instanceId(ctx);
    JsonNode b = Json.object(bodyJson(ctx));
    NodeUpdate u = update(b);
    u.host().ifPresent(config::checkEndpointAllowed);
    runAll(ctx, edits(ctx, id, b, u, new Change.UpdateInstance(id, u)), () -> {
      Instance i = clusterd.instance(id);
      return Json.instance(i, clusterd.parentOf(id).orElse(null), state(i));
    });
  }

  /**
   * The changes a PUT on a node asks for: a move when {@code parent} is given and differs ({@code null} = to the
   * top level), then the edit of its own fields when any is given.
   */
  private List<Change> edits(Context ctx, String id, JsonNode b, NodeUpdate u, Change update) {
    List<Change> changes = new ArrayList<>();
    if (b.has("parent")) {
      Optional<String> parent = b.get("parent").isNull() ? Optional.empty() : Optional.of(b.get("parent").asText());
      if (!parent.equals(clusterd.parentOf(id))) {
        changes.add(new Change.Move(id, parent, force(ctx)));
      }
    }
    if (u.name().isPresent() || u.description().isPresent() || u.labels().isPresent() || u.host().isPresent()) {
      changes.add(update);
    }
    return changes;
  }

  private void createCluster(Context ctx) {
    JsonNode b = Json.object(bodyJson(ctx));
    String name = text(b, "name");
    if (name == null || name.isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name is missing: give a display name of 1 to 200 characters");
    }
    List<String> members = new ArrayList<>();
    members.addAll(members(b, "instances", true));
    members.addAll(members(b, "clusters", false));
    ClusterSpec spec = new ClusterSpec(Optional.ofNullable(text(b, "id")), name, text(b, "description"), labels(b),
        Optional.ofNullable(text(b, "parent")), members);
    Change c = new Change.CreateCluster(spec, force(ctx));
    if (dryRun(ctx)) {
      ok(ctx, Json.plan(clusterd.plan(c)));
      return;
    }
    ChangeResult res = clusterd.apply(c, actor(ctx)).join();
    Cluster cl = (Cluster) res.node().orElseThrow();
    ctx.status(201);
    Map<String, Object> body = Json.cluster(cl, spec.parent().orElse(null), true, this::state);
    body.put("fanOut", Json.fanOut(res.fanOut()));
    write(ctx, body);
  }

  /**
   * The ids listed in a field of a new cluster; an existing node of the other kind is refused (missing ones are the
   * core's to report, also in a dry run).
   */
  private List<String> members(JsonNode b, String field, boolean instances) {
    List<String> ids = strings(b, field);
    for (String id : ids) {
      clusterd.node(id).filter(n -> (n instanceof Instance) != instances).ifPresent(n -> {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + id + "' is " + (instances ? "a cluster" : "an instance")
            + ": list it under '" + (instances ? "clusters" : "instances") + "'", Map.of("id", id, "field", field));
      });
    }
    return ids;
  }

  private void updateCluster(Context ctx) {
    String id = clusterId(ctx);
    JsonNode b = Json.object(bodyJson(ctx));
    NodeUpdate u = update(b);
    runAll(ctx, edits(ctx, id, b, u, new Change.UpdateCluster(id, u)), () -> {
      Cluster c = clusterd.cluster(id);
      return Json.cluster(c, clusterd.parentOf(id).orElse(null), true, this::state);
    });
  }

  private void deleteCluster(Context ctx) {
    String cascade = Optional.ofNullable(ctx.queryParam("cascade")).orElse("");
    Cascade mode = switch (cascade) {
      case "" -> Cascade.NONE;
      case "detach" -> Cascade.DETACH;
      case "delete" -> Cascade.DELETE;
      default -> throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "cascade must be 'detach' or 'delete', not '" + cascade + "'", Map.of("cascade", cascade));
    };
    String id = clusterId(ctx);
    change(ctx, new Change.DeleteCluster(id, mode), res -> Map.of("deleted", id));
  }

  private List<Map<String, Object>> members(Context ctx, boolean instances) {
    Cluster c = clusterd.cluster(ctx.pathParam("id"));
    List<Map<String, Object>> out = new ArrayList<>();
    for (Node n : c.children()) {
      if (instances && n instanceof Instance i) {
        out.add(Json.instance(i, c.id(), state(i)));
      } else if (!instances && n instanceof Cluster sub) {
        out.add(Json.cluster(sub, c.id(), false, this::state));
      }
    }
    return out;
  }

  private void attach(Context ctx, String field) {
    String parent = clusterId(ctx);
    JsonNode b = Json.object(bodyJson(ctx));
    String child = text(b, field);
    if (child == null || child.isBlank()) {
      throw ClusterdException.of(field.equals("instanceId") ? ErrorCode.INSTANCE_ID_MISSING : ErrorCode.INVALID_BODY,
          "the body must name the member as {\"" + field + "\": \"...\"}", Map.of("field", field));
    }
    boolean isInstance = clusterd.node(child).map(n -> n instanceof Instance).orElse(field.equals("instanceId"));
    if (field.equals("instanceId") != isInstance) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + child + "' is not " + (isInstance ? "a cluster" : "an instance")
          + ": use /" + (isInstance ? "instances" : "clusters") + " to attach it", Map.of("id", child));
    }
    if (!clusterd.node(child).isPresent()) {
      throw ClusterdException.of(isInstance ? ErrorCode.INSTANCE_NOT_FOUND : ErrorCode.CLUSTER_NOT_FOUND,
          "no " + (isInstance ? "instance" : "cluster") + " with id '" + child + "'", Map.of("id", child));
    }
    boolean move = b.path("move").asBoolean(false);
    Change c = move ? new Change.Move(child, Optional.of(parent), force(ctx)) : new Change.Attach(parent, child, force(ctx));
    change(ctx, c, res -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("cluster", parent);
      body.put("attached", child);
      body.put("fanOut", Json.fanOut(res.fanOut()));
      return body;
    });
  }

  private void detach(Context ctx, boolean instance) {
    String parent = clusterId(ctx);
    String child = ctx.pathParam("child");
    clusterd.node(child).filter(n -> (n instanceof Instance) != instance).ifPresent(n -> {
      String kind = instance ? "instances" : "clusters";
      String other = instance ? "clusters" : "instances";
      throw ClusterdException.of(instance ? ErrorCode.INSTANCE_NOT_FOUND : ErrorCode.CLUSTER_NOT_FOUND,
          "'" + child + "' is not one of the " + kind + ": detach it with DELETE /api/clusters/" + parent + "/" + other
              + "/" + child, Map.of("id", child));
    });
    change(ctx, new Change.Detach(parent, child), res -> Map.of("cluster", parent, "detached", child));
  }

  private void instanceLookup(Context ctx, String route) {
    String id = instanceId(ctx);
    KeyName key = keyOrRoot(ctx, route);
    int preload = intParam(ctx, "preload", 0, 0, 9);
    async(ctx, clusterd.lookupWithLocks(id, key, preload).thenApply(l -> {
      Map<String, Object> body = Json.lookup(l.result());
      body.put("locks", l.locks());
      String own = l.locks().get(key.toString());
      if (own != null) {
        body.put("lockedBy", own);
      }
      return body;
    }));
  }

  private void clusterLookup(Context ctx) {
    String id = clusterId(ctx);
    KeyName key = keyOrRoot(ctx, "kdb");
    var pins = clusterd.pins(id);
    List<String> ls = new ArrayList<>();
    Map<String, Object> self = null;
    List<Map<String, Object>> children = new ArrayList<>();
    for (var p : pins) {
      if (p.key().isListedBy(key)) {
        ls.add(p.key().toString());
      }
      if (p.key().equals(key)) {
        self = Json.pin(p);
      } else if (p.key().isDirectlyBelow(key)) {
        children.add(Json.lookup(new LookupResult(true, p.key().baseName(), p.key().toString(), List.of(p.key().toString()),
            p.value(), p.meta(), List.of())));
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("exists", self != null);
    body.put("name", key.baseName());
    body.put("path", key.toString());
    body.put("ls", ls);
    if (self != null && !((String) self.get("value")).isEmpty()) {
      body.put("value", self.get("value"));
    }
    if (self != null && !((Map<?, ?>) self.get("meta")).isEmpty()) {
      body.put("meta", self.get("meta"));
    }
    if (!children.isEmpty()) {
      body.put("children", children);
    }
    body.put("pins", pins.stream().filter(p -> p.key().isListedBy(key)).map(Json::pin).toList());
    if ("true".equals(ctx.queryParam("members"))) {
      Map<String, CompletableFuture<Object>> actual = new LinkedHashMap<>();
      for (Instance i : clusterd.targets(id)) {
        actual.put(i.id(), clusterd.lookup(i.id(), key, 0).<Object>thenApply(r -> r.exists() ? r.value() : null)
            .exceptionally(t -> Map.of("error", unwrap(t).getMessage())));
      }
      async(ctx, CompletableFuture.allOf(actual.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
        Map<String, Object> members = new LinkedHashMap<>();
        actual.forEach((iid, f) -> members.put(iid, f.join()));
        body.put("members", members);
        return body;
      }));
      return;
    }
    ok(ctx, body);
  }

  private void instanceWrite(Context ctx, KeyOperation op) {
    Change c = new Change.WriteInstance(instanceId(ctx), op);
    if (dryRun(ctx)) {
      ok(ctx, Json.plan(clusterd.plan(c)));
      return;
    }
    CompletableFuture<ChangeResult> f = clusterd.apply(c, actor(ctx));
    ctx.future(() -> f.thenAccept(res -> {
      var o = res.fanOut().results().get(0);
      if (o.succeeded()) {
        write(ctx, Map.of("ok", true, "instance", o.instance(), "operation", Json.operation(op),
            "latencyMs", o.latencyMs()));
      } else {
        var err = o.error().orElseThrow();
        fail(ctx, new ClusterdException(err.code(), err.message(), err.details()));
      }
    }).exceptionally(t -> {
      fail(ctx, unwrap(t));
      return null;
    }));
  }

  private void clusterWrite(Context ctx, KeyOperation op) {
    Change c = new Change.WriteCluster(clusterId(ctx), op, force(ctx));
    if (dryRun(ctx)) {
      ok(ctx, Json.plan(clusterd.plan(c)));
      return;
    }
    fanOutAnswer(ctx, clusterd.apply(c, actor(ctx)));
  }

  private void fanOutAnswer(Context ctx, CompletableFuture<ChangeResult> f) {
    long start = System.nanoTime();
    ctx.future(() -> f.thenAccept(res -> {
      FanOutResult r = res.fanOut();
      metrics.fanOut(r.summary().total(), r.status(), java.time.Duration.ofNanos(System.nanoTime() - start));
      ctx.status(r.status());
      write(ctx, Json.fanOut(r));
    }).exceptionally(t -> {
      fail(ctx, unwrap(t));
      return null;
    }));
  }

  /** Plans (dry run) or applies a registry change and answers with {@code body(result)}. */
  private void change(Context ctx, Change c, java.util.function.Function<ChangeResult, Object> body) {
    if (dryRun(ctx)) {
      ok(ctx, Json.plan(clusterd.plan(c)));
      return;
    }
    ChangeResult res = clusterd.apply(c, actor(ctx)).join();
    ok(ctx, body.apply(res));
  }

  private void runAll(Context ctx, List<Change> changes, java.util.function.Supplier<Object> body) {
    if (dryRun(ctx)) {
      List<Object> plans = new ArrayList<>();
      for (Change c : changes) {
        plans.add(Json.plan(clusterd.plan(c)));
      }
      ok(ctx, plans.size() == 1 ? plans.get(0) : Map.of("dryRun", true, "plans", plans));
      return;
    }
    // all or nothing: a refused part (a move into a cycle, say) must not leave the other parts applied; a single
    // change is refused atomically by apply itself
    for (Change c : changes.size() > 1 ? changes : List.<Change>of()) {
      Plan plan = clusterd.plan(c);
      if (!plan.accepted()) {
        throw ClusterdException.refused(plan.conflicts());
      }
    }
    for (Change c : changes) {
      clusterd.apply(c, actor(ctx)).join();
    }
    ok(ctx, body.get());
  }

  // ------------------------------------------------------------------------------------------ parsing

  private String instanceId(Context ctx) {
    String id = ctx.pathParam("id");
    if (id.equals("my") && config.myInstance().isPresent()) {
      return config.myInstance().get();
    }
    clusterd.instance(id);
    return id;
  }

  private String clusterId(Context ctx) {
    String id = ctx.pathParam("id");
    clusterd.cluster(id);
    return id;
  }

  /**
   * The key name after {@code /<route>/} in the raw request path: each segment is percent-decoded on its own, so
   * an escaped slash sent as {@code %5C%2F} stays inside its part. Legacy names ({@code user/x}) are translated.
   */
  static KeyName key(Context ctx, String route) {
    return KeyName.parse(rest(ctx, route));
  }

  static String rest(Context ctx, String route) {
    String encoded = rawKey(ctx).orElseThrow(() -> ClusterdException.of(ErrorCode.INVALID_KEY_NAME,
        "the key name is missing after /" + route + "/"));
    StringBuilder out = new StringBuilder();
    Iterator<String> segments = List.of(encoded.split("/", -1)).iterator();
    while (segments.hasNext()) {
      out.append(URLDecoder.decode(segments.next().replace("+", "%2B"), StandardCharsets.UTF_8));
      if (segments.hasNext()) {
        out.append('/');
      }
    }
    return out.toString();
  }

  /**
   * The key name after {@code /<route>/}, or the cascading root {@code /} when the request path ends at the route:
   * like elektrad's {@code GET /kdb}, it lists the keys of every namespace (the original web client builds its
   * tree from that {@code ls}).
   */
  static KeyName keyOrRoot(Context ctx, String route) {
    return rawKey(ctx).isEmpty() ? KeyName.root(Namespace.CASCADING) : key(ctx, route);
  }


  /**
   * The raw part of the request path after {@code /api/<instances|clusters>/<id>/<route>/}, found by position:
   * the route's name may also be a node id or a part of the key name ({@code .../kdb/user:/app/kdb}).
   */
  private static Optional<String> rawKey(Context ctx) {
    String raw = ctx.req().getRequestURI();
    int at = 0;
    for (int slash = 0; slash < 5; slash++) {
      at = raw.indexOf('/', at) + 1;
      if (at == 0) {
        return Optional.empty();
      }
    }
    return at >= raw.length() ? Optional.empty() : Optional.of(raw.substring(at));
  }

  /** A PUT value: {@code text/plain} raw, or a JSON string ({@code null} = empty). */
  private static String value(Context ctx) {
    String ct = Optional.ofNullable(ctx.contentType()).orElse("text/plain").toLowerCase(Locale.ROOT);
    byte[] body = ctx.bodyAsBytes();
    if (ct.startsWith("application/json")) {
      JsonNode n = Json.parse(body);
      if (n.isNull()) {
        return "";
      }
      if (!n.isTextual()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY,
            "a JSON value must be a JSON string like \"8080\", not " + Json.kind(n));
      }
      return n.asText();
    }
    if (ct.startsWith("text/plain") || ct.isEmpty()) {
      return new String(body, StandardCharsets.UTF_8);
    }
    throw unsupported(ct, "text/plain or application/json");
  }

  /** The target key name of a move or copy: text/plain or a JSON string. */
  private static KeyName target(Context ctx) {
    String t = value(ctx).strip();
    if (t.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must name the target key, e.g. user:/app/new");
    }
    return KeyName.parse(t);
  }

  private static KeyOperation metaSet(Context ctx) {
    JsonNode b = Json.object(bodyJson(ctx));
    String name = text(b, "key");
    if (name == null || name.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must be {\"key\": \"check/type\", \"value\": \"long\"}");
    }
    JsonNode v = b.get("value");
    if (v == null || v.isNull()) {
      return KeyOperation.deleteMeta(key(ctx, "kdbMeta"), name);
    }
    return KeyOperation.setMeta(key(ctx, "kdbMeta"), name, v.asText());
  }

  private static KeyOperation metaDelete(Context ctx) {
    JsonNode b = Json.object(bodyJson(ctx));
    String name = text(b, "key");
    if (name == null || name.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must be {\"key\": \"check/type\"}");
    }
    return KeyOperation.deleteMeta(key(ctx, "kdbMeta"), name);
  }

  /** The body of a request that must be JSON; other declared content types answer 406. */
  private static byte[] bodyJson(Context ctx) {
    String ct = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
    if (!ct.isEmpty() && !ct.startsWith("application/json") && !ct.startsWith("text/plain")) {
      throw unsupported(ct, "application/json");
    }
    return ctx.bodyAsBytes();
  }

  private static ClusterdException unsupported(String ct, String wanted) {
    return ClusterdException.of(ErrorCode.REQUEST_UNSUPPORTED_CONTENT_TYPE,
        "content type '" + ct + "' is not supported here: send " + wanted, Map.of("contentType", ct));
  }

  private static NodeUpdate update(JsonNode b) {
    Optional<String> name = Optional.ofNullable(text(b, "name"));
    if (name.isPresent() && name.get().isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name must not be empty");
    }
    return new NodeUpdate(name, Optional.ofNullable(text(b, "description")),
        b.has("labels") ? Optional.of(labels(b)) : Optional.empty(), Optional.ofNullable(text(b, "host")));
  }

  private static String text(JsonNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isValueNode()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + field + "' must be a string", Map.of("field", field));
    }
    return n.asText();
  }

  private static Map<String, String> labels(JsonNode b) {
    JsonNode n = b.get("labels");
    if (n == null || n.isNull()) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "'labels' must be an object of strings",
          Map.of("field", "labels"));
    }
    Map<String, String> out = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static List<String> strings(JsonNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + field + "' must be an array of ids",
          Map.of("field", field));
    }
    List<String> out = new ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static int intParam(Context ctx, String name, int dflt, int min, int max) {
    String s = ctx.queryParam(name);
    if (s == null || s.isEmpty()) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(s);
      if (v < min || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "query parameter '" + name + "' must be an integer from " + min + " to " + max + ", not '" + s + "'",
          Map.of("parameter", name));
    }
  }

  private static boolean dryRun(Context ctx) {
    return "true".equals(ctx.queryParam("dryRun"));
  }

  private static boolean force(Context ctx) {
    return "true".equals(ctx.queryParam("force"));
  }

  private static Optional<String> actor(Context ctx) {
    Auth.Principal p = ctx.attribute("principal");
    return p == null ? Optional.empty() : Optional.of(p.name());
  }

  private InstanceState state(Instance i) {
    return clusterd.status(i.id());
  }

  private Map<String, Object> status(String id) {
    InstanceState s = clusterd.status(id);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instance", id);
    m.put("status", s.status().label());
    m.put("lastSeen", s.lastSeen().map(Object::toString).orElse(null));
    m.put("detail", s.detail());
    return m;
  }

  // ------------------------------------------------------------------------------------------ answers

  static void ok(Context ctx, Object body) {
    write(ctx, body);
  }

  static void write(Context ctx, Object body) {
    ctx.contentType("application/json; charset=utf-8");
    ctx.result(Json.bytes(body));
  }

  /**
   * Answers with what a future yields. Up to {@link #INLINE_WAITS} requests wait for their (single-instance, time
   * bounded) future on their own server thread, which saves the hand-over of an asynchronous answer; beyond that
   * bound requests are answered asynchronously so slow instances can never use up the server's threads.
   */
  private void async(Context ctx, CompletableFuture<?> f) {
    if (inlineWaits.tryAcquire()) {
      try {
        write(ctx, f.join());
      } catch (RuntimeException e) {
        fail(ctx, unwrap(e));
      } finally {
        inlineWaits.release();
      }
      return;
    }
    ctx.future(() -> f.thenAccept(body -> write(ctx, body)).exceptionally(t -> {
      fail(ctx, unwrap(t));
      return null;
    }));
  }

  public static void fail(Context ctx, ClusterdException e) {
    ctx.status(e.httpStatus());
    write(ctx, Json.error(e));
  }

  static ClusterdException unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ClusterdException e) {
      return e;
    }
    return ClusterdException.of(ErrorCode.INTERNAL_ERROR, "internal error: " + t.getClass().getSimpleName());
  }
}

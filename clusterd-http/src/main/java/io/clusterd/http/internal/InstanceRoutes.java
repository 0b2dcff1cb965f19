package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.InstanceState;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.http.ServerConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The instance routes of docs/http-api.md (registry, status, version, pins); key routes are {@link KeyRoutes}. */
final class InstanceRoutes {
  /** {@code POST /api/instances} and {@code /api/register}: what the original web client sends, plus labels. */
  record NewInstance(
      @Doc("a client-chosen id [a-z0-9][a-z0-9._-]{0,62}; generated when absent") String id,
      @Doc(value = "display name, 1 to 200 characters", required = true) String name,
      @Doc(value = "the endpoint, e.g. http://10.0.0.5:33333 (an elektrad) or mem://name", required = true) String host,
      @Doc("free text") String description,
      @Doc("string labels") Map<String, String> labels,
      @Doc("kept for the original web client, e.g. user or advanced") String visibility,
      @Doc("the transport's scheme when it is not the endpoint's") String transport) { }

  /**
   * {@code PUT /api/instances/{id}}; {@code id} and {@code visibility} are accepted because the original web client
   * sends its whole form back, and are not changed.
   */
  record InstanceEdit(
      @Doc("a new display name") String name,
      @Doc("a new endpoint") String host,
      @Doc("a new description") String description,
      @Doc("new labels; null clears them") Map<String, String> labels,
      @Doc("moves the instance under this cluster; null moves it to the top level") String parent,
      @Doc("accepted and ignored (a client sending back what it read)") String id,
      @Doc("accepted and ignored (a client sending back what it read)") String visibility) { }

  private static final String ONE = "/api/instances/{id}";

  private final Clusterd clusterd;
  private final ServerConfig config;
  private final Auth auth;
  private final Nodes nodes;
  private final Changes changes;
  private final NodeEdits edits;
  private final Scopes scopes;

  InstanceRoutes(Clusterd clusterd, ServerConfig config, Auth auth, Nodes nodes, Changes changes, NodeEdits edits,
      Scopes scopes) {
    this.scopes = scopes;
    this.clusterd = clusterd;
    this.config = config;
    this.auth = auth;
    this.nodes = nodes;
    this.changes = changes;
    this.edits = edits;
  }

  void register(RouteTable r) {
    r.get("/api/instances", "list instances", this::list).answers(200, "Instances");
    r.post("/api/instances", "register an instance (C7), or with an array several as one change", this::register)
        .body("NewInstances").answers(201, "Instance|Instances").dryRun();
    r.post("/api/register", "an instance registers itself with the apikey", this::selfRegister)
        .body(NewInstance.class).query("apikey").answers(201, "Instance").dryRun();
    r.get(ONE, "read an instance", this::get).answers(200, "Instance");
    r.put(ONE, "edit an instance; parent moves it", this::edit).body(InstanceEdit.class).query("force")
        .answers(200, "Instance").dryRun();
    r.delete(ONE, "unregister an instance (nothing changes on the host)", this::unregister)
        .answers(200, "Deleted").dryRun();
    r.get(ONE + "/version", "forwarded version", this::version).answers(200, "InstanceVersion");
    r.get(ONE + "/status", "synchronization status", this::status).answers(200, "Status");
    r.get(ONE + "/pins", "effective pins with the locking cluster", this::pins).answers(200, "EffectivePins");
    r.post(ONE + "/sync", "retry now: deliver what waits, re-apply the effective pins", this::sync).fanOut()
        .dryRun();
  }

  private void list(Context ctx) {
    Answers.json(ctx, clusterd.instances().stream().filter(i -> scopes.visible(ctx, i.id())).map(nodes::instance)
        .toList());
  }

  private void register(Context ctx) {
    JsonNode body = Bodies.json(ctx, "application/json");
    if (body.isArray() && !Auth.REGISTER_KEY.equals(ctx.attribute("principal"))) {
      registerAll(ctx, body);
      return;
    }
    InstanceSpec spec = spec(Bodies.bind(Json.object(body), NewInstance.class).value());
    changes.answer(ctx, new Change.RegisterInstance(spec), 201,
        res -> nodes.instance((Instance) res.node().orElseThrow(), null));
  }

  /**
   * A bulk registration: every element is bound and checked as a single registration would be, and every
   * element that fails is reported with its index before the engine sees any; then the engine checks them all
   * (ids, C7, two elements with one id or host) and registers all of them in one change, or none.
   */
  private void registerAll(Context ctx, JsonNode array) {
    if (array.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "the array is empty: send at least one instance, e.g. [{\"name\": \"web 1\", \"host\": \"http://10.0.0.5:33333\"}]");
    }
    List<InstanceSpec> specs = new ArrayList<>(array.size());
    List<Conflict> refused = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      try {
        specs.add(spec(Bodies.bind(Json.object(array.get(i)), NewInstance.class).value()));
      } catch (RuntimeException e) {
        ClusterdException refusal = ErrorAnswers.toError(e);
        if (refusal.code() == ErrorCode.INTERNAL_ERROR) {
          throw e; // not the element's fault: answered (and logged) as the error it is
        }
        for (Conflict c : refusal.conflicts()) {
          Map<String, Object> details = new LinkedHashMap<>(c.details());
          details.put("index", i);
          refused.add(Conflict.of(c.code(), "instance [" + i + "]: " + c.message(), details));
        }
      }
    }
    if (!refused.isEmpty()) {
      throw ClusterdException.refused(refused);
    }
    changes.answer(ctx, new Change.RegisterInstances(specs), 201,
        res -> res.nodes().stream().map(n -> nodes.instance((Instance) n, null)).toList());
  }

  /** The spec of one registration body, with the daemon's own checks (name and host given, host allowed). */
  private InstanceSpec spec(NewInstance b) {
    if (b.name() == null || b.name().isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name is missing: give a display name of 1 to 200 characters");
    }
    if (b.host() == null || b.host().isBlank()) {
      throw ClusterdException.of(ErrorCode.HOST_MISSING,
          "the instance host is missing: give its endpoint URI, e.g. http://10.0.0.5:33333");
    }
    config.checkEndpointAllowed(b.host());
    return new InstanceSpec(Optional.ofNullable(b.id()), b.name(), b.host(), b.description(),
        b.labels(), b.visibility(), Optional.ofNullable(b.transport()));
  }

  private void selfRegister(Context ctx) {
    auth.checkRegisterKey(ctx.queryParam("apikey"), ctx.ip());
    // a public route: no token named the caller, the key it proved is the actor
    ctx.attribute("principal", Auth.REGISTER_KEY);
    register(ctx);
  }

  private void get(Context ctx) {
    String id = Params.path(ctx, "id");
    if (id.equals("my") && config.myInstance().isPresent()) {
      id = config.myInstance().get();
    }
    Answers.json(ctx, nodes.instance(clusterd.instance(id)));
  }

  private void edit(Context ctx) {
    String id = nodes.instanceId(ctx);
    Bodies.Bound<InstanceEdit> bound = Bodies.bind(ctx, InstanceEdit.class);
    InstanceEdit b = bound.value();
    if (bound.has("parent")) {
      scopes.requireDestination(ctx, Optional.ofNullable(b.parent()), "instance '" + id + "'");
    }
    NodeUpdate u = NodeEdits.update(bound, b.name(), b.description(), b.labels(), b.host());
    u.host().ifPresent(config::checkEndpointAllowed);
    edits.edit(ctx, id, bound, b.parent(), u,
        () -> nodes.instance(clusterd.instance(id)));
  }

  private void unregister(Context ctx) {
    String id = Params.path(ctx, "id");
    changes.answer(ctx, new Change.UnregisterInstance(id), res -> Map.of("deleted", id));
  }

  private void version(Context ctx) {
    Answers.later(ctx, clusterd.version(nodes.instanceId(ctx)).thenApply(Json::version));
  }

  private void status(Context ctx) {
    String id = nodes.instanceId(ctx);
    InstanceState s = clusterd.status(id);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instance", id);
    m.put("status", s.status().label());
    m.put("lastSeen", s.lastSeen().map(Object::toString).orElse(null));
    m.put("detail", s.detail());
    Answers.json(ctx, m);
  }

  private void sync(Context ctx) {
    changes.sync(ctx, nodes.instanceId(ctx));
  }

  private void pins(Context ctx) {
    Answers.json(ctx, clusterd.effectivePins(nodes.instanceId(ctx)).stream().map(Json::effectivePin).toList());
  }
}

package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.Clusterd;
import io.clusterd.core.DesiredState;
import io.clusterd.core.Plan;
import io.clusterd.core.StateDiff;
import io.clusterd.http.ServerConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The desired state as one document (docs/state.md): {@code GET /api/state} exports it as YAML or JSON with its
 * version as {@code ETag}, {@code PUT /api/state} plans ({@code dryRun}) or applies a document as one change
 * ({@code prune} removes the nodes it leaves out, {@code If-Match} refuses a stale one with 412), and
 * {@code GET /api/state.schema.json} is its JSON Schema.
 */
final class StateRoutes {
  static final String YAML = "application/yaml";

  private final Clusterd clusterd;
  private final ServerConfig config;
  private final Changes changes;
  private final byte[] schema;

  StateRoutes(Clusterd clusterd, ServerConfig config, Changes changes) {
    this.clusterd = clusterd;
    this.config = config;
    this.changes = changes;
    try (InputStream in = StateRoutes.class.getResourceAsStream("/state.schema.json")) {
      this.schema = in.readAllBytes();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("state.schema.json is missing from the jar", e);
    }
  }

  void register(RouteTable r) {
    r.get("/api/state", "the whole desired state as one document (YAML with Accept: application/yaml)",
        this::export).answers(200, "State");
    r.get("/api/state.schema.json", "the JSON Schema of the desired-state document", this::schema)
        .answers(200, "StateSchema");
    r.put("/api/state", "make the registry equal to a desired-state document, as one change", this::apply)
        .body("State").query("dryRun", "prune", "If-Match").answers(200, "StateApplied|StatePlan");
  }

  private void export(Context ctx) {
    DesiredState s = clusterd.exportState();
    ctx.header("ETag", "\"" + s.version() + "\"");
    if (wantsYaml(ctx.header("Accept"))) {
      ctx.contentType(YAML + "; charset=utf-8");
      ctx.result(StateDocuments.yaml(s));
    } else {
      Answers.jsonContentType(ctx);
      ctx.result(StateDocuments.json(s));
    }
  }

  private void schema(Context ctx) {
    Answers.jsonContentType(ctx);
    ctx.result(schema);
  }

  private void apply(Context ctx) {
    DesiredState doc = read(ctx);
    boolean prune = flag(ctx, "prune");
    Optional<String> ifMatch = Optional.ofNullable(ctx.header("If-Match")).filter(v -> !v.isBlank());
    Change.ApplyState change = new Change.ApplyState(doc, prune, ifMatch);
    List<Conflict> forbidden = forbiddenHosts(doc);
    if (Params.dryRun(ctx)) {
      Plan p = clusterd.plan(change);
      List<Conflict> all = new ArrayList<>(p.conflicts());
      all.addAll(forbidden);
      Answers.json(ctx, plan(new Plan(all, p.changes(), p.state()), true, null));
      return;
    }
    if (!forbidden.isEmpty()) {
      throw ClusterdException.refused(forbidden);
    }
    Answers.later(ctx, changes.apply(ctx, change), (x, res) -> {
      x.header("ETag", "\"" + res.plan().state().orElseThrow().versionAfter() + "\"");
      Answers.json(x, plan(res.plan(), false, res));
    });
  }

  /** The document of the body: YAML or JSON by its content type. */
  private static DesiredState read(Context ctx) {
    String ct = Bodies.contentType(ctx);
    Bodies.charset(ctx);
    byte[] body = Bodies.text(ctx).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (isYaml(ct)) {
      return StateDocuments.readYaml(body);
    }
    if (ct.startsWith("application/json")) {
      return StateDocuments.readJson(body);
    }
    throw Bodies.unsupported(ct, "application/yaml or application/json");
  }

  /** Hosts the document gives instances (new ones, or other than they have) that this daemon may not reach. */
  private List<Conflict> forbiddenHosts(DesiredState doc) {
    List<Conflict> out = new ArrayList<>();
    Map<String, Endpoint> hosts = new java.util.HashMap<>();
    clusterd.instances().forEach(i -> hosts.put(i.id(), i.endpoint()));
    for (int k = 0; k < doc.instances().size(); k++) {
      DesiredState.InstanceEntry i = doc.instances().get(k);
      String path = "instances[" + k + "].host";
      try {
        Endpoint e = Endpoint.parse(i.host());
        if (e.equals(hosts.get(i.id()))) {
          continue;
        }
        config.checkEndpointAllowed(i.host());
      } catch (ClusterdException e) {
        if (e.code() == ErrorCode.FORBIDDEN) {
          e.conflicts().forEach(c -> {
            Map<String, Object> details = new LinkedHashMap<>(c.details());
            details.put("path", path);
            out.add(Conflict.of(c.code(), path + ": " + c.message(), details));
          });
        }
        // other problems of the host are the planner's to report
      }
    }
    return out;
  }

  private static boolean flag(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty() || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw ClusterdException.of(ErrorCode.INVALID_BODY, "query parameter '" + name + "' must be true or false, not '"
        + v + "'", Map.of("parameter", name));
  }

  static boolean isYaml(String contentType) {
    String ct = contentType.toLowerCase(Locale.ROOT);
    return ct.startsWith("application/yaml") || ct.startsWith("application/x-yaml") || ct.startsWith("text/yaml")
        || ct.startsWith("text/x-yaml");
  }

  static boolean wantsYaml(String accept) {
    if (accept == null) {
      return false;
    }
    for (String part : accept.split(",")) {
      String type = part.split(";")[0].strip();
      if (isYaml(type)) {
        return true;
      }
      if (type.equalsIgnoreCase("application/json")) {
        return false;
      }
    }
    return false;
  }

  /** The plan of a document, or with {@code result} what applying it did. */
  static Map<String, Object> plan(Plan p, boolean dryRun, ChangeResult result) {
    StateDiff diff = p.state().orElseThrow();
    Map<String, Object> m = new LinkedHashMap<>();
    if (dryRun) {
      m.put("dryRun", true);
      m.put("accepted", p.accepted());
    } else {
      m.put("applied", true);
    }
    m.put("prune", diff.prune());
    m.put("versionBefore", diff.versionBefore());
    m.put("versionAfter", diff.versionAfter());
    if (dryRun) {
      m.put("conflicts", p.conflicts().stream().map(Json::conflict).toList());
    }
    m.put("nodes", diff.nodes().stream().map(StateRoutes::node).toList());
    m.put("pins", diff.pins().stream().map(StateRoutes::pin).toList());
    m.put("changes", Json.plan(p).get("changes"));
    if (result != null) {
      m.put("fanOut", Json.fanOut(result.fanOut()));
    }
    return m;
  }

  private static Map<String, Object> node(StateDiff.NodeChange n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("type", n.type());
    m.put("action", n.action().label());
    m.put("fields", n.fields());
    m.put("parentBefore", n.parentBefore().orElse(null));
    m.put("parentAfter", n.parentAfter().orElse(null));
    m.put("applied", n.applied());
    return m;
  }

  static Map<String, Object> pin(StateDiff.PinChange p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cluster", p.cluster());
    m.put("key", p.key());
    m.put("action", p.removed() ? "remove" : "set");
    m.put("before", p.before().map(StateRoutes::value).orElse(null));
    m.put("after", p.after().map(StateRoutes::value).orElse(null));
    return m;
  }

  private static Map<String, Object> value(StateDiff.PinValue v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", v.value());
    m.put("meta", v.meta());
    return m;
  }

}

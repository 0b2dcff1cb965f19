package io.clusterd.http.internal;

import io.clusterd.ErrorCode;
import io.clusterd.InstanceState;
import io.clusterd.KeyOperation;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the OpenAPI 3.1 description of the API from the routes the server registered, so it cannot drift from
 * them: Javalin's {@code {id}} and {@code <path>} parameters become path parameters, each route's
 * {@link RouteTable.Described} gives its body, query parameters and answers, request body schemas are generated
 * from the body records (their {@link Doc} annotations), and every answer's schema is one of {@link #schemas()}.
 * The tests validate the document and real answers against it.
 */
public final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}|<([^>]+)>");
  private static final String REF = "#/components/schemas/";
  private static final Set<String> TEXT_ANSWERS = Set.of("PrometheusText");

  private OpenApi() { }

  /** The OpenAPI path of a Javalin route path, e.g. {@code /api/instances/{id}/kdb/{path}}. */
  public static String openApiPath(String javalinPath) {
    return PARAM.matcher(javalinPath).replaceAll(m -> "{" + (m.group(1) != null ? m.group(1) : m.group(2)) + "}");
  }

  /** The document; {@code server} is the URL it is served from (e.g. {@code http://127.0.0.1:33334}). */
  public static Map<String, Object> document(List<ApiRoutes.Route> routes, String version, String server) {
    Map<String, Object> schemas = new TreeMap<>(schemas());
    Map<String, Object> paths = new TreeMap<>();
    Set<String> tags = new java.util.LinkedHashSet<>();
    for (ApiRoutes.Route r : routes) {
      r.bodyType().ifPresent(t -> schemas.put(t.getSimpleName(), recordSchema(t)));
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(openApiPath(r.path()),
          p -> new LinkedHashMap<String, Object>());
      Map<String, Object> op = new LinkedHashMap<>();
      String tag = tag(r.path());
      tags.add(tag);
      op.put("tags", List.of(tag));
      op.put("summary", r.summary());
      op.put("operationId", operationId(r));
      List<Map<String, Object>> params = new ArrayList<>();
      Matcher m = PARAM.matcher(r.path());
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        params.add(Map.of("name", name, "in", "path", "required", true, "schema", Map.of("type", "string"),
            "description", m.group(2) != null
                ? "an Elektra key name (user:/app/port, system:/x, legacy user/x), each part percent-encoded"
                : name.equals("child") ? "the id of the member" : "a node id (instance or cluster)"));
      }
      for (String q : r.query()) {
        params.add(Map.of("$ref", "#/components/parameters/" + q));
      }
      if (!params.isEmpty()) {
        op.put("parameters", params);
      }
      r.body().ifPresent(b -> op.put("requestBody", requestBody(b, r.bodyType().isPresent())));
      op.put("responses", responses(r));
      if (ApiRoutes.PUBLIC_PATHS.contains(r.path())) {
        op.put("security", List.of()); // answered without a token
      }
      item.put(r.method().toLowerCase(Locale.ROOT), op);
    }
    for (String name : referenced(paths)) {
      if (!schemas.containsKey(name)) {
        throw new IllegalStateException("the description names schema '" + name + "', which is not defined");
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("title", "clusterd");
    info.put("version", version);
    info.put("summary", "One daemon for the configuration of many Elektra hosts, in clusters of clusters.");
    info.put("description", "The REST API of clusterd, a compatible superset of Elektra Web's daemon: instances "
        + "(Elektra key databases behind elektrad), clusters nested to any depth whose pinned keys fan out to every "
        + "instance below them, conflicts refused with a stable i18n token. Every JSON answer is sent as "
        + "`application/json; charset=utf-8`; errors are `{\"error\": {status, name, i18n, message, details}}`.");
    // the license of Elektra, whose web daemon's API this extends
    info.put("license", Map.of("name", "BSD-3-Clause", "identifier", "BSD-3-Clause"));
    doc.put("info", info);
    doc.put("servers", List.of(Map.of("url", server, "description", "the daemon that served this document")));
    doc.put("tags", tags.stream().map(t -> Map.of("name", t, "description", TAGS.get(t))).toList());
    Map<String, Object> components = new LinkedHashMap<>();
    components.put("schemas", schemas);
    components.put("parameters", QUERY);
    components.put("securitySchemes", Map.of(
        "bearer", Map.of("type", "http", "scheme", "bearer", "description", "a token given with --token NAME:ROLE:SECRET"),
        "session", Map.of("type", "apiKey", "in", "cookie", "name", "clusterd_session",
            "description", "the browser session cookie POST /api/session sets")));
    doc.put("components", components);
    doc.put("security", List.of(Map.of("bearer", List.of()), Map.of("session", List.of())));
    doc.put("paths", paths);
    return doc;
  }

  // ------------------------------------------------------------------------------------------ operations

  private static final Map<String, String> TAGS = Map.of(
      "daemon", "the daemon itself: version, health, the forest, this description, metrics",
      "session", "browser sign-in with a token",
      "history", "the change history",
      "instances", "registered instances (Elektra key databases)",
      "instance keys", "an instance's keys, forwarded to it (rule C1 applies to writes)",
      "clusters", "clusters, their members, versions, drift and sync",
      "cluster keys", "a cluster's pinned keys, fanned out to every instance below it (rules C2, C3)",
      "state", "the whole desired state as one YAML or JSON document: export, plan, apply",
      "rollouts", "cluster writes delivered in waves: start, progress, resume, pause, abort");

  private static String tag(String path) {
    boolean keys = path.contains("/kdb");
    if (path.startsWith("/api/instances") || path.equals("/api/register")) {
      return keys ? "instance keys" : "instances";
    }
    if (path.startsWith("/api/clusters")) {
      return keys ? "cluster keys" : "clusters";
    }
    if (path.startsWith("/api/session")) {
      return "session";
    }
    if (path.startsWith("/api/rollouts") || path.endsWith("/rollouts")) {
      return "rollouts";
    }
    if (path.startsWith("/api/state")) {
      return "state";
    }
    return path.startsWith("/api/history") ? "history" : "daemon";
  }

  private static Map<String, Object> requestBody(String schema, boolean record) {
    Map<String, Object> content = new LinkedHashMap<>();
    switch (schema) {
      case "KeyValue" -> {
        content.put("text/plain", Map.of("schema", Map.of("type", "string", "description", "the value, raw")));
        content.put("application/json", Map.of("schema", Map.of("type", List.of("string", "null"),
            "description", "the value as a JSON string; null is the empty value")));
      }
      case "TargetKey" -> {
        content.put("text/plain", Map.of("schema", Map.of("type", "string",
            "description", "the target key name, e.g. user:/app/new")));
        content.put("application/json", Map.of("schema", Map.of("type", "string",
            "description", "the target key name as a JSON string")));
      }
      case "SignIn" -> {
        content.put("application/json", Map.of("schema", ref(schema)));
        content.put("text/plain", Map.of("schema", Map.of("type", "string", "description", "the token itself")));
      }
      case "State" -> {
        content.put("application/yaml", Map.of("schema", ref(schema)));
        content.put("application/json", Map.of("schema", ref(schema)));
      }
      default -> content.put("application/json", Map.of("schema", ref(schema)));
    }
    return Map.of("required", true, "content", content);
  }

  private static Map<String, Object> responses(ApiRoutes.Route r) {
    if (r.answers().isEmpty()) {
      throw new IllegalStateException(r.method() + " " + r.path() + " describes no answer");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    r.answers().forEach((status, schema) -> out.put(String.valueOf(status), answer(status, schema)));
    if (r.fanOut()) {
      out.put("502", Map.of("description", "no instance could be reached (the fan-out result), or an error",
          "content", json(oneOf("FanOut|Error"))));
      out.put("default", Map.of("description", "an error, or the fan-out result when every instance answered the "
          + "same failure", "content", json(oneOf("Error|FanOut"))));
    } else {
      out.put("default", Map.of("description", "an error: {\"error\": {status, name, i18n, message, details}}",
          "content", json(ref("Error"))));
    }
    return out;
  }

  private static Map<String, Object> answer(int status, String schema) {
    if (schema.isEmpty()) {
      return Map.of("description", "done; no body");
    }
    String what = switch (status) {
      case 201 -> "created";
      case 207 -> "multi-status: some instances failed (see results)";
      case 503 -> "failing";
      default -> schema.endsWith("Plan") ? "done, or with ?dryRun=true the plan" : "done";
    };
    if (schema.equals("State")) {
      return Map.of("description", what + "; YAML with Accept: application/yaml; the ETag header is the state's"
          + " version", "content", Map.of("application/json", Map.of("schema", ref(schema)), "application/yaml",
          Map.of("schema", ref(schema))));
    }
    if (schema.equals("EventStream")) {
      return Map.of("description", "a stream of Server-Sent Events (docs/http-api.md, Live events)", "content",
          Map.of("text/event-stream", Map.of("schema", ref(schema))));
    }
    if (TEXT_ANSWERS.contains(schema)) {
      return Map.of("description", what, "content", Map.of("text/plain", Map.of("schema", ref(schema))));
    }
    return Map.of("description", what, "content", json(oneOf(schema)));
  }

  private static Map<String, Object> json(Map<String, Object> schema) {
    return Map.of("application/json", Map.of("schema", schema));
  }

  /** {@code A|B} as {@code oneOf}, one name as a reference. */
  private static Map<String, Object> oneOf(String names) {
    List<Map<String, Object>> refs = Arrays.stream(names.split("\\|")).map(OpenApi::ref).toList();
    return refs.size() == 1 ? refs.get(0) : Map.of("oneOf", refs);
  }

  private static Map<String, Object> ref(String name) {
    return Map.of("$ref", REF + name);
  }

  private static Set<String> referenced(Object node) {
    Set<String> out = new java.util.TreeSet<>();
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if ("$ref".equals(k) && v instanceof String s && s.startsWith(REF)) {
          out.add(s.substring(REF.length()));
        } else {
          out.addAll(referenced(v));
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> out.addAll(referenced(v)));
    }
    return out;
  }

  private static String operationId(ApiRoutes.Route r) {
    StringBuilder id = new StringBuilder(r.method().toLowerCase(Locale.ROOT));
    for (String seg : r.path().split("/")) {
      if (seg.isEmpty() || seg.equals("api")) {
        continue;
      }
      String clean = seg.replaceAll("[{}<>.]", "");
      id.append(Character.toUpperCase(clean.charAt(0))).append(clean.substring(1));
    }
    return id.toString();
  }

  // ------------------------------------------------------------------------------------------ query parameters

  private static final Map<String, Object> QUERY = queryParameters();

  private static Map<String, Object> queryParameters() {
    Map<String, Object> q = new TreeMap<>();
    q.put("dryRun", query("dryRun", Map.of("type", "boolean"),
        "true answers 200 with the plan (conflicts and per-instance operations) and changes nothing"));
    q.put("force", query("force", Map.of("type", "boolean"),
        "true drops the pins below that would conflict (C3, C6) instead of refusing"));
    q.put("preload", query("preload", Map.of("type", "integer", "minimum", 0, "maximum", 9),
        "levels of children beyond the first, passed to elektrad"));
    q.put("members", query("members", Map.of("type", "boolean"), "true adds each member instance's actual value"));
    q.put("cascade", query("cascade", Map.of("type", "string", "enum", List.of("detach", "delete")),
        "what happens to the children of a cluster that has some (C8)"));
    q.put("node", query("node", Map.of("type", "string"), "only the history of this node"));
    q.put("cluster", query("cluster", Map.of("type", "string"), "only the rollouts of this cluster"));
    q.put("limit", query("limit", Map.of("type", "integer", "minimum", 1, "maximum", 1000, "default", 50),
        "at most this many entries"));
    q.put("before", query("before", Map.of("type", "integer", "minimum", 0), "only entries with a smaller seq"));
    q.put("inherited", query("inherited", Map.of("type", "boolean"),
        "with node: also the key changes of every cluster above the node (the pins it received)"));
    q.put("apikey", query("apikey", Map.of("type", "string"), "the key given with --register-key"));
    q.put("prune", query("prune", Map.of("type", "boolean"),
        "true removes the nodes the document leaves out (they are listed in the plan either way)"));
    q.put("lastEventId", query("lastEventId", Map.of("type", "string"),
        "as the Last-Event-ID header, for clients that cannot set it; the header wins"));
    q.put("Last-Event-ID", Map.of("name", "Last-Event-ID", "in", "header", "required", false, "schema",
        Map.of("type", "string"), "description", "the id of the last event received (42 or 42.3): what came after "
        + "it is replayed first, or a reset event says to reload"));
    q.put("If-Match", Map.of("name", "If-Match", "in", "header", "required", false, "schema", Map.of("type", "string"),
        "description", "the ETag of GET /api/state: refuses with 412 STATE_CHANGED when the state changed since"));
    return q;
  }

  private static Map<String, Object> query(String name, Map<String, Object> schema, String description) {
    return Map.of("name", name, "in", "query", "required", false, "schema", schema, "description", description);
  }

  // ------------------------------------------------------------------------------------------ schemas

  /** A request body's schema, from its record: strings, booleans, string lists and string maps, all nullable. */
  static Map<String, Object> recordSchema(Class<? extends Record> type) {
    Map<String, Object> props = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      Map<String, Object> p = new LinkedHashMap<>(typeSchema(c.getGenericType(), type));
      Doc doc = c.getAnnotation(Doc.class);
      if (doc != null) {
        p.put("description", doc.value());
        if (doc.required()) {
          required.add(c.getName());
          p.put("type", ((List<?>) p.get("type")).get(0));
        }
      }
      props.put(c.getName(), p);
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", "object");
    s.put("properties", props);
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    s.put("additionalProperties", false);
    return s;
  }

  private static Map<String, Object> typeSchema(Type t, Class<?> owner) {
    if (t == String.class) {
      return Map.of("type", List.of("string", "null"));
    }
    if (t == Boolean.class) {
      return Map.of("type", List.of("boolean", "null"));
    }
    if (t instanceof ParameterizedType p && p.getRawType() == List.class
        && p.getActualTypeArguments()[0] == String.class) {
      return Map.of("type", List.of("array", "null"), "items", Map.of("type", "string"));
    }
    if (t instanceof ParameterizedType p && p.getRawType() == Map.class
        && p.getActualTypeArguments()[1] == String.class) {
      return Map.of("type", List.of("object", "null"), "additionalProperties", Map.of("type", "string"));
    }
    throw new IllegalStateException("no schema for " + t + " in " + owner.getSimpleName());
  }

  /** The schemas of answers and of the bodies that are not records. */
  static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    List<String> tokens = Arrays.stream(ErrorCode.values()).map(ErrorCode::token).toList();
    Map<String, Object> i18n = Map.of("type", "string", "enum", tokens, "description", "the stable error token");
    s.put("Conflict", object(props("status", INT, "i18n", i18n, "message", STR, "details", OBJ),
        "status", "i18n", "message", "details"));
    s.put("Error", object(props("error", object(props("status", INT, "name", STR, "i18n", i18n, "message", STR,
        "details", OBJ, "conflicts", array(ref("Conflict"))), "status", "name", "i18n", "message", "details")),
        "error"));
    List<String> statuses = Arrays.stream(InstanceState.Status.values()).map(InstanceState.Status::label).toList();
    Map<String, Object> status = Map.of("type", "string", "enum", statuses);
    s.put("Instance", object(props("id", STR, "name", STR, "host", STR, "visibility", STR, "description", STR,
        "labels", STRINGS, "transport", STR, "type", Map.of("const", "instance"), "parent", NULLABLE_STR,
        "status", status, "lastSeen", NULLABLE_STR, "statusDetail", STR),
        "id", "name", "host", "visibility", "description", "labels", "transport", "type", "parent"));
    s.put("Cluster", object(props("id", STR, "name", STR, "description", STR, "labels", STRINGS,
        "type", Map.of("const", "cluster"), "parent", NULLABLE_STR, "instances", array(STR), "clusters", array(STR),
        "children", array(ref("Node")), "fanOut", ref("FanOut")),
        "id", "name", "description", "labels", "type", "parent", "instances", "clusters"));
    s.put("Node", Map.of("oneOf", List.of(ref("Instance"), ref("Cluster"))));
    s.put("Tree", object(props("tree", array(ref("Node"))), "tree"));
    s.put("Instances", array(ref("Instance")));
    s.put("NewInstances", Map.of("description", "one instance to register, or an array of them registered as one"
        + " change (all or nothing)", "oneOf", List.of(ref("NewInstance"), array(ref("NewInstance")))));
    s.put("Clusters", array(ref("Cluster")));
    s.put("Lookup", object(props("exists", BOOL, "name", STR, "path", STR, "ls", array(STR), "value", STR,
        "meta", STRINGS, "children", array(ref("Lookup")), "locks", STRINGS, "lockedBy", STR,
        "pins", array(ref("Pin")), "members", Map.of("type", "object", "additionalProperties", Map.of("oneOf", List.of(
            NULLABLE_STR, object(props("error", STR), "error"))))),
        "exists", "name", "path", "ls"));
    s.put("FindResult", array(STR));
    List<String> ops = Arrays.stream(KeyOperation.Kind.values()).map(KeyOperation.Kind::label).toList();
    s.put("Operation", object(props("op", Map.of("type", "string", "enum", ops), "key", STR, "target", STR,
        "meta", STR, "value", STR), "op", "key"));
    s.put("WriteOk", object(props("ok", Map.of("const", true), "instance", STR, "operation", ref("Operation"),
        "latencyMs", INT), "ok", "instance", "operation", "latencyMs"));
    s.put("Plan", object(props("dryRun", Map.of("const", true), "accepted", BOOL, "conflicts", array(ref("Conflict")),
        "changes", array(object(props("instance", STR, "host", STR, "operations", array(ref("Operation"))),
            "instance", "host", "operations"))), "dryRun", "accepted", "conflicts", "changes"));
    s.put("FanOut", object(props("status", INT,
        "summary", object(props("total", INT, "succeeded", INT, "failed", INT), "total", "succeeded", "failed"),
        "results", array(object(props("instance", STR, "host", STR, "status", INT, "error", ref("Conflict"),
            "latencyMs", INT), "instance", "host", "status", "latencyMs"))), "status", "summary", "results"));
    s.put("DaemonVersion", object(props("api", INT, "clusterd", STR), "api", "clusterd"));
    s.put("InstanceVersion", object(props("api", INT, "elektra", object(props("version", STR, "major", INT,
        "minor", INT, "micro", INT), "version", "major", "minor", "micro")), "api", "elektra"));
    s.put("Versions", Map.of("type", "object", "additionalProperties", ref("InstanceVersion"),
        "description", "per instance id; instances that did not answer are left out"));
    s.put("Health", object(props("status", Map.of("type", "string", "enum", List.of("ok", "failing")), "store", STR,
        "instances", INT, "clusters", INT, "cluster", object(props("member", STR, "address", STR,
        "role", Map.of("type", "string", "enum", List.of("leader", "follower")), "epoch", INT, "appliedSeq", INT,
        "storeSeq", INT, "lagChanges", INT, "lagMillis", INT, "storeReachable", BOOL, "problem", NULLABLE_STR,
        "leader", NULLABLE_STR, "store", STR), "member", "role", "appliedSeq", "lagChanges", "lagMillis", "store")),
        "status", "store", "instances", "clusters"));
    s.put("ClusterMembers", object(props("shared", BOOL, "self", NULLABLE_STR, "members", array(object(props(
        "id", STR, "address", STR, "role", Map.of("type", "string", "enum", List.of("leader", "follower")),
        "appliedSeq", INT, "lastHeartbeat", STR), "id", "address", "role", "appliedSeq", "lastHeartbeat"))),
        "shared", "members"));
    s.put("Status", object(props("instance", STR, "status", status, "lastSeen", NULLABLE_STR, "detail", STR),
        "instance", "status", "lastSeen", "detail"));
    s.put("Pin", object(props("key", STR, "value", STR, "meta", STRINGS), "key", "value", "meta"));
    s.put("EffectivePins", array(object(props("key", STR, "value", STR, "meta", STRINGS, "lockedBy", STR),
        "key", "value", "meta", "lockedBy")));
    s.put("Drift", object(props("drift", Map.of("type", "object", "additionalProperties", array(object(props(
        "key", STR, "lockedBy", STR, "desired", STR, "actual", NULLABLE_STR, "exists", BOOL, "desiredMeta", STRINGS,
        "actualMeta", STRINGS), "key", "lockedBy", "desired", "actual", "exists", "desiredMeta", "actualMeta")))),
        "drift"));
    s.put("History", object(props("history", array(object(props("seq", INT, "time", STR, "actor", NULLABLE_STR,
        "node", STR, "operation", STR, "key", NULLABLE_STR, "oldValue", NULLABLE_STR, "newValue", NULLABLE_STR,
        "outcome", STR), "seq", "time", "actor", "node", "operation", "key", "oldValue", "newValue", "outcome"))),
        "history"));
    s.put("Deleted", object(props("deleted", STR), "deleted"));
    s.put("Attached", object(props("cluster", STR, "attached", STR, "fanOut", ref("FanOut")),
        "cluster", "attached", "fanOut"));
    s.put("Detached", object(props("cluster", STR, "detached", STR), "cluster", "detached"));
    s.put("Session", object(props("name", STR, "role", Map.of("type", "string", "enum", List.of("read", "admin")),
        "scopes", Map.of("type", "array", "items", STR, "description", "the clusters a scoped token is limited to")),
        "name", "role"));
    s.put("SignedOut", object(props("signedOut", Map.of("const", true)), "signedOut"));
    s.put("DemoStandIns", object(props("standIns", Map.of("type", "object", "additionalProperties",
        object(props("port", INT, "running", BOOL), "port", "running"))), "standIns"));
    s.put("DemoStandIn", object(props("id", STR, "port", INT, "running", BOOL, "dryRun", BOOL), "id", "port", "running"));
    s.put("OpenApiDocument", Map.of("type", "object", "required", List.of("openapi", "info", "paths"),
        "description", "this document"));
    s.put("PrometheusText", Map.of("type", "string", "description", "metrics in Prometheus text format"));
    s.put("EventStream", Map.of("type", "string", "description", "Server-Sent Events: id, event (node.created, "
        + "node.changed, node.removed, pin.changed, key.changed, status, delivery, rollout, reset) and JSON data"));
    stateSchemas(s);
    rolloutSchemas(s);
    s.put("MetaEntries", Map.of("type", "object", "minProperties", 1, "additionalProperties", STR,
        "description", "metadata names to values, set in the order given, e.g. {\"check/type\": \"long\"}"));
    return s;
  }

  /** A rollout's start and what the rollout routes answer. */
  private static void rolloutSchemas(Map<String, Object> s) {
    List<String> ops = List.of("set", "delete", "move", "copy", "set-meta", "delete-meta", "meta");
    Map<String, Object> wave = Map.of("oneOf", List.of(Map.of("type", "array", "minItems", 1, "items", STR,
        "description", "descendant node ids of the cluster, * for the rest"), Map.of("type", "integer", "minimum", 1,
        "maximum", 100, "description", "a cumulative percent of the cluster's instances")));
    s.put("NewRollout", object(props("id", STR, "op", Map.of("type", "string", "enum", ops), "key", STR,
        "value", STR, "target", STR, "meta", Map.of("oneOf", List.of(STR, STRINGS)),
        "waves", Map.of("type", "array", "items", wave, "description", "absent: one wave per direct child"),
        "maxFailures", Map.of("oneOf", List.of(INT, Map.of("type", "string", "pattern", "^[0-9]{1,3}%$"))),
        "pause", Map.of("type", "string", "description", "manual, or a duration: 30s, 5m, 500ms, PT1H"),
        "verify", BOOL), "op", "key"));
    Map<String, Object> target = object(props("id", STR, "outcome", Map.of("type", "string", "enum",
        List.of("waiting", "done", "failed", "skipped")), "error", STR), "id", "outcome");
    Map<String, Object> waveState = object(props("index", INT, "label", STR, "status", Map.of("type", "string",
        "enum", List.of("waiting", "running", "done", "failed", "skipped")), "summary", object(props("total", INT,
        "succeeded", INT, "failed", INT, "waiting", INT)), "instances", array(target)),
        "index", "label", "status", "summary", "instances");
    Map<String, Object> rollout = props("id", STR, "cluster", STR, "state", Map.of("type", "string", "enum",
        List.of("planned", "running", "paused", "halted", "completed", "aborted")), "wave", INT,
        "operations", array(ref("Operation")), "plan", OBJ, "keys", array(STR), "target", array(ref("Pin")),
        "started", STR, "resumeAt", NULLABLE_STR, "waves", array(waveState), "dryRun", BOOL);
    s.put("Rollout", object(rollout, "id", "cluster", "state", "wave", "waves"));
    s.put("Rollouts", object(props("rollouts", array(ref("Rollout"))), "rollouts"));
    Map<String, Object> aborted = new LinkedHashMap<>(rollout);
    aborted.put("fanOut", ref("FanOut"));
    s.put("RolloutAborted", object(aborted, "id", "state", "fanOut"));
  }

  /** The desired-state document (its full JSON Schema is state.schema.json) and the plan of applying one. */
  private static void stateSchemas(Map<String, Object> s) {
    Map<String, Object> strings = Map.of("type", List.of("object", "null"), "additionalProperties", STR);
    Map<String, Object> text = Map.of("type", List.of("string", "null"));
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("type", "object");
    cluster.put("properties", props("id", STR, "name", STR, "description", text, "labels", strings,
        "pins", Map.of("type", List.of("object", "null"), "additionalProperties", Map.of("oneOf", List.of(text,
            object(props("value", text, "meta", strings))))),
        "instances", Map.of("type", List.of("array", "null"), "items", STR),
        "clusters", Map.of("type", List.of("array", "null"), "items", ref("StateCluster"))));
    cluster.put("required", List.of("id", "name"));
    cluster.put("additionalProperties", false);
    s.put("StateCluster", cluster);
    s.put("StateInstance", object(props("id", STR, "name", STR, "host", STR, "transport", text, "description", text,
        "labels", strings), "id", "name", "host"));
    s.put("State", object(props("format", Map.of("const", "clusterd-state/1"),
        "clusters", Map.of("type", List.of("array", "null"), "items", ref("StateCluster")),
        "instances", Map.of("type", List.of("array", "null"), "items", ref("StateInstance")))));
    s.put("StateSchema", Map.of("type", "object", "required", List.of("$schema", "$defs"),
        "description", "the JSON Schema (2020-12) of the desired-state document"));
    Map<String, Object> pinValue = Map.of("oneOf", List.of(Map.of("type", "null"),
        object(props("value", STR, "meta", STRINGS), "value", "meta")));
    Map<String, Object> nodes = array(object(props("id", STR, "type", Map.of("type", "string", "enum",
        List.of("instance", "cluster")), "action", Map.of("type", "string", "enum",
        List.of("create", "change", "move", "remove")), "fields", array(STR), "parentBefore", NULLABLE_STR,
        "parentAfter", NULLABLE_STR, "applied", BOOL), "id", "type", "action", "fields", "parentBefore",
        "parentAfter", "applied"));
    Map<String, Object> pins = array(object(props("cluster", STR, "key", STR, "action", Map.of("type", "string",
        "enum", List.of("set", "remove")), "before", pinValue, "after", pinValue),
        "cluster", "key", "action", "before", "after"));
    Map<String, Object> changes = array(object(props("instance", STR, "host", STR, "operations",
        array(ref("Operation"))), "instance", "host", "operations"));
    s.put("StatePlan", object(props("dryRun", Map.of("const", true), "accepted", BOOL, "prune", BOOL,
        "versionBefore", STR, "versionAfter", STR, "conflicts", array(ref("Conflict")), "nodes", nodes, "pins", pins,
        "changes", changes), "dryRun", "accepted", "prune", "versionBefore", "versionAfter", "conflicts", "nodes",
        "pins", "changes"));
    s.put("StateApplied", object(props("applied", Map.of("const", true), "prune", BOOL, "versionBefore", STR,
        "versionAfter", STR, "nodes", nodes, "pins", pins, "changes", changes, "fanOut", ref("FanOut")),
        "applied", "prune", "versionBefore", "versionAfter", "nodes", "pins", "changes", "fanOut"));
    s.put("Rollback", object(props(
        "to", Map.of("type", List.of("integer", "string"), "description",
            "a history sequence (GET /api/history), or an ISO-8601 time such as 2026-12-01T10:00:00Z"),
        "subtree", Map.of("type", List.of("boolean", "null"), "description", "also every cluster below"),
        "keys", Map.of("type", List.of("array", "null"), "items", STR, "description",
            "only these keys and the keys below them; all when absent or empty")), "to"));
    s.put("RollbackPlan", object(props("dryRun", Map.of("const", true), "accepted", BOOL, "versionBefore", STR,
        "versionAfter", STR, "conflicts", array(ref("Conflict")), "pins", pins, "changes", changes),
        "dryRun", "accepted", "versionBefore", "versionAfter", "conflicts", "pins", "changes"));
    s.put("RollbackApplied", object(props("applied", Map.of("const", true), "versionBefore", STR,
        "versionAfter", STR, "pins", pins, "changes", changes, "fanOut", ref("FanOut")),
        "applied", "versionBefore", "versionAfter", "pins", "changes", "fanOut"));
  }

  private static final Map<String, Object> STR = Map.of("type", "string");
  private static final Map<String, Object> NULLABLE_STR = Map.of("type", List.of("string", "null"));
  private static final Map<String, Object> INT = Map.of("type", "integer");
  private static final Map<String, Object> BOOL = Map.of("type", "boolean");
  private static final Map<String, Object> OBJ = Map.of("type", "object");
  private static final Map<String, Object> STRINGS = Map.of("type", "object", "additionalProperties", STR);

  private static Map<String, Object> props(Object... nameThenSchema) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenSchema.length; i += 2) {
      m.put((String) nameThenSchema[i], nameThenSchema[i + 1]);
    }
    return m;
  }

  private static Map<String, Object> object(Map<String, Object> properties, String... required) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "object");
    m.put("properties", properties);
    m.put("required", List.of(required));
    m.put("additionalProperties", false);
    return m;
  }

  private static Map<String, Object> array(Map<String, Object> items) {
    return Map.of("type", "array", "items", items);
  }
}

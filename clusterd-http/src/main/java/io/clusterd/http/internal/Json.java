package io.clusterd.http.internal;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.core.Drift;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.FanOutResult;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The one shared ObjectMapper and the JSON shapes of the API (kept explicit so they match docs/http-api.md). */
public final class Json {
  /**
   * The server's one mapper. Binding request bodies, it refuses unknown fields, {@code null} inside arrays and
   * objects, and numbers or booleans where a string belongs (they are not quietly turned into text).
   */
  public static final ObjectMapper MAPPER = mapper();

  private Json() { }

  private static ObjectMapper mapper() {
    ObjectMapper m = new ObjectMapper();
    m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    m.setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL));
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return m;
  }

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a request body as a JSON object, or fails with INVALID_BODY saying what is wrong. */
  public static JsonNode object(byte[] body) {
    return object(parse(body));
  }

  /** The parsed body when it is a JSON object, or INVALID_BODY saying what it is instead. */
  public static JsonNode object(JsonNode n) {
    if (!n.isObject()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must be a JSON object, not " + kind(n));
    }
    return n;
  }

  public static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body is empty: send a JSON document");
    }
    try {
      return MAPPER.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "the body is not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
    } catch (java.io.IOException e) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body could not be read");
    }
  }

  static String kind(JsonNode n) {
    JsonNodeType t = n.getNodeType();
    return t.name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Map<String, Object> error(ClusterdException e) {
    Map<String, Object> body = error(e.httpStatus(), e.code().token(), e.getMessage(), e.details());
    if (e.conflicts().size() > 1) {
      @SuppressWarnings("unchecked")
      Map<String, Object> err = (Map<String, Object>) body.get("error");
      err.put("conflicts", e.conflicts().stream().map(Json::conflict).toList());
    }
    return body;
  }

  /** The error body: {@code {"error": {status, name, i18n, message, details}}}. */
  public static Map<String, Object> error(int status, String i18n, String message, Map<String, Object> details) {
    Map<String, Object> err = new LinkedHashMap<>();
    err.put("status", status);
    err.put("name", reason(status));
    err.put("i18n", i18n);
    err.put("message", message);
    err.put("details", details);
    return Map.of("error", err);
  }

  public static Map<String, Object> conflict(Conflict c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", c.code().httpStatus());
    m.put("i18n", c.code().token());
    m.put("message", c.message());
    m.put("details", c.details());
    return m;
  }

  public static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 409 -> "Conflict";
      case 412 -> "Precondition Failed";
      case 413 -> "Payload Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 431 -> "Request Header Fields Too Large";
      case 422 -> "Unprocessable Entity";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }

  public static Map<String, Object> instance(Instance i, String parent, InstanceState state) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("name", i.name());
    m.put("host", i.endpoint().toString());
    m.put("visibility", i.visibility());
    m.put("description", i.description());
    m.put("labels", i.labels());
    m.put("transport", i.transport());
    m.put("type", "instance");
    m.put("parent", parent);
    if (state != null) {
      m.put("status", state.status().label());
      m.put("lastSeen", state.lastSeen().map(Object::toString).orElse(null));
      m.put("statusDetail", state.detail());
    }
    return m;
  }

  /** A cluster; {@code deep} nests full children, otherwise only member ids. */
  public static Map<String, Object> cluster(Cluster c, String parent, boolean deep,
      Function<Instance, InstanceState> states) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("name", c.name());
    m.put("description", c.description());
    m.put("labels", c.labels());
    m.put("type", "cluster");
    m.put("parent", parent);
    List<String> instances = new ArrayList<>();
    List<String> clusters = new ArrayList<>();
    for (Node n : c.children()) {
      (n instanceof Cluster ? clusters : instances).add(n.id());
    }
    m.put("instances", instances);
    m.put("clusters", clusters);
    if (deep) {
      m.put("children", c.children().stream().map(n -> node(n, c.id(), states)).toList());
    }
    return m;
  }

  public static Map<String, Object> node(Node n, String parent, Function<Instance, InstanceState> states) {
    if (n instanceof Cluster c) {
      return cluster(c, parent, true, states);
    }
    Instance i = (Instance) n;
    return instance(i, parent, states.apply(i));
  }

  /** An instance's version as elektrad answers it ({@code micro}, not {@code patch}). */
  public static Map<String, Object> version(io.clusterd.InstanceVersion v) {
    return Map.of("api", v.api(), "elektra", Map.of("version", v.elektra(), "major", v.major(), "minor", v.minor(),
        "micro", v.micro()));
  }

  public static Map<String, Object> lookup(LookupResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("exists", r.exists());
    m.put("name", r.name());
    m.put("path", r.path());
    m.put("ls", r.ls());
    if (!r.value().isEmpty()) {
      m.put("value", r.value());
    }
    if (!r.meta().isEmpty()) {
      m.put("meta", r.meta());
    }
    if (!r.children().isEmpty()) {
      m.put("children", r.children().stream().map(Json::lookup).toList());
    }
    return m;
  }

  public static Map<String, Object> fanOut(FanOutResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", r.status());
    m.put("summary", Map.of("total", r.summary().total(), "succeeded", r.summary().succeeded(),
        "failed", r.summary().failed()));
    m.put("results", r.results().stream().map(Json::outcome).toList());
    return m;
  }

  static Map<String, Object> outcome(InstanceOutcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instance", o.instance());
    m.put("host", o.host());
    m.put("status", o.status());
    o.error().ifPresent(c -> m.put("error", conflict(c)));
    m.put("latencyMs", o.latencyMs());
    return m;
  }

  public static Map<String, Object> plan(Plan p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dryRun", true);
    m.put("accepted", p.accepted());
    m.put("conflicts", p.conflicts().stream().map(Json::conflict).toList());
    List<Map<String, Object>> changes = new ArrayList<>();
    for (Plan.InstanceChanges c : p.changes()) {
      changes.add(Map.of("instance", c.instance(), "host", c.host(),
          "operations", c.operations().stream().map(Json::operation).toList()));
    }
    m.put("changes", changes);
    return m;
  }

  public static Map<String, Object> operation(KeyOperation op) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("op", op.kind().label());
    m.put("key", op.key().toString());
    op.target().ifPresent(t -> m.put("target", t.toString()));
    op.metaName().ifPresent(n -> m.put("meta", n));
    op.value().ifPresent(v -> m.put("value", v));
    return m;
  }

  public static Map<String, Object> pin(Pin p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", p.key().toString());
    m.put("value", p.value());
    m.put("meta", p.meta());
    return m;
  }

  public static Map<String, Object> effectivePin(EffectivePin p) {
    Map<String, Object> m = pin(p.pin());
    m.put("lockedBy", p.lockedBy());
    return m;
  }

  public static Map<String, Object> drift(Drift d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", d.key().toString());
    m.put("lockedBy", d.lockedBy());
    m.put("desired", d.desired());
    m.put("actual", d.actual().orElse(null));
    m.put("exists", d.actual().isPresent());
    m.put("desiredMeta", d.desiredMeta());
    m.put("actualMeta", d.actualMeta());
    return m;
  }

  public static Map<String, Object> history(HistoryEntry h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", h.seq());
    m.put("time", h.time().toString());
    m.put("actor", h.actor().orElse(null));
    m.put("node", h.node());
    m.put("operation", h.operation());
    m.put("key", h.key().orElse(null));
    m.put("oldValue", h.oldValue().orElse(null));
    m.put("newValue", h.newValue().orElse(null));
    m.put("outcome", h.outcome());
    return m;
  }
}

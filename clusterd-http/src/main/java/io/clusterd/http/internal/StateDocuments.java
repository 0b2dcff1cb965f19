package io.clusterd.http.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.core.DesiredState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The desired-state document as YAML and JSON (docs/state.md): written in the canonical order of
 * {@link DesiredState} with the same fields in both, read strictly (unknown fields, wrong types, duplicate keys and
 * syntax errors are refused with the place in the document, all of them at once). What the document means (ids,
 * names, hosts, key names, the invariants) is checked by the engine when it plans it.
 */
public final class StateDocuments {
  /** The value of the optional {@code format} field; a document of another format is refused. */
  public static final String FORMAT = "clusterd-state/1";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final ObjectMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private static final Set<String> ROOT = Set.of("format", "clusters", "instances");
  private static final Set<String> CLUSTER = Set.of("id", "name", "description", "labels", "pins", "instances",
      "clusters");
  private static final Set<String> INSTANCE = Set.of("id", "name", "host", "transport", "description", "labels");
  private static final Set<String> PIN = Set.of("value", "meta");

  private StateDocuments() { }

  // ------------------------------------------------------------------------------------------ writing

  /** The document as ordered maps and lists: what both YAML and JSON write. */
  public static Map<String, Object> tree(DesiredState s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("clusters", s.clusters().stream().map(StateDocuments::cluster).toList());
    m.put("instances", s.instances().stream().map(StateDocuments::instance).toList());
    return m;
  }

  private static Map<String, Object> cluster(DesiredState.ClusterEntry c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("name", c.name());
    if (!c.description().isEmpty()) {
      m.put("description", c.description());
    }
    if (!c.labels().isEmpty()) {
      m.put("labels", c.labels());
    }
    if (!c.pins().isEmpty()) {
      Map<String, Object> pins = new LinkedHashMap<>();
      for (DesiredState.PinEntry p : c.pins()) {
        if (p.meta().isEmpty()) {
          pins.put(p.key(), p.value());
        } else {
          Map<String, Object> pin = new LinkedHashMap<>();
          pin.put("value", p.value());
          pin.put("meta", p.meta());
          pins.put(p.key(), pin);
        }
      }
      m.put("pins", pins);
    }
    if (!c.instances().isEmpty()) {
      m.put("instances", c.instances());
    }
    if (!c.clusters().isEmpty()) {
      m.put("clusters", c.clusters().stream().map(StateDocuments::cluster).toList());
    }
    return m;
  }

  private static Map<String, Object> instance(DesiredState.InstanceEntry i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("name", i.name());
    m.put("host", i.host());
    i.transport().ifPresent(t -> m.put("transport", t));
    if (!i.description().isEmpty()) {
      m.put("description", i.description());
    }
    if (!i.labels().isEmpty()) {
      m.put("labels", i.labels());
    }
    return m;
  }

  public static byte[] yaml(DesiredState s) {
    try {
      return YAML.writeValueAsBytes(tree(s));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] json(DesiredState s) {
    return Json.bytes(tree(s));
  }

  // ------------------------------------------------------------------------------------------ reading

  /** Reads a YAML document. @throws ClusterdException {@code INVALID_BODY} listing every problem */
  public static DesiredState readYaml(byte[] body) {
    return read(parse(YAML, body, "YAML"));
  }

  /** Reads a JSON document. @throws ClusterdException {@code INVALID_BODY} listing every problem */
  public static DesiredState readJson(byte[] body) {
    return read(parse(JSON, body, "JSON"));
  }

  private static JsonNode parse(ObjectMapper mapper, byte[] body, String what) {
    if (body.length == 0) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body is empty: send a state document as " + what);
    }
    try {
      JsonNode n = mapper.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body holds no " + what + " document");
      }
      return n;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body is not a valid " + what + " document" + where
          + ": " + e.getOriginalMessage().replaceAll("\\s+", " "));
    } catch (IOException e) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body could not be read");
    }
  }

  /** The document a parsed tree holds. @throws ClusterdException listing every problem, with its place */
  public static DesiredState read(JsonNode root) {
    Reader r = new Reader();
    DesiredState s = r.root(root);
    if (!r.problems.isEmpty()) {
      throw ClusterdException.refused(r.problems);
    }
    return s;
  }

  /** Reads the structure, collecting every problem with its path. */
  private static final class Reader {
    final List<Conflict> problems = new ArrayList<>();

    void problem(String path, String message) {
      problems.add(Conflict.of(ErrorCode.INVALID_BODY, (path.isEmpty() ? "the document" : path) + ": " + message,
          Map.of("path", path, "field", path)));
    }

    boolean object(JsonNode n, String path, Set<String> known) {
      if (!n.isObject()) {
        problem(path, "must be an object, not " + kind(n));
        return false;
      }
      Iterator<String> names = n.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (!known.contains(name)) {
          problem(join(path, name), "unknown field '" + name + "'; known fields: "
              + known.stream().sorted().reduce((a, b) -> a + ", " + b).orElse(""));
        }
      }
      return true;
    }

    DesiredState root(JsonNode n) {
      if (!object(n, "", ROOT)) {
        return DesiredState.empty();
      }
      Optional<String> format = text(n, "format", "");
      if (format.isPresent() && !format.get().equals(FORMAT)) {
        problem("format", "is '" + format.get() + "'; this daemon reads '" + FORMAT + "'");
      }
      List<DesiredState.ClusterEntry> clusters = new ArrayList<>();
      list(n.get("clusters"), "clusters").forEach((path, c) -> clusters.add(cluster(c, path)));
      List<DesiredState.InstanceEntry> instances = new ArrayList<>();
      list(n.get("instances"), "instances").forEach((path, i) -> instances.add(instance(i, path)));
      return new DesiredState(clusters, instances);
    }

    DesiredState.ClusterEntry cluster(JsonNode n, String path) {
      if (!object(n, path, CLUSTER)) {
        return new DesiredState.ClusterEntry(null, null, null, null, null, null, null);
      }
      List<DesiredState.PinEntry> pins = new ArrayList<>();
      JsonNode p = n.get("pins");
      String pinsPath = path + ".pins";
      if (p != null && !p.isNull()) {
        if (!p.isObject()) {
          problem(pinsPath, "must be an object of key names to values, not " + kind(p));
        } else {
          p.fields().forEachRemaining(e -> pin(e.getKey(), e.getValue(), pinsPath + "['" + e.getKey() + "']")
              .ifPresent(pins::add));
        }
      }
      List<String> members = new ArrayList<>();
      list(n.get("instances"), path + ".instances").forEach((at, m) -> {
        if (m.isTextual()) {
          members.add(m.asText());
        } else {
          problem(at, "must be an instance id (a string), not " + kind(m));
        }
      });
      List<DesiredState.ClusterEntry> subClusters = new ArrayList<>();
      list(n.get("clusters"), path + ".clusters").forEach((at, c) -> subClusters.add(cluster(c, at)));
      return new DesiredState.ClusterEntry(text(n, "id", path).orElse(null), text(n, "name", path).orElse(null),
          text(n, "description", path).orElse(null), strings(n.get("labels"), path + ".labels"), pins, members,
          subClusters);
    }

    Optional<DesiredState.PinEntry> pin(String key, JsonNode v, String path) {
      if (v.isNull()) {
        return Optional.of(new DesiredState.PinEntry(key, "", Map.of()));
      }
      if (v.isTextual()) {
        return Optional.of(new DesiredState.PinEntry(key, v.asText(), Map.of()));
      }
      if (v.isObject()) {
        if (!object(v, path, PIN)) {
          return Optional.empty();
        }
        String value = "";
        JsonNode val = v.get("value");
        if (val != null && !val.isNull()) {
          if (val.isTextual()) {
            value = val.asText();
          } else {
            problem(path + ".value", mustBeString(val));
          }
        }
        return Optional.of(new DesiredState.PinEntry(key, value, strings(v.get("meta"), path + ".meta")));
      }
      problem(path, "a pin is a value (a string) or {value, meta}; " + mustBeString(v));
      return Optional.empty();
    }

    DesiredState.InstanceEntry instance(JsonNode n, String path) {
      if (!object(n, path, INSTANCE)) {
        return new DesiredState.InstanceEntry(null, null, null, Optional.empty(), null, null);
      }
      return new DesiredState.InstanceEntry(text(n, "id", path).orElse(null), text(n, "name", path).orElse(null),
          text(n, "host", path).orElse(null), text(n, "transport", path), text(n, "description", path).orElse(null),
          strings(n.get("labels"), path + ".labels"));
    }

    /** The elements of an optional array, by their paths. */
    Map<String, JsonNode> list(JsonNode n, String path) {
      Map<String, JsonNode> out = new LinkedHashMap<>();
      if (n == null || n.isNull()) {
        return out;
      }
      if (!n.isArray()) {
        problem(path, "must be a list, not " + kind(n));
        return out;
      }
      for (int k = 0; k < n.size(); k++) {
        out.put(path + "[" + k + "]", n.get(k));
      }
      return out;
    }

    Optional<String> text(JsonNode parent, String field, String path) {
      JsonNode n = parent.get(field);
      if (n == null || n.isNull()) {
        return Optional.empty();
      }
      if (!n.isTextual()) {
        problem(join(path, field), mustBeString(n));
        return Optional.empty();
      }
      return Optional.of(n.asText());
    }

    Map<String, String> strings(JsonNode n, String path) {
      Map<String, String> out = new LinkedHashMap<>();
      if (n == null || n.isNull()) {
        return out;
      }
      if (!n.isObject()) {
        problem(path, "must be an object of strings, not " + kind(n));
        return out;
      }
      n.fields().forEachRemaining(e -> {
        if (e.getValue().isTextual()) {
          out.put(e.getKey(), e.getValue().asText());
        } else {
          problem(path + "['" + e.getKey() + "']", mustBeString(e.getValue()));
        }
      });
      return out;
    }

    static String mustBeString(JsonNode n) {
      return n.isNumber() || n.isBoolean()
          ? "must be a string, not " + kind(n) + "; in YAML quote it (\"" + n.asText() + "\") so it stays as written"
          : "must be a string, not " + kind(n);
    }

    static String join(String path, String field) {
      return path.isEmpty() ? field : path + "." + field;
    }

    static String kind(JsonNode n) {
      return Json.kind(n);
    }
  }
}

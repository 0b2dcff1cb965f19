package io.clusterd.core.transport.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterd.InstanceVersion;
import io.clusterd.LookupResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads elektrad's answers and writes its request bodies. Readers are lenient where elektrad omits fields
 * ({@code value}, {@code meta}, {@code children} absent) and strict on shape: anything else throws
 * {@link BadAnswer}.
 */
final class ElektradJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ElektradJson() {}

  /** An answer whose body does not have the shape elektrad gives it. */
  static final class BadAnswer extends Exception {
    private static final long serialVersionUID = 1L;

    BadAnswer(String message) {
      super(message, null, false, false);
    }
  }

  static JsonNode parse(byte[] body) throws BadAnswer {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new BadAnswer("the body is empty, JSON was expected");
      }
      return node;
    } catch (IOException e) {
      throw new BadAnswer("the body is not JSON (" + firstLine(e.getMessage()) + ")");
    }
  }

  /** {@code {"api":1,"elektra":{"version":"0.11.0","major":0,"minor":11,"micro":0}}}. */
  static InstanceVersion version(byte[] body) throws BadAnswer {
    JsonNode root = object(parse(body), "the version");
    JsonNode elektra = object(root.get("elektra"), "'elektra'");
    return new InstanceVersion(integer(root, "api"), text(elektra, "version"), integer(elektra, "major"),
        integer(elektra, "minor"), integer(elektra, "micro"));
  }

  static LookupResult lookup(byte[] body) throws BadAnswer {
    return lookup(parse(body));
  }

  static LookupResult lookup(JsonNode node) throws BadAnswer {
    JsonNode n = object(node, "a lookup result");
    JsonNode exists = n.get("exists");
    if (exists == null || !exists.isBoolean()) {
      throw new BadAnswer("'exists' is missing or not a boolean");
    }
    String path = text(n, "path");
    String name = n.hasNonNull("name") ? text(n, "name") : "";
    List<String> ls = strings(n.get("ls"), "'ls'");
    String value = n.hasNonNull("value") ? text(n, "value") : "";
    Map<String, String> meta = new LinkedHashMap<>();
    JsonNode m = n.get("meta");
    if (m != null && !m.isNull()) {
      for (Map.Entry<String, JsonNode> e : object(m, "'meta'").properties()) {
        if (!e.getValue().isTextual()) {
          throw new BadAnswer("metadata '" + e.getKey() + "' is not a string");
        }
        meta.put(e.getKey(), e.getValue().asText());
      }
    }
    List<LookupResult> children = new ArrayList<>();
    JsonNode c = n.get("children");
    if (c != null && !c.isNull()) {
      if (!c.isArray()) {
        throw new BadAnswer("'children' is not an array");
      }
      for (JsonNode child : c) {
        children.add(lookup(child));
      }
    }
    return new LookupResult(exists.asBoolean(), name, path, ls, value, meta, children);
  }

  /** A JSON array of strings, as {@code GET /kdbFind} answers. */
  static List<String> strings(byte[] body) throws BadAnswer {
    return strings(parse(body), "the answer");
  }

  /** The {@code error} of an error body {@code {"error":"..."}}, if the body is one. */
  static Optional<String> error(byte[] body) {
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n != null && n.isObject() && n.path("error").isTextual()) {
        return Optional.of(n.get("error").asText());
      }
    } catch (IOException e) {
      // not JSON: the caller shows an excerpt instead
    }
    return Optional.empty();
  }

  static String string(String value) {
    return write(NODES.textNode(value));
  }

  static String keyValue(String key, String value) {
    return write(NODES.objectNode().put("key", key).put("value", value));
  }

  static String key(String key) {
    return write(NODES.objectNode().put("key", key));
  }

  /** {@code {"meta":[{"key":..,"value":..},...]}} for {@code POST /kdbMetaBulk}. */
  static String metaBulk(Map<String, String> meta) {
    ObjectNode root = NODES.objectNode();
    ArrayNode list = root.putArray("meta");
    meta.forEach((k, v) -> list.addObject().put("key", k).put("value", v));
    return write(root);
  }

  private static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static JsonNode object(JsonNode n, String what) throws BadAnswer {
    if (n == null || !n.isObject()) {
      throw new BadAnswer(what + " is not a JSON object");
    }
    return n;
  }

  private static String text(JsonNode n, String field) throws BadAnswer {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new BadAnswer("'" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  private static int integer(JsonNode n, String field) throws BadAnswer {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new BadAnswer("'" + field + "' is missing or not an integer");
    }
    return v.asInt();
  }

  private static List<String> strings(JsonNode n, String what) throws BadAnswer {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new BadAnswer(what + " is not a JSON array");
    }
    List<String> out = new ArrayList<>(n.size());
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new BadAnswer(what + " holds a non-string element");
      }
      out.add(e.asText());
    }
    return out;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

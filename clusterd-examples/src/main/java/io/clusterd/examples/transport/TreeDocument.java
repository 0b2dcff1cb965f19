package io.clusterd.examples.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.clusterd.ClusterdException;
import io.clusterd.KeyName;
import io.clusterd.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A JSON or YAML document as keys: objects and arrays are the hierarchy, scalars are values (see the package
 * documentation for the rules). Edits change the parsed tree in place, so members clusterd does not touch keep
 * their place and type.
 */
final class TreeDocument implements Document {

  /** The member of an object that holds the object's own value (as Elektra's {@code directoryvalue} plugin). */
  static final String OWN_VALUE = "___dirdata";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+");
  private static final Pattern ARRAY_INDEX = Pattern.compile("#(_*)([0-9]+)");

  private final ObjectMapper mapper;
  private JsonNode root;

  private TreeDocument(ObjectMapper mapper, JsonNode root) {
    this.mapper = mapper;
    this.root = root;
  }

  /** Parses a document; an empty file (or one with only comments) is an empty object. */
  static TreeDocument parse(ObjectMapper mapper, byte[] bytes) throws IOException {
    JsonNode root = bytes.length == 0 ? null : mapper.readTree(bytes);
    return new TreeDocument(mapper, root == null || root.isMissingNode() ? NODES.objectNode() : root);
  }

  @Override
  public SortedMap<KeyName, String> keys() {
    SortedMap<KeyName, String> out = new TreeMap<>();
    collect(root, KeyName.root(Namespace.USER), out);
    return out;
  }

  private static void collect(JsonNode node, KeyName name, SortedMap<KeyName, String> out) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return;
    }
    if (node.isValueNode()) {
      out.put(name, node.asText());
    } else if (node.isObject()) {
      JsonNode own = node.get(OWN_VALUE);
      if (own != null && own.isValueNode() && !own.isNull()) {
        out.put(name, own.asText());
      }
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        if (!member.getKey().equals(OWN_VALUE)) {
          child(name, member.getKey()).ifPresent(c -> collect(member.getValue(), c, out));
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), name.append(indexPart(i)), out);
      }
    }
  }

  /** The key of a member; empty for member names Elektra cannot hold (such members are kept, unseen). */
  private static Optional<KeyName> child(KeyName parent, String member) {
    try {
      return Optional.of(parent.append(member));
    } catch (ClusterdException e) {
      return Optional.empty();
    }
  }

  @Override
  public void set(KeyName key, String value) {
    for (String part : key.parts()) {
      if (part.equals(OWN_VALUE)) {
        throw Failures.refused("'" + key + "': the part '" + OWN_VALUE + "' is reserved in JSON and YAML files "
            + "for the value of a key that has keys below it");
      }
    }
    root = setIn(root, key.parts(), 0, value);
  }

  private JsonNode setIn(JsonNode node, List<String> parts, int i, String value) {
    if (i == parts.size()) {
      if (node != null && node.isArray()) {
        node = toObject((ArrayNode) node);
      }
      if (node != null && node.isObject()) {
        ObjectNode o = (ObjectNode) node;
        o.set(OWN_VALUE, scalar(o.get(OWN_VALUE), value));
        return o;
      }
      return scalar(node, value);
    }
    String part = parts.get(i);
    int index = arrayIndex(part);
    if (node == null || node.isNull() || node.isMissingNode()) {
      node = index == 0 ? NODES.arrayNode() : NODES.objectNode();
    } else if (node.isValueNode()) {
      ObjectNode o = NODES.objectNode();
      o.set(OWN_VALUE, node);
      node = o;
    }
    if (node.isArray() && (index < 0 || index > node.size())) {
      node = toObject((ArrayNode) node);
    }
    if (node.isArray()) {
      ArrayNode array = (ArrayNode) node;
      if (index < array.size()) {
        array.set(index, setIn(array.get(index), parts, i + 1, value));
      } else {
        array.add(setIn(null, parts, i + 1, value));
      }
    } else {
      ObjectNode o = (ObjectNode) node;
      o.set(part, setIn(o.get(part), parts, i + 1, value));
    }
    return node;
  }

  /**
   * The scalar for a value written by clusterd: a string, except where the old value was a number or a boolean
   * and the new one is one too, written the same way (so {@code "port": 8080} stays a number).
   */
  private static JsonNode scalar(JsonNode old, String value) {
    JsonNode typed = null;
    if (old != null && old.isNumber()) {
      if (INTEGER.matcher(value).matches()) {
        BigInteger n = new BigInteger(value);
        typed = n.bitLength() < 64 ? LongNode.valueOf(n.longValue()) : NODES.numberNode(n);
      } else if (DECIMAL.matcher(value).matches()) {
        typed = DecimalNode.valueOf(new BigDecimal(value));
      }
    } else if (old != null && old.isBoolean() && (value.equals("true") || value.equals("false"))) {
      typed = BooleanNode.valueOf(value.equals("true"));
    }
    return typed != null && typed.asText().equals(value) ? typed : TextNode.valueOf(value);
  }

  @Override
  public void delete(KeyName key) {
    JsonNode left = deleteIn(root, key.parts(), 0);
    root = left == null ? NODES.objectNode() : left;
  }

  /** What replaces {@code node} once the key {@code parts} and its subtree are gone; null when nothing is left. */
  private static JsonNode deleteIn(JsonNode node, List<String> parts, int i) {
    if (i == parts.size() || node == null) {
      return null;
    }
    String part = parts.get(i);
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      JsonNode child = part.equals(OWN_VALUE) ? null : o.get(part);
      if (child == null) {
        return node;
      }
      JsonNode left = deleteIn(child, parts, i + 1);
      if (left == child) {
        return node;
      }
      if (left == null) {
        o.remove(part);
      } else {
        o.set(part, left);
      }
      return simplify(o);
    }
    if (node.isArray()) {
      ArrayNode array = (ArrayNode) node;
      int index = arrayIndex(part);
      if (index < 0 || index >= array.size()) {
        return node;
      }
      JsonNode child = array.get(index);
      JsonNode left = deleteIn(child, parts, i + 1);
      if (left == child) {
        return node;
      }
      array.set(index, left == null ? NODES.nullNode() : left);
      while (!array.isEmpty() && array.get(array.size() - 1).isNull()) {
        array.remove(array.size() - 1);
      }
      return array.isEmpty() ? null : array;
    }
    return node;
  }

  /** An object left with only its own value becomes that value; an empty one goes. */
  private static JsonNode simplify(ObjectNode o) {
    if (o.isEmpty()) {
      return null;
    }
    if (o.size() == 1 && o.has(OWN_VALUE)) {
      return o.get(OWN_VALUE);
    }
    return o;
  }

  /** An array turned into an object whose members are named like array parts ({@code #0}, {@code #_10}). */
  private static ObjectNode toObject(ArrayNode array) {
    ObjectNode o = NODES.objectNode();
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isNull()) {
        o.set(indexPart(i), array.get(i));
      }
    }
    return o;
  }

  /** The canonical Elektra array part of an index: {@code #0} ... {@code #9}, {@code #_10}, {@code #__100}. */
  static String indexPart(int index) {
    String digits = Integer.toString(index);
    return "#" + "_".repeat(digits.length() - 1) + digits;
  }

  /** The index of a canonical array part that fits a JSON array, else -1. */
  static int arrayIndex(String part) {
    var m = ARRAY_INDEX.matcher(part);
    if (!m.matches() || m.group(1).length() != m.group(2).length() - 1 || m.group(2).length() > 9
        || (m.group(2).length() > 1 && m.group(2).charAt(0) == '0')) {
      return -1;
    }
    return Integer.parseInt(m.group(2));
  }

  @Override
  public byte[] toBytes() {
    try {
      byte[] bytes = mapper.writeValueAsBytes(root);
      if (bytes.length > 0 && bytes[bytes.length - 1] == '\n') {
        return bytes;
      }
      byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
      withNewline[bytes.length] = '\n';
      return withNewline;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For tests: the tree as JSON text. */
  @Override
  public String toString() {
    return root.toString();
  }
}

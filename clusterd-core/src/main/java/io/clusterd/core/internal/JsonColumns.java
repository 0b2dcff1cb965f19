package io.clusterd.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON text of the store's JSON columns: string maps (labels, pin metadata) and key operations of pending
 * deliveries, the pins a history entry changed. Key operations are written as {@code {"kind":"set-meta","key":"user:/a","value":"x","metaName":"m"}}
 * (kind is {@link KeyOperation.Kind#label()}, keys are canonical names re-parsed with {@link KeyName#parse}),
 * absent fields are left out. Kept apart from the record types so their JSON shape can never change by accident.
 */
public final class JsonColumns {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  private static final ObjectWriter WRITER = MAPPER.writer();
  private static final String EMPTY_MAP = "{}";

  private JsonColumns() { }

  public static String writeMap(Map<String, String> map) {
    if (map.isEmpty()) {
      return EMPTY_MAP;
    }
    StringWriter text = new StringWriter(32 * map.size());
    try (JsonGenerator json = FACTORY.createGenerator(text)) {
      json.writeStartObject();
      for (Map.Entry<String, String> entry : map.entrySet()) {
        json.writeStringField(entry.getKey(), entry.getValue());
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write the map as JSON: " + e.getMessage(), e);
    }
    return text.toString();
  }

  /** Reads a JSON object of strings; streaming because it runs for every node and pin at startup. */
  public static Map<String, String> readMap(String text) {
    if (EMPTY_MAP.equals(text)) {
      return Map.of();
    }
    try (JsonParser json = FACTORY.createParser(text)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object of strings: " + text);
      }
      Map<String, String> map = new HashMap<>();
      JsonToken token;
      while ((token = json.nextToken()) == JsonToken.FIELD_NAME) {
        String name = json.currentName();
        if (json.nextToken() != JsonToken.VALUE_STRING) {
          throw new IllegalArgumentException("not a JSON object of strings: " + text);
        }
        map.put(name, json.getText());
      }
      if (token != JsonToken.END_OBJECT || json.nextToken() != null) {
        throw new IllegalArgumentException("not a JSON object of strings: " + text);
      }
      return map;
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON object of strings: " + e.getMessage(), e);
    }
  }

  public static String writeOperation(KeyOperation op) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("kind", op.kind().label());
    json.put("key", op.key().toString());
    op.value().ifPresent(value -> json.put("value", value));
    op.target().ifPresent(target -> json.put("target", target.toString()));
    op.metaName().ifPresent(name -> json.put("metaName", name));
    try {
      return WRITER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write the key operation as JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static KeyOperation readOperation(String text) {
    JsonNode json;
    try {
      json = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the key operation is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("the key operation is not a JSON object: " + text);
    }
    String label = requiredText(json, "kind");
    KeyOperation.Kind kind = null;
    for (KeyOperation.Kind candidate : KeyOperation.Kind.values()) {
      if (candidate.label().equals(label)) {
        kind = candidate;
      }
    }
    if (kind == null) {
      throw new IllegalArgumentException("unknown key operation kind '" + label + "'");
    }
    return new KeyOperation(kind, KeyName.parse(requiredText(json, "key")), optionalText(json, "value"),
        optionalText(json, "target").map(KeyName::parse), optionalText(json, "metaName"));
  }

  private static String requiredText(JsonNode json, String field) {
    return optionalText(json, field)
        .orElseThrow(() -> new IllegalArgumentException("the key operation has no '" + field + "': " + json));
  }

  private static Optional<String> optionalText(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("the key operation's '" + field + "' is not a string: " + json);
    }
    return Optional.of(value.textValue());
  }

  /** The pins a history entry changed, as they were: {@code [{"key": k, "value": v, "meta": {..}} | {"key": k}]}. */
  public static String writePinsBefore(List<HistoryEntry.PinBefore> pins) {
    ArrayNode json = MAPPER.createArrayNode();
    for (HistoryEntry.PinBefore p : pins) {
      ObjectNode one = json.addObject();
      one.put("key", p.key().toString());
      p.pin().ifPresent(pin -> {
        one.put("value", pin.value());
        ObjectNode meta = one.putObject("meta");
        new java.util.TreeMap<>(pin.meta()).forEach(meta::put);
      });
    }
    try {
      return WRITER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write the pins of a history entry as JSON: " + e.getOriginalMessage(),
          e);
    }
  }

  /** Reads {@link #writePinsBefore}; {@code null} (entries of older schema versions) is an empty list. */
  public static List<HistoryEntry.PinBefore> readPinsBefore(String text) {
    if (text == null) {
      return List.of();
    }
    JsonNode json;
    try {
      json = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the pins of a history entry are not valid JSON: " + e.getOriginalMessage(),
          e);
    }
    if (json == null || !json.isArray()) {
      throw new IllegalArgumentException("the pins of a history entry are not a JSON array: " + text);
    }
    List<HistoryEntry.PinBefore> out = new ArrayList<>(json.size());
    for (JsonNode one : json) {
      KeyName key = KeyName.parse(one.path("key").asText());
      if (!one.has("value")) {
        out.add(HistoryEntry.PinBefore.absent(key));
        continue;
      }
      Map<String, String> meta = new HashMap<>();
      one.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
      out.add(HistoryEntry.PinBefore.of(new Pin(key, one.get("value").asText(), meta)));
    }
    return out;
  }
}

package io.clusterd.core.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.Rollout;
import io.clusterd.core.RolloutPlan;
import io.clusterd.spi.RolloutRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The document a store keeps for a rollout ({@link RolloutRecord#document()}): JSON written field by field, so
 * the stored shape never changes with the record types. Version 1:
 * {@code {"v":1,"operations":[...],"plan":{...},"state":"running","wave":0,"waves":[{"label":..,"instances":[..]}],
 * "keys":[..],"target":[..],"started":millis,"resumeAt":millis}}.
 */
final class RolloutCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RolloutCodec() { }

  static RolloutRecord record(Rollout r) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("v", 1);
    ArrayNode ops = json.putArray("operations");
    r.operations().forEach(op -> ops.add(operation(op)));
    ObjectNode plan = json.putObject("plan");
    ArrayNode waves = plan.putArray("waves");
    for (RolloutPlan.Wave w : r.plan().waves()) {
      if (w instanceof RolloutPlan.Share s) {
        waves.add(s.percent());
      } else {
        ArrayNode ids = waves.addArray();
        ((RolloutPlan.Nodes) w).ids().forEach(ids::add);
      }
    }
    plan.put("maxFailures", r.plan().maxFailures().value());
    plan.put("percent", r.plan().maxFailures().percent());
    r.plan().pause().ifPresent(p -> plan.put("pauseMillis", p.toMillis()));
    plan.put("verify", r.plan().verify());
    json.put("state", r.state().name());
    json.put("wave", r.wave());
    ArrayNode ws = json.putArray("waves");
    for (Rollout.Wave w : r.waves()) {
      ObjectNode wave = ws.addObject();
      wave.put("label", w.label());
      ArrayNode targets = wave.putArray("instances");
      for (Rollout.Target t : w.instances()) {
        ObjectNode target = targets.addObject();
        target.put("id", t.instance());
        target.put("outcome", t.outcome().name());
        t.error().ifPresent(e -> target.put("error", e));
      }
    }
    ArrayNode keys = json.putArray("keys");
    r.keys().forEach(k -> keys.add(k.toString()));
    ArrayNode target = json.putArray("target");
    for (Pin p : r.target()) {
      ObjectNode pin = target.addObject();
      pin.put("key", p.key().toString());
      pin.put("value", p.value());
      ObjectNode meta = pin.putObject("meta");
      p.meta().forEach(meta::put);
    }
    json.put("started", r.started().toEpochMilli());
    r.resumeAt().ifPresent(t -> json.put("resumeAt", t.toEpochMilli()));
    return new RolloutRecord(r.id(), r.cluster(), r.state().label(), json.toString());
  }

  /** @throws IllegalArgumentException when the document is not a rollout of a known version */
  static Rollout rollout(RolloutRecord record) {
    JsonNode json;
    try {
      json = MAPPER.readTree(record.document());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the rollout '" + record.id() + "' is not valid JSON: "
          + e.getOriginalMessage(), e);
    }
    if (json == null || json.path("v").asInt() != 1) {
      throw new IllegalArgumentException("the rollout '" + record.id() + "' has an unknown document version");
    }
    List<KeyOperation> ops = new ArrayList<>();
    json.path("operations").forEach(o -> ops.add(operation(o)));
    JsonNode p = json.path("plan");
    List<RolloutPlan.Wave> planWaves = new ArrayList<>();
    for (JsonNode w : p.path("waves")) {
      if (w.isNumber()) {
        planWaves.add(new RolloutPlan.Share(w.asInt()));
      } else {
        List<String> ids = new ArrayList<>();
        w.forEach(id -> ids.add(id.asText()));
        planWaves.add(new RolloutPlan.Nodes(ids));
      }
    }
    RolloutPlan plan = new RolloutPlan(planWaves,
        new RolloutPlan.FailureLimit(p.path("maxFailures").asInt(), p.path("percent").asBoolean()),
        p.has("pauseMillis") ? Optional.of(Duration.ofMillis(p.path("pauseMillis").asLong())) : Optional.empty(),
        p.path("verify").asBoolean());
    List<Rollout.Wave> waves = new ArrayList<>();
    for (JsonNode w : json.path("waves")) {
      List<Rollout.Target> targets = new ArrayList<>();
      for (JsonNode t : w.path("instances")) {
        targets.add(new Rollout.Target(t.path("id").asText(), Rollout.Outcome.valueOf(t.path("outcome").asText()),
            t.has("error") ? Optional.of(t.path("error").asText()) : Optional.empty()));
      }
      waves.add(new Rollout.Wave(w.path("label").asText(), targets));
    }
    List<KeyName> keys = new ArrayList<>();
    json.path("keys").forEach(k -> keys.add(KeyName.parse(k.asText())));
    List<Pin> target = new ArrayList<>();
    for (JsonNode pin : json.path("target")) {
      Map<String, String> meta = new LinkedHashMap<>();
      pin.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
      target.add(new Pin(KeyName.parse(pin.path("key").asText()), pin.path("value").asText(), meta));
    }
    return new Rollout(record.id(), record.cluster(), ops, plan, Rollout.State.valueOf(json.path("state").asText()),
        json.path("wave").asInt(), waves, keys, target, Instant.ofEpochMilli(json.path("started").asLong()),
        json.has("resumeAt") ? Optional.of(Instant.ofEpochMilli(json.path("resumeAt").asLong())) : Optional.empty());
  }

  private static ObjectNode operation(KeyOperation op) {
    ObjectNode json = MAPPER.createObjectNode();
    json.put("kind", op.kind().name());
    json.put("key", op.key().toString());
    op.value().ifPresent(v -> json.put("value", v));
    op.target().ifPresent(t -> json.put("target", t.toString()));
    op.metaName().ifPresent(m -> json.put("metaName", m));
    return json;
  }

  private static KeyOperation operation(JsonNode json) {
    return new KeyOperation(KeyOperation.Kind.valueOf(json.path("kind").asText()),
        KeyName.parse(json.path("key").asText()), text(json, "value"), text(json, "target").map(KeyName::parse),
        text(json, "metaName"));
  }

  private static Optional<String> text(JsonNode json, String field) {
    return json.has(field) ? Optional.of(json.get(field).asText()) : Optional.empty();
  }
}

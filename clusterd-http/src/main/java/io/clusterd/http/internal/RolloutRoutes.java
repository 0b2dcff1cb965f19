package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.clusterd.core.Rollout;
import io.clusterd.core.RolloutPlan;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rollout routes of docs/http-api.md: a cluster write started in waves ({@code POST
 * /api/clusters/{id}/rollouts}, {@code ?dryRun=true} for the waves only), the rollouts with their waves and
 * per-instance outcomes, and their controls (resume, pause, abort).
 */
final class RolloutRoutes {
  private static final String ONE = "/api/rollouts/{rollout}";
  private static final Set<String> FIELDS = Set.of("id", "op", "key", "value", "target", "meta", "waves",
      "maxFailures", "pause", "verify");
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private final Clusterd clusterd;
  private final Nodes nodes;
  private final Changes changes;
  private final Scopes scopes;

  RolloutRoutes(Clusterd clusterd, Nodes nodes, Changes changes, Scopes scopes) {
    this.clusterd = clusterd;
    this.nodes = nodes;
    this.changes = changes;
    this.scopes = scopes;
  }

  void register(RouteTable r) {
    r.post("/api/clusters/{id}/rollouts", "start a cluster write as a rollout in waves", this::start)
        .body("NewRollout").answers(201, "Rollout").query("dryRun").answers(200, "Rollout");
    r.get("/api/rollouts", "rollouts, newest first, with their waves", this::list).query("cluster")
        .answers(200, "Rollouts");
    r.get(ONE, "a rollout with its waves and per-instance outcomes", this::get).answers(200, "Rollout");
    r.post(ONE + "/resume", "start the next wave (or send the wave in flight again)", this::resume)
        .answers(200, "Rollout");
    r.post(ONE + "/pause", "start no further wave until resumed", this::pause).answers(200, "Rollout");
    r.post(ONE + "/abort", "set every instance that received the write back and end the rollout", this::abort)
        .answers(200, "RolloutAborted").answers(207, "RolloutAborted");
  }

  // ---------------------------------------------------------------- start

  private void start(Context ctx) {
    String cluster = nodes.clusterId(ctx);
    Change.StartRollout start = startOf(cluster, Bodies.object(ctx));
    if (Params.dryRun(ctx)) {
      Map<String, Object> body = rollout(clusterd.previewRollout(start));
      body.put("dryRun", true);
      Answers.json(ctx, body);
      return;
    }
    Rollout r = clusterd.startRollout(start, Params.actor(ctx));
    ctx.header("Location", "/api/rollouts/" + r.id());
    Answers.json(ctx, 201, rollout(r));
  }

  /** Reads the body: the write (as the key routes take it) and the plan; every field that is wrong is named. */
  static Change.StartRollout startOf(String cluster, JsonNode body) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw invalid(field, "unknown field '" + field + "'; a rollout takes " + String.join(", ", FIELDS.stream()
            .sorted().toList()));
      }
    }
    String op = text(body, "op").orElseThrow(() -> invalid("op", "the operation is missing: give op set, delete,"
        + " move, copy, set-meta, delete-meta or meta (several metadata entries)"));
    KeyName key = KeyName.parse(text(body, "key").orElseThrow(() -> invalid("key", "the key is missing, e.g."
        + " \"user:/app/port\"")));
    Change write = switch (op) {
      case "set" -> new Change.WriteCluster(cluster, KeyOperation.set(key, required(body, "value",
          "the value to set")), false);
      case "delete" -> new Change.WriteCluster(cluster, KeyOperation.delete(key), false);
      case "move", "copy" -> {
        KeyName target = KeyName.parse(required(body, "target", "the target key name"));
        yield new Change.WriteCluster(cluster, op.equals("move") ? KeyOperation.move(key, target)
            : KeyOperation.copy(key, target), false);
      }
      case "set-meta" -> new Change.WriteCluster(cluster, KeyOperation.setMeta(key, required(body, "meta",
          "the metadata name"), required(body, "value", "the metadata value")), false);
      case "delete-meta" -> new Change.WriteCluster(cluster, KeyOperation.deleteMeta(key, required(body, "meta",
          "the metadata name")), false);
      case "meta" -> new Change.WriteClusterMeta(cluster, key, metaEntries(body), false);
      default -> throw invalid("op", "unknown operation '" + op + "': give set, delete, move, copy, set-meta,"
          + " delete-meta or meta");
    };
    RolloutPlan plan = new RolloutPlan(waves(body.get("waves")), maxFailures(body.get("maxFailures")),
        pause(body.get("pause")), bool(body, "verify"));
    return new Change.StartRollout(write, plan, text(body, "id"));
  }

  private static Map<String, String> metaEntries(JsonNode body) {
    JsonNode meta = body.get("meta");
    if (meta == null || !meta.isObject() || meta.isEmpty()) {
      throw invalid("meta", "op meta needs \"meta\": an object of metadata names to values, e.g."
          + " {\"check/type\": \"long\"}");
    }
    Map<String, String> entries = new LinkedHashMap<>();
    meta.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw invalid("meta", "the value of metadata '" + e.getKey() + "' must be a string");
      }
      entries.put(e.getKey(), e.getValue().asText());
    });
    return entries;
  }

  private static List<RolloutPlan.Wave> waves(JsonNode waves) {
    if (waves == null || waves.isNull()) {
      return List.of();
    }
    if (!waves.isArray() || waves.isEmpty()) {
      throw invalid("waves", "waves must be a non-empty list: of lists of node ids ([[\"staging\"], [\"*\"]]) or"
          + " of cumulative percents ([1, 10, 100]); leave it out for one wave per direct child");
    }
    List<RolloutPlan.Wave> out = new ArrayList<>();
    for (JsonNode w : waves) {
      if (w.isInt()) {
        try {
          out.add(new RolloutPlan.Share(w.asInt()));
        } catch (IllegalArgumentException e) {
          throw invalid("waves", e.getMessage());
        }
      } else if (w.isArray() && !w.isEmpty()) {
        List<String> ids = new ArrayList<>();
        for (JsonNode id : w) {
          if (!id.isTextual() || id.asText().isEmpty()) {
            throw invalid("waves", "a wave along the tree lists node ids as strings, or \"*\": " + w);
          }
          ids.add(id.asText());
        }
        out.add(new RolloutPlan.Nodes(ids));
      } else {
        throw invalid("waves", "each wave is a non-empty list of node ids or a whole percent from 1 to 100, not "
            + w);
      }
    }
    return out;
  }

  private static RolloutPlan.FailureLimit maxFailures(JsonNode n) {
    if (n == null || n.isNull()) {
      return RolloutPlan.FailureLimit.count(0);
    }
    try {
      if (n.isInt()) {
        return RolloutPlan.FailureLimit.count(n.asInt());
      }
      if (n.isTextual() && n.asText().matches("\\d{1,3}%")) {
        String text = n.asText();
        return RolloutPlan.FailureLimit.percent(Integer.parseInt(text.substring(0, text.length() - 1)));
      }
    } catch (IllegalArgumentException e) {
      throw invalid("maxFailures", e.getMessage());
    }
    throw invalid("maxFailures", "maxFailures is a count (2) or a percent of each wave (\"10%\"), not " + n);
  }

  /** {@code manual}, ISO-8601 ({@code PT5M}) or short ({@code 30s}, {@code 5m}, {@code 500ms}); absent: none. */
  static Optional<Duration> pause(JsonNode n) {
    if (n == null || n.isNull()) {
      return Optional.of(Duration.ZERO);
    }
    String text = n.isTextual() ? n.asText().trim() : "";
    if (text.equals("manual")) {
      return Optional.empty();
    }
    Matcher m = SHORT_DURATION.matcher(text.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return Optional.of(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      });
    }
    try {
      Duration d = Duration.parse(text);
      if (!d.isNegative()) {
        return Optional.of(d);
      }
    } catch (DateTimeParseException e) {
      // answered below
    }
    throw invalid("pause", "pause is \"manual\" or a duration such as \"30s\", \"5m\", \"500ms\" or \"PT1H\", not "
        + n);
  }

  private static boolean bool(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw invalid(field, field + " must be true or false, not " + n);
    }
    return n.asBoolean();
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw invalid(field, field + " must be a string, not " + n);
    }
    return Optional.of(n.asText());
  }

  private static String required(JsonNode body, String field, String what) {
    return text(body, field).orElseThrow(() -> invalid(field, "'" + field + "' is missing: " + what));
  }

  private static ClusterdException invalid(String field, String message) {
    return ClusterdException.of(ErrorCode.INVALID_BODY, message, Map.of("field", field));
  }

  // ---------------------------------------------------------------- reads and controls

  private void list(Context ctx) {
    Optional<String> cluster = Optional.ofNullable(ctx.queryParam("cluster")).filter(s -> !s.isEmpty());
    List<Rollout> all = new ArrayList<>(clusterd.rollouts());
    java.util.Collections.reverse(all);
    Answers.json(ctx, Map.of("rollouts", all.stream()
        .filter(r -> cluster.isEmpty() || r.cluster().equals(cluster.get()))
        .filter(r -> scopes.visible(ctx, r.cluster()))
        .map(RolloutRoutes::rollout).toList()));
  }

  private void get(Context ctx) {
    Answers.json(ctx, rollout(clusterd.rollout(Params.path(ctx, "rollout"))));
  }

  private void resume(Context ctx) {
    control(ctx, Change.RolloutControl.RESUME);
  }

  private void pause(Context ctx) {
    control(ctx, Change.RolloutControl.PAUSE);
  }

  private void control(Context ctx, Change.RolloutControl control) {
    String id = Params.path(ctx, "rollout");
    changes.apply(ctx, new Change.ControlRollout(id, control));
    Answers.json(ctx, rollout(clusterd.rollout(id)));
  }

  private void abort(Context ctx) {
    String id = Params.path(ctx, "rollout");
    Answers.later(ctx, changes.apply(ctx, new Change.ControlRollout(id, Change.RolloutControl.ABORT)), (x, res) -> {
      Map<String, Object> body = rollout(clusterd.rollout(id));
      body.put("fanOut", Json.fanOut(res.fanOut()));
      Answers.json(x, res.fanOut().status() == 207 ? 207 : 200, body);
    });
  }

  // ---------------------------------------------------------------- JSON

  static Map<String, Object> rollout(Rollout r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("cluster", r.cluster());
    m.put("state", r.state().label());
    m.put("wave", r.wave() + 1);
    m.put("operations", r.operations().stream().map(Json::operation).toList());
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("waves", r.plan().waves().stream().map(w -> w instanceof RolloutPlan.Share s ? (Object) s.percent()
        : ((RolloutPlan.Nodes) w).ids()).toList());
    plan.put("maxFailures", r.plan().maxFailures().percent() ? r.plan().maxFailures().toString()
        : (Object) r.plan().maxFailures().value());
    plan.put("pause", r.plan().pause().map(Duration::toString).orElse("manual"));
    plan.put("verify", r.plan().verify());
    m.put("plan", plan);
    m.put("keys", r.keys().stream().map(KeyName::toString).toList());
    m.put("target", r.target().stream().map(Json::pin).toList());
    m.put("started", r.started().toString());
    m.put("resumeAt", r.resumeAt().map(Object::toString).orElse(null));
    List<Map<String, Object>> waves = new ArrayList<>();
    for (int w = 0; w < r.waves().size(); w++) {
      waves.add(wave(r, w));
    }
    m.put("waves", waves);
    return m;
  }

  private static Map<String, Object> wave(Rollout r, int index) {
    Rollout.Wave w = r.waves().get(index);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", index + 1);
    m.put("label", w.label());
    String status;
    if (index > r.wave() || r.state() == Rollout.State.PLANNED) {
      status = r.state() == Rollout.State.ABORTED ? "skipped" : "waiting";
    } else if (!w.answered()) {
      status = "running";
    } else {
      status = w.failed(r.plan().maxFailures()) ? "failed" : "done";
    }
    m.put("status", status);
    long done = w.instances().stream().filter(t -> t.outcome() == Rollout.Outcome.DONE).count();
    long waiting = w.instances().stream().filter(t -> t.outcome() == Rollout.Outcome.WAITING).count();
    m.put("summary", Map.of("total", w.instances().size(), "succeeded", done, "failed", w.failures(),
        "waiting", waiting));
    List<Map<String, Object>> instances = new ArrayList<>();
    for (Rollout.Target t : w.instances()) {
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("id", t.instance());
      i.put("outcome", t.outcome().label());
      t.error().ifPresent(e -> i.put("error", e));
      instances.add(i);
    }
    m.put("instances", instances);
    return m;
  }
}

package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.Clusterd;
import io.clusterd.core.Plan;
import io.clusterd.core.StateDiff;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/clusters/{id}/rollback}: restores a cluster's pins (with {@code subtree}, also those of every
 * cluster below) to a history sequence or time, as one change; {@code ?dryRun=true} answers every pin and
 * per-instance change it would make.
 */
final class RollbackRoutes {
  private static final Set<String> FIELDS = Set.of("to", "subtree", "keys");
  /** A rollout's options: a rollback is fanned out at once, never in waves (docs/semantics.md, "Rollback"). */
  private static final Set<String> WAVE_OPTIONS = Set.of("waves", "maxFailures", "pause", "verify");

  private final Clusterd clusterd;
  private final Changes changes;

  RollbackRoutes(Clusterd clusterd, Changes changes) {
    this.clusterd = clusterd;
    this.changes = changes;
  }

  void register(RouteTable r) {
    r.post("/api/clusters/{id}/rollback", "restore pins as of a history sequence or time, as one change",
        this::rollback).body("Rollback").query("force", "dryRun").answers(200, "RollbackApplied|RollbackPlan");
  }

  private void rollback(Context ctx) {
    String cluster = Params.path(ctx, "id");
    clusterd.cluster(cluster);
    Change.Rollback change = read(cluster, Bodies.object(ctx), Params.force(ctx));
    if (Params.dryRun(ctx)) {
      Answers.json(ctx, answer(clusterd.plan(change), true, null));
      return;
    }
    Answers.later(ctx, changes.apply(ctx, change), (x, res) -> Answers.json(x, answer(res.plan(), false, res)));
  }

  /** The change a body asks for; every field it gets wrong is named. */
  static Change.Rollback read(String cluster, JsonNode body, boolean force) {
    body.fieldNames().forEachRemaining(f -> {
      if (WAVE_OPTIONS.contains(f)) {
        throw invalid("'" + f + "': a rollback is fanned out at once and cannot be rolled out in waves; roll back"
            + " without it, or start a rollout (POST /api/clusters/{id}/rollouts) of the value the rollback's dry run"
            + " shows", f);
      }
      if (!FIELDS.contains(f)) {
        throw invalid("unknown field '" + f + "': a rollback takes to, subtree and keys", f);
      }
    });
    JsonNode to = body.get("to");
    Change.Rollback.To point;
    if (to == null || to.isNull()) {
      throw invalid("'to' is missing: give a history sequence (a number from GET /api/history) or a time such as"
          + " 2026-12-01T10:00:00Z", "to");
    } else if (to.isIntegralNumber() && to.canConvertToLong() && to.longValue() >= 0) {
      point = new Change.Rollback.Sequence(to.longValue());
    } else if (to.isTextual()) {
      try {
        point = new Change.Rollback.Time(Instant.parse(to.textValue()));
      } catch (DateTimeParseException e) {
        throw invalid("'to' is neither a history sequence nor an ISO-8601 time such as 2026-12-01T10:00:00Z: '"
            + to.textValue() + "'", "to");
      }
    } else {
      throw invalid("'to' must be a history sequence (a whole number, 0 or more) or an ISO-8601 time, not " + to,
          "to");
    }
    JsonNode subtree = body.get("subtree");
    if (subtree != null && !subtree.isNull() && !subtree.isBoolean()) {
      throw invalid("'subtree' must be true or false, not " + subtree, "subtree");
    }
    List<KeyName> keys = new ArrayList<>();
    JsonNode list = body.get("keys");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw invalid("'keys' must be a list of key names, not " + list, "keys");
      }
      for (JsonNode k : list) {
        if (!k.isTextual()) {
          throw invalid("'keys' must be a list of key names; " + k + " is not one", "keys");
        }
        keys.add(KeyName.parse(k.textValue()));
      }
    }
    return new Change.Rollback(cluster, point, subtree != null && subtree.asBoolean(false), keys, force);
  }

  private static ClusterdException invalid(String message, String field) {
    return ClusterdException.of(ErrorCode.INVALID_BODY, message, Map.of("field", field));
  }

  private static Map<String, Object> answer(Plan p, boolean dryRun, ChangeResult result) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (dryRun) {
      m.put("dryRun", true);
      m.put("accepted", p.accepted());
    } else {
      m.put("applied", true);
    }
    // a rollback refused before it compared pins (an unknown cluster or sequence) has no state difference
    StateDiff diff = p.state().orElse(null);
    m.put("versionBefore", diff == null ? "" : diff.versionBefore());
    m.put("versionAfter", diff == null ? "" : diff.versionAfter());
    if (dryRun) {
      m.put("conflicts", p.conflicts().stream().map(Json::conflict).toList());
    }
    m.put("pins", diff == null ? List.of() : diff.pins().stream().map(StateRoutes::pin).toList());
    m.put("changes", Json.plan(p).get("changes"));
    if (result != null) {
      m.put("fanOut", Json.fanOut(result.fanOut()));
    }
    return m;
  }
}

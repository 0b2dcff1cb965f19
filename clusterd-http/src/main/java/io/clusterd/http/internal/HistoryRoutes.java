package io.clusterd.http.internal;

import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/** The change history, newest first, paged by sequence number. */
final class HistoryRoutes {
  private final Clusterd clusterd;

  HistoryRoutes(Clusterd clusterd) {
    this.clusterd = clusterd;
  }

  void register(RouteTable r) {
    r.get("/api/history", "change history, newest first", this::history).query("node", "limit", "before")
        .answers(200, "History");
  }

  private void history(Context ctx) {
    Optional<String> node = Optional.ofNullable(ctx.queryParam("node")).filter(s -> !s.isEmpty());
    int limit = Params.intParam(ctx, "limit", 50, 1, 1000);
    long before = ctx.queryParam("before") == null ? Long.MAX_VALUE
        : Params.intParam(ctx, "before", 0, 0, Integer.MAX_VALUE);
    Answers.json(ctx, Map.of("history", clusterd.history(node, before, limit).stream().map(Json::history).toList()));
  }
}

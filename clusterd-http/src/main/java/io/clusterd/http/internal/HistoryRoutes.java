package io.clusterd.http.internal;

import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import io.clusterd.HistoryEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The change history, newest first, paged by sequence number. */
final class HistoryRoutes {
  private final Clusterd clusterd;
  private final Scopes scopes;

  HistoryRoutes(Clusterd clusterd, Scopes scopes) {
    this.clusterd = clusterd;
    this.scopes = scopes;
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
    if (Scopes.scoped(ctx).isEmpty()) {
      Answers.json(ctx, Map.of("history", clusterd.history(node, before, limit).stream().map(Json::history).toList()));
      return;
    }
    // a scoped token sees the entries of its nodes only: page on until the limit is filled or history ends
    List<HistoryEntry> seen = new ArrayList<>();
    long from = before;
    while (seen.size() < limit) {
      List<HistoryEntry> page = clusterd.history(node, from, limit);
      for (HistoryEntry e : page) {
        if (seen.size() < limit && e.node() != null && scopes.visible(ctx, e.node())) {
          seen.add(e);
        }
      }
      if (page.size() < limit) {
        break;
      }
      from = page.get(page.size() - 1).seq();
    }
    Answers.json(ctx, Map.of("history", seen.stream().map(Json::history).toList()));
  }
}

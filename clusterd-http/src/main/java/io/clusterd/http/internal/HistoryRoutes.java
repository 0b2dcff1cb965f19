package io.clusterd.http.internal;

import io.clusterd.HistoryEntry;
import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import io.clusterd.HistoryEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The change history, newest first, paged by sequence number. With {@code inherited=true} the history of a node also
 * lists the key changes (pins, unpins, metadata) of every cluster above it now: what it received from them.
 */
final class HistoryRoutes {
  private final Clusterd clusterd;
  private final Scopes scopes;

  HistoryRoutes(Clusterd clusterd, Scopes scopes) {
    this.clusterd = clusterd;
    this.scopes = scopes;
  }

  void register(RouteTable r) {
    r.get("/api/history", "change history, newest first", this::history).query("node", "limit", "before", "inherited")
        .answers(200, "History");
  }

  private void history(Context ctx) {
    Optional<String> node = Optional.ofNullable(ctx.queryParam("node")).filter(s -> !s.isEmpty());
    int limit = Params.intParam(ctx, "limit", 50, 1, 1000);
    long before = ctx.queryParam("before") == null ? Long.MAX_VALUE
        : Params.intParam(ctx, "before", 0, 0, Integer.MAX_VALUE);
    boolean inherited = "true".equals(ctx.queryParam("inherited"));
    if (Scopes.scoped(ctx).isEmpty()) {
      Answers.json(ctx, Map.of("history", entries(node, inherited, before, limit).stream().map(Json::history)
          .toList()));
      return;
    }
    // a scoped token sees the entries of its nodes only: page on until the limit is filled or history ends
    List<HistoryEntry> seen = new ArrayList<>();
    long from = before;
    while (seen.size() < limit) {
      List<HistoryEntry> page = entries(node, inherited, from, limit);
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

  /** A page of history: of every node, of one, or of one with the key changes of its ancestors. */
  private List<HistoryEntry> entries(Optional<String> node, boolean inherited, long before, int limit) {
    return node.isPresent() && inherited ? withAncestors(node.get(), before, limit)
        : clusterd.history(node, before, limit);
  }

  /** The node's entries and the key changes of its ancestors, merged newest first, at most {@code limit}. */
  private List<HistoryEntry> withAncestors(String node, long before, int limit) {
    List<HistoryEntry> merged = new ArrayList<>(clusterd.history(Optional.of(node), before, limit));
    Set<String> seen = new HashSet<>(Set.of(node));
    for (Optional<String> up = clusterd.parentOf(node); up.isPresent() && seen.add(up.get());
        up = clusterd.parentOf(up.get())) {
      merged.addAll(keyChanges(up.get(), before, limit));
    }
    merged.sort(Comparator.comparingLong(HistoryEntry::seq).reversed());
    return merged.subList(0, Math.min(limit, merged.size()));
  }

  /** Up to {@code limit} of a cluster's entries that change a key, newest first, paging past the others. */
  private List<HistoryEntry> keyChanges(String cluster, long before, int limit) {
    List<HistoryEntry> out = new ArrayList<>();
    long from = before;
    while (out.size() < limit) {
      List<HistoryEntry> page = clusterd.history(Optional.of(cluster), from, limit);
      page.stream().filter(e -> e.key().isPresent()).limit(limit - out.size()).forEach(out::add);
      if (page.size() < limit) {
        break;
      }
      from = page.get(page.size() - 1).seq();
    }
    return out;
  }
}

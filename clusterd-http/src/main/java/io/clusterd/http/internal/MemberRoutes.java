package io.clusterd.http.internal;

import io.clusterd.core.ClusterMember;
import io.clusterd.core.Clusterd;
import io.clusterd.core.MemberStatus;
import io.clusterd.spi.MemberRecord;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daemons sharing one store (several daemons, one clusterd): {@code GET /api/cluster-members}, and the
 * {@code cluster} part of {@code /api/health}. On a store of one daemon the list is empty.
 */
final class MemberRoutes {
  private final Clusterd clusterd;

  MemberRoutes(Clusterd clusterd) {
    this.clusterd = clusterd;
  }

  void register(RouteTable r) {
    r.get("/api/cluster-members", "the daemons sharing this daemon's store, with role and heartbeat",
        this::members).answers(200, "ClusterMembers");
  }

  private void members(Context ctx) {
    Optional<ClusterMember> member = clusterd.membership();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("shared", member.isPresent());
    body.put("self", member.map(ClusterMember::id).orElse(null));
    List<Map<String, Object>> rows = member.map(m -> m.members().stream().map(MemberRoutes::row).toList())
        .orElse(List.of());
    body.put("members", rows);
    Answers.json(ctx, body);
  }

  private static Map<String, Object> row(MemberRecord m) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", m.id());
    row.put("address", m.address());
    row.put("role", m.role());
    row.put("appliedSeq", m.appliedSeq());
    row.put("lastHeartbeat", m.heartbeat().toString());
    return row;
  }

  /** The {@code cluster} object of {@code /api/health}: where this daemon stands, or empty for one daemon. */
  static Optional<Map<String, Object>> health(Clusterd clusterd) {
    return clusterd.membership().map(ClusterMember::status).map(MemberRoutes::status);
  }

  private static Map<String, Object> status(MemberStatus s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("member", s.id());
    out.put("address", s.address());
    out.put("role", s.role());
    out.put("epoch", s.epoch());
    out.put("appliedSeq", s.appliedSeq());
    out.put("storeSeq", s.storeSeq());
    out.put("lagChanges", s.lagChanges());
    out.put("lagMillis", s.lagMillis());
    out.put("storeReachable", s.storeReachable());
    out.put("problem", s.problem().orElse(null));
    out.put("leader", s.leaderAddress().orElse(null));
    out.put("store", s.store());
    return out;
  }
}

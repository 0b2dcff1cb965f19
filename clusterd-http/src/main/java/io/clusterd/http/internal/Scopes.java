package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Clusterd;
import io.clusterd.http.ServerConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a scoped token may see and change: the clusters of its scopes and everything below them. Nodes outside
 * are left out of lists, the forest and the history; a request naming one, a write on a cluster above the scopes
 * (it would fan out beyond them), a node created outside them and a move out of them are refused with 403
 * {@code FORBIDDEN} naming the scopes. Unscoped tokens (and a daemon without tokens) see everything.
 *
 * <p>The path's node ({@code /api/instances/{id}/...}, {@code /api/clusters/{id}/...}) is checked by
 * {@link #checkPath} before any handler runs, so a refusal never depends on the body; handlers check the nodes a
 * body names (a new parent, members) with {@link #requireDestination} and {@link #require}.
 */
final class Scopes {
  private final Clusterd clusterd;
  private final ServerConfig config;

  Scopes(Clusterd clusterd, ServerConfig config) {
    this.clusterd = clusterd;
    this.config = config;
  }

  /** The request's principal when it is scoped. */
  static Optional<Auth.Principal> scoped(Context ctx) {
    Auth.Principal p = ctx.attribute("principal");
    return p != null && p.scoped() ? Optional.of(p) : Optional.empty();
  }

  /** Whether {@code node} is one of the scopes or below one (true for every node without a scoped principal). */
  boolean visible(Context ctx, String node) {
    return scoped(ctx).map(p -> inScope(p.scopes(), node)).orElse(true);
  }

  private boolean inScope(List<String> scopes, String node) {
    Set<String> seen = new HashSet<>();
    for (Optional<String> at = Optional.of(node); at.isPresent() && seen.add(at.get());
        at = clusterd.parentOf(at.get())) {
      if (scopes.contains(at.get())) {
        return true;
      }
    }
    return false;
  }

  /** Refuses a request about {@code node} when it is outside the scopes. */
  void require(Context ctx, String node) {
    Optional<Auth.Principal> p = scoped(ctx);
    if (p.isPresent() && !inScope(p.get().scopes(), node)) {
      boolean above = p.get().scopes().stream().anyMatch(s -> !s.equals(node) && isAncestor(node, s));
      throw refused(p.get(), above
          ? "'" + node + "' is above them (a write there would fan out beyond them)"
          : "'" + node + "' is outside them", node);
    }
  }

  /**
   * Refuses putting a node under {@code parent} (empty: the top level) when that is outside the scopes: creating
   * a node there, or moving one out of them.
   */
  void requireDestination(Context ctx, Optional<String> parent, String what) {
    Optional<Auth.Principal> p = scoped(ctx);
    if (p.isEmpty()) {
      return;
    }
    if (parent.isEmpty()) {
      throw refused(p.get(), what + " would be at the top level, outside them", null);
    }
    if (!inScope(p.get().scopes(), parent.get())) {
      throw refused(p.get(), what + " would be under '" + parent.get() + "', outside them", parent.get());
    }
  }

  /**
   * Checks what the path names, before the handler: the node of {@code /api/instances/{id}} and
   * {@code /api/clusters/{id}} (and the member of a detach), the {@code node} of the history; refuses what no
   * scoped token may do (registering an instance, which lands at the top level; detaching, which moves the member
   * there; the metrics and the desired-state document, which cover the whole daemon); a rollout's cluster.
   */
  void checkPath(Context ctx) {
    Optional<Auth.Principal> p = scoped(ctx);
    if (p.isEmpty()) {
      return;
    }
    String[] parts = ctx.path().split("/", -1); // "", "api", "instances", id, ...
    boolean write = ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD
        && ctx.method() != HandlerType.OPTIONS;
    if (ctx.path().equals("/metrics")) {
      throw refused(p.get(), "the metrics cover the whole daemon", null);
    }
    if (parts.length < 3 || !parts[1].equals("api")) {
      return;
    }
    if (parts[2].equals("state")) {
      throw refused(p.get(), "the desired-state document covers the whole tree", null);
    }
    if (parts[2].equals("history")) {
      String node = ctx.queryParam("node");
      if (node != null && !node.isEmpty()) {
        require(ctx, node);
      }
      return;
    }
    if (parts[2].equals("rollouts")) {
      // a rollout is the business of its cluster's scope; an unknown one is the handler's 404
      if (parts.length >= 4 && !parts[3].isEmpty()) {
        clusterd.rollouts().stream().filter(r -> r.id().equals(parts[3])).findFirst()
            .ifPresent(r -> require(ctx, r.cluster()));
      }
      return;
    }
    if (!parts[2].equals("instances") && !parts[2].equals("clusters")) {
      return;
    }
    if (parts.length == 3 || parts[3].isEmpty()) {
      if (write && parts[2].equals("instances")) {
        throw refused(p.get(), "a new instance is registered at the top level, outside them", null);
      }
      return;
    }
    String id = parts[3];
    if (parts[2].equals("instances") && id.equals("my")) {
      id = config.myInstance().orElse(id);
    }
    require(ctx, id);
    if (parts[2].equals("clusters") && parts.length >= 6 && (parts[4].equals("instances")
        || parts[4].equals("clusters")) && !parts[5].isEmpty()) {
      require(ctx, parts[5]);
      if (ctx.method() == HandlerType.DELETE) {
        throw refused(p.get(), "detaching '" + parts[5] + "' would move it to the top level, outside them", parts[5]);
      }
    }
  }

  private boolean isAncestor(String node, String of) {
    Set<String> seen = new HashSet<>();
    for (Optional<String> at = clusterd.parentOf(of); at.isPresent() && seen.add(at.get());
        at = clusterd.parentOf(at.get())) {
      if (at.get().equals(node)) {
        return true;
      }
    }
    return false;
  }

  private static ClusterdException refused(Auth.Principal p, String why, String node) {
    Map<String, Object> details = node == null ? Map.of("scopes", p.scopes())
        : Map.of("scopes", p.scopes(), "node", node);
    return ClusterdException.of(ErrorCode.FORBIDDEN, "token '" + p.name() + "' is limited to the cluster"
        + (p.scopes().size() == 1 ? " " : "s ") + String.join(", ", p.scopes()) + " and below: " + why, details);
  }
}

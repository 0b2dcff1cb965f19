package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.Clusterd;
import io.clusterd.core.NodeUpdate;
import io.clusterd.core.Plan;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A {@code PUT} on an instance or a cluster: its own fields and, with {@code parent}, a move ({@code null} = to
 * the top level). Kept in one place because the engine will take such an edit as one change.
 */
final class NodeEdits {
  private final Clusterd clusterd;
  private final Changes changes;

  NodeEdits(Clusterd clusterd, Changes changes) {
    this.clusterd = clusterd;
    this.changes = changes;
  }

  /** The fields to change; a name given must not be blank, {@code labels: null} clears the labels. */
  static NodeUpdate update(Bodies.Bound<?> body, String name, String description, Map<String, String> labels,
      String host) {
    if (name != null && name.isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name must not be empty");
    }
    return new NodeUpdate(Optional.ofNullable(name), Optional.ofNullable(description),
        body.has("labels") ? Optional.of(labels == null ? Map.of() : labels) : Optional.empty(),
        Optional.ofNullable(host));
  }

  /**
   * Applies the edit: a move when {@code parent} is given and differs, then the edit of the node's own fields when
   * any is given; answers {@code view} afterwards.
   */
  void edit(Context ctx, String id, Bodies.Bound<?> body, String parent, NodeUpdate u, Change update,
      Supplier<Object> view) {
    List<Change> parts = new ArrayList<>();
    if (body.has("parent")) {
      Optional<String> to = Optional.ofNullable(parent);
      if (!to.equals(clusterd.parentOf(id))) {
        parts.add(new Change.Move(id, to, Params.force(ctx)));
      }
    }
    if (u.name().isPresent() || u.description().isPresent() || u.labels().isPresent() || u.host().isPresent()) {
      parts.add(update);
    }
    runAll(ctx, parts, view);
  }

  /**
   * STAND-IN for one atomic core change (Change.EditNode): plans every part, refuses all when one is refused, then
   * applies the parts one after the other. Swap this method's body for
   * {@code changes.answer(ctx, new Change.EditNode(...), res -> view.get())} once the engine has it.
   */
  private void runAll(Context ctx, List<Change> parts, Supplier<Object> view) {
    if (Params.dryRun(ctx)) {
      List<Object> plans = new ArrayList<>();
      for (Change c : parts) {
        plans.add(Json.plan(clusterd.plan(c)));
      }
      Answers.json(ctx, plans.size() == 1 ? plans.get(0) : Map.of("dryRun", true, "plans", plans));
      return;
    }
    // all or nothing: a refused part (a move into a cycle, say) must not leave the other parts applied; a single
    // change is refused atomically by apply itself
    for (Change c : parts.size() > 1 ? parts : List.<Change>of()) {
      Plan plan = clusterd.plan(c);
      if (!plan.accepted()) {
        throw ClusterdException.refused(plan.conflicts());
      }
    }
    CompletableFuture<ChangeResult> done = CompletableFuture.completedFuture(null);
    for (Change c : parts) {
      done = done.thenCompose(previous -> changes.apply(ctx, c));
    }
    Answers.later(ctx, done, (x, last) -> Answers.json(x, view.get()));
  }
}

package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Change;
import io.clusterd.core.NodeUpdate;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@code PUT} on an instance or a cluster: its own fields and, with {@code parent}, a move ({@code null} = to
 * the top level), as one atomic change of the engine.
 */
final class NodeEdits {
  private final Changes changes;

  NodeEdits(Changes changes) {
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
   * Applies the edit as one change: a move when {@code parent} is given ({@code null} = to the top level), and the
   * node's own fields; answers {@code view} afterwards.
   */
  void edit(Context ctx, String id, Bodies.Bound<?> body, String parent, NodeUpdate u, Supplier<Object> view) {
    Optional<Change.Move> move = body.has("parent")
        ? Optional.of(new Change.Move(id, Optional.ofNullable(parent), Params.force(ctx))) : Optional.empty();
    changes.answer(ctx, new Change.EditNode(id, u, move), res -> view.get());
  }
}

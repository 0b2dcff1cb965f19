package io.clusterd.http.internal;

import io.clusterd.FanOutResult;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Hands a change to the engine the way every write route does: {@code ?dryRun=true} answers the plan and changes
 * nothing, otherwise the change is applied and answered once durable, without blocking the server thread.
 */
final class Changes {
  private final Clusterd clusterd;
  private final Metrics metrics;

  Changes(Clusterd clusterd, Metrics metrics) {
    this.clusterd = clusterd;
    this.metrics = metrics;
  }

  /** Plans (dry run) or applies a change and answers 200 with {@code body(result)}. */
  void answer(Context ctx, Change c, Function<ChangeResult, Object> body) {
    answer(ctx, c, 200, body);
  }

  /** Plans (dry run) or applies a change and answers {@code status} with {@code body(result)}. */
  void answer(Context ctx, Change c, int status, Function<ChangeResult, Object> body) {
    if (plannedOnly(ctx, c)) {
      return;
    }
    Answers.later(ctx, apply(ctx, c), (x, res) -> Answers.json(x, status, body.apply(res)));
  }

  /** Plans (dry run) or applies a fanned-out change and answers the aggregated result with its status. */
  void fanOut(Context ctx, Change c) {
    if (plannedOnly(ctx, c)) {
      return;
    }
    long start = System.nanoTime();
    Answers.later(ctx, apply(ctx, c), (x, res) -> {
      FanOutResult r = res.fanOut();
      metrics.fanOut(r.summary().total(), r.status(), Duration.ofNanos(System.nanoTime() - start));
      Answers.json(x, r.status(), Json.fanOut(r));
    });
  }

  /**
   * A sync of a node: its dry run reads the live values and lists only the writes that would change something;
   * the sync itself re-applies every effective pin.
   */
  void sync(Context ctx, String node) {
    if (Params.dryRun(ctx)) {
      Answers.later(ctx, clusterd.planSync(node).thenApply(Json::plan));
      return;
    }
    fanOut(ctx, new Change.Sync(node));
  }

  /** With {@code ?dryRun=true}: answers the plan and says so. */
  boolean plannedOnly(Context ctx, Change c) {
    if (!Params.dryRun(ctx)) {
      return false;
    }
    Answers.later(ctx, clusterd.planChecked(c).thenApply(Json::plan));
    return true;
  }

  /** Applies {@code c} with the request's principal as the actor. */
  CompletableFuture<ChangeResult> apply(Context ctx, Change c) {
    return apply(Params.actor(ctx), c);
  }

  /** Applies {@code c} with {@code actor}, read from the request before the work goes asynchronous. */
  CompletableFuture<ChangeResult> apply(Optional<String> actor, Change c) {
    return clusterd.apply(c, actor);
  }
}

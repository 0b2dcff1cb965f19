package io.clusterd.http.internal;

import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * How a handler answers: JSON bodies sent as exactly {@code application/json; charset=utf-8} (the original web
 * client insists), and answers that wait for the engine handed to {@code ctx.future} so no server thread blocks.
 */
final class Answers {
  private Answers() { }

  static void json(Context ctx, Object body) {
    ctx.contentType("application/json; charset=utf-8");
    ctx.result(Json.bytes(body));
  }

  static void json(Context ctx, int status, Object body) {
    ctx.status(status);
    json(ctx, body);
  }

  /** Answers with what the future yields, as JSON; a failure goes through the error table. */
  static void later(Context ctx, CompletableFuture<?> body) {
    later(ctx, body, Answers::json);
  }

  /** Answers with {@code answer(ctx, value)} once the future completes; a failure goes through the error table. */
  static <T> void later(Context ctx, CompletableFuture<T> value, BiConsumer<Context, ? super T> answer) {
    ctx.future(() -> value.thenAccept(v -> answer.accept(ctx, v)).exceptionally(t -> {
      ErrorAnswers.answer(ctx, t);
      return null;
    }));
  }
}

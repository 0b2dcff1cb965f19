package io.clusterd.http.internal;

import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.http.HttpHeader;

/**
 * How a handler answers: JSON bodies sent as exactly {@code application/json; charset=utf-8} (the original web
 * daemon's string, which strict clients compare), {@code 204} with no body where the original daemon sends none,
 * and answers that wait for the engine handed to {@code ctx.future} so no server thread blocks.
 */
final class Answers {
  /** The content type of every JSON answer, byte for byte. */
  static final String JSON = "application/json; charset=utf-8";

  private Answers() { }

  static void json(Context ctx, Object body) {
    jsonContentType(ctx);
    ctx.result(Json.bytes(body));
  }

  static void json(Context ctx, int status, Object body) {
    ctx.status(status);
    json(ctx, body);
  }

  /** {@code 204 No Content}: no body and no content type. */
  static void noContent(Context ctx) {
    ctx.status(204);
    ctx.result(new byte[0]);
  }

  /**
   * Sets {@link #JSON}. Jetty's servlet layer rewrites every content type it knows to its own canonical spelling
   * ({@code application/json;charset=utf-8}, no space), so the servlet view is set first (what the servlet API
   * reads back) and the exact field is then put on the core response underneath, which is what goes on the wire.
   */
  static void jsonContentType(Context ctx) {
    ctx.contentType(JSON);
    ServletContextResponse res = ServletContextResponse.getServletContextResponse(ctx.res());
    if (res != null) {
      res.getWrapped().getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    }
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

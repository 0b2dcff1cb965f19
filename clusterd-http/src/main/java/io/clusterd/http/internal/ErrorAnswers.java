package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.UncheckedIOException;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from failures to answers, so every error has the {@code {"error": {...}}} body clients look for:
 * {@link ClusterdException} answers its own status, a body Jackson could not bind answers 400 {@code INVALID_BODY}
 * naming the field, anything else 500 {@code INTERNAL_ERROR} (logged, never shown).
 */
final class ErrorAnswers {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorAnswers.class);

  private ErrorAnswers() { }

  /** Registers the table with Javalin: thrown exceptions, and the 404 and 405 Javalin answers itself. */
  static void register(RoutesConfig r) {
    r.exception(Exception.class, (e, ctx) -> answer(ctx, e));
    r.error(404, ctx -> {
      if (!answeredWithJson(ctx)) {
        fail(ctx, ClusterdException.of(ErrorCode.NOT_FOUND, "no route " + ctx.method() + " " + ctx.path(),
            Map.of("path", ctx.path())));
      }
    });
    r.error(405, ctx -> {
      if (!answeredWithJson(ctx)) {
        fail(ctx, ClusterdException.of(ErrorCode.METHOD_NOT_ALLOWED,
            "method " + ctx.method() + " is not allowed on " + ctx.path(), Map.of("path", ctx.path())));
      }
    });
  }

  /** Answers a failure by the table. */
  static void answer(Context ctx, Throwable t) {
    ClusterdException e = toError(t);
    if (e.code() == ErrorCode.INTERNAL_ERROR) {
      LOG.warn("unexpected error on {} {}", ctx.method(), ctx.path(), t);
    }
    fail(ctx, e);
  }

  static void fail(Context ctx, ClusterdException e) {
    if (e.code() == ErrorCode.TOO_MANY_REQUESTS && e.details().get("retryAfterSeconds") != null) {
      ctx.header("Retry-After", String.valueOf(e.details().get("retryAfterSeconds")));
    }
    Answers.json(ctx, e.httpStatus(), Json.error(e));
  }

  /** The table itself. */
  static ClusterdException toError(Throwable t) {
    t = ClusterdException.unwrap(t);
    if (t instanceof UncheckedIOException && t.getCause() != null) {
      t = t.getCause(); // Jackson reports a body it cannot read so
    }
    if (t instanceof ClusterdException e) {
      return e;
    }
    if (t instanceof JsonMappingException e) {
      return invalidBody(e);
    }
    if (t instanceof UnsupportedCharsetException || t instanceof IllegalCharsetNameException) {
      return Bodies.unsupportedCharset(t.getMessage());
    }
    if (t instanceof HttpResponseException e) {
      return fromJavalin(e);
    }
    return ClusterdException.of(ErrorCode.INTERNAL_ERROR, "internal error: the daemon log has details");
  }

  private static ClusterdException invalidBody(JsonMappingException e) {
    String field = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    if (e instanceof UnrecognizedPropertyException u) {
      Collection<Object> known = u.getKnownPropertyIds() == null ? List.of() : u.getKnownPropertyIds();
      return ClusterdException.of(ErrorCode.INVALID_BODY, "unknown field '" + field + "' in the body; known fields: "
          + known.stream().map(Object::toString).sorted().collect(Collectors.joining(", ")), Map.of("field", field));
    }
    if (e instanceof InvalidNullException) {
      return ClusterdException.of(ErrorCode.INVALID_BODY, "'" + field + "' must not be null", Map.of("field", field));
    }
    return ClusterdException.of(ErrorCode.INVALID_BODY, "'" + field + "' must be " + expected(e),
        Map.of("field", field));
  }

  private static String expected(JsonMappingException e) {
    Class<?> type = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m ? m.getTargetType()
        : null;
    if (type == null) {
      return "of another type";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "an object of strings";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "an array of strings";
    }
    return "of another type";
  }

  private static ClusterdException fromJavalin(HttpResponseException e) {
    ErrorCode code = switch (e.getStatus()) {
      case 404 -> ErrorCode.NOT_FOUND;
      case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
      case 415 -> ErrorCode.REQUEST_UNSUPPORTED_CONTENT_TYPE;
      case 401 -> ErrorCode.NEED_AUTHENTICATION;
      case 403 -> ErrorCode.FORBIDDEN;
      case 503 -> ErrorCode.UNAVAILABLE;
      default -> e.getStatus() < 500 ? ErrorCode.INVALID_BODY : ErrorCode.INTERNAL_ERROR;
    };
    return ClusterdException.of(code, e.getMessage() == null || e.getMessage().isBlank() ? code.token()
        : e.getMessage());
  }

  private static boolean answeredWithJson(Context ctx) {
    String ct = ctx.res().getContentType();
    return ct != null && ct.startsWith("application/json");
  }
}

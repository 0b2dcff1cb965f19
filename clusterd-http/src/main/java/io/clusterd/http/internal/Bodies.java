package io.clusterd.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads request bodies: JSON objects bound to records by the shared mapper (unknown fields and numbers or
 * booleans where strings belong are refused by the error table), and raw or JSON-string key values. The declared
 * charset is checked before any byte is decoded, so a bad one answers 415 instead of failing deep inside.
 */
final class Bodies {
  /** A bound body and the fields it named, for fields where {@code null} and absent mean different things. */
  record Bound<T>(T value, Set<String> present) {
    boolean has(String field) {
      return present.contains(field);
    }
  }

  private Bodies() { }

  /** A JSON object body bound to {@code type}; declared types other than JSON and plain text answer 415. */
  static <T> Bound<T> bind(Context ctx, Class<T> type) {
    return bind(object(ctx), type);
  }

  /** A JSON object bound to {@code type}: the record and the fields the object named. */
  static <T> Bound<T> bind(JsonNode tree, Class<T> type) {
    Set<String> present = new HashSet<>();
    tree.fieldNames().forEachRemaining(present::add);
    try {
      return new Bound<>(Json.MAPPER.treeToValue(tree, type), Set.copyOf(present));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON object body; declared types other than JSON and plain text answer 415. */
  static JsonNode object(Context ctx) {
    return Json.object(json(ctx, "application/json"));
  }

  /** A JSON body of any kind; declared types other than JSON and plain text answer 415 naming {@code wanted}. */
  static JsonNode json(Context ctx, String wanted) {
    String ct = contentType(ctx);
    if (!ct.isEmpty() && !ct.startsWith("application/json") && !ct.startsWith("text/plain")) {
      throw unsupported(ct, wanted);
    }
    return json(ctx);
  }

  /** A key value: {@code text/plain} raw, or a JSON string ({@code null} = empty). */
  static String value(Context ctx) {
    String ct = contentType(ctx);
    if (ct.startsWith("application/json")) {
      JsonNode n = json(ctx);
      if (n.isNull()) {
        return "";
      }
      if (!n.isTextual()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY,
            "a JSON value must be a JSON string like \"8080\", not " + Json.kind(n));
      }
      return n.asText();
    }
    if (ct.startsWith("text/plain") || ct.isEmpty()) {
      return text(ctx);
    }
    throw unsupported(ct, "text/plain or application/json");
  }

  /** The body as text in its declared charset (UTF-8 when none is declared). */
  static String text(Context ctx) {
    return new String(ctx.bodyAsBytes(), charset(ctx));
  }

  /** The body parsed as JSON; with a declared charset other than UTF-8 it is decoded first. */
  static JsonNode json(Context ctx) {
    Charset cs = charset(ctx);
    return cs.equals(StandardCharsets.UTF_8) ? Json.parse(ctx.bodyAsBytes())
        : Json.parse(text(ctx).getBytes(StandardCharsets.UTF_8));
  }

  /** The declared content type, lower case, or empty. */
  static String contentType(Context ctx) {
    return Optional.ofNullable(ctx.header("Content-Type")).orElse("").strip().toLowerCase(Locale.ROOT);
  }

  /** The charset parameter of the content type: UTF-8 when absent; unknown or malformed ones answer 415. */
  static Charset charset(Context ctx) {
    String ct = Optional.ofNullable(ctx.header("Content-Type")).orElse("");
    for (String param : ct.split(";")) {
      int eq = param.indexOf('=');
      if (eq < 0 || !param.substring(0, eq).strip().equalsIgnoreCase("charset")) {
        continue;
      }
      String name = param.substring(eq + 1).strip();
      if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
        name = name.substring(1, name.length() - 1);
      }
      try {
        return Charset.forName(name);
      } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
        throw unsupportedCharset(name);
      }
    }
    return StandardCharsets.UTF_8;
  }

  static ClusterdException unsupportedCharset(String name) {
    return ClusterdException.of(ErrorCode.REQUEST_UNSUPPORTED_CONTENT_TYPE,
        "charset '" + name + "' is not supported: send UTF-8", Map.of("charset", String.valueOf(name)));
  }

  static ClusterdException unsupported(String ct, String wanted) {
    return ClusterdException.of(ErrorCode.REQUEST_UNSUPPORTED_CONTENT_TYPE,
        "content type '" + ct + "' is not supported here: send " + wanted, Map.of("contentType", ct));
  }
}

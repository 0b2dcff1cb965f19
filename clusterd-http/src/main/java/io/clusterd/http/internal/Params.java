package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.Namespace;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what a request says in its path and query: node ids, key names (each segment percent-decoded on its
 * own), paging and flags, and who asks. Malformed escapes answer 400 instead of escaping as 500s.
 */
final class Params {
  private Params() { }

  /**
   * Refuses a request path with a malformed percent escape ({@code %u0041}, a lone {@code %}) with 400 before
   * routing decodes its parameters.
   */
  static void checkEscapes(Context ctx) {
    String raw = ctx.req().getRequestURI();
    for (int at = raw.indexOf('%'); at >= 0; at = raw.indexOf('%', at + 1)) {
      if (at + 2 >= raw.length() || Character.digit(raw.charAt(at + 1), 16) < 0
          || Character.digit(raw.charAt(at + 2), 16) < 0) {
        String bad = raw.substring(at, Math.min(raw.length(), at + 3));
        throw ClusterdException.of(ErrorCode.INVALID_REQUEST, "the request path has a malformed escape '" + bad
            + "': percent-encode each segment with encodeURIComponent", Map.of("escape", bad));
      }
    }
  }

  /** A path parameter, decoded; a malformed escape answers 400 {@code INVALID_ID}. */
  static String path(Context ctx, String name) {
    try {
      return ctx.pathParam(name);
    } catch (IllegalArgumentException e) {
      throw ClusterdException.of(ErrorCode.INVALID_ID, "the '" + name + "' in the path is not valid percent-encoding",
          Map.of("parameter", name));
    }
  }

  /**
   * The key name after {@code /<route>/} in the raw request path: each segment is percent-decoded on its own, so
   * an escaped slash sent as {@code %5C%2F} stays inside its part. Legacy names ({@code user/x}) are translated.
   */
  static KeyName key(Context ctx, String route) {
    return KeyName.parse(rest(ctx, route));
  }

  static String rest(Context ctx, String route) {
    String encoded = rawKey(ctx).orElseThrow(() -> ClusterdException.of(ErrorCode.INVALID_KEY_NAME,
        "the key name is missing after /" + route + "/"));
    StringBuilder out = new StringBuilder();
    Iterator<String> segments = List.of(encoded.split("/", -1)).iterator();
    while (segments.hasNext()) {
      String segment = segments.next();
      try {
        out.append(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ClusterdException.of(ErrorCode.INVALID_KEY_NAME, "the key name is not valid percent-encoding: '"
            + segment + "'; encode each part with encodeURIComponent", Map.of("segment", segment));
      }
      if (segments.hasNext()) {
        out.append('/');
      }
    }
    return out.toString();
  }

  /**
   * The key name after {@code /<route>/}, or the cascading root {@code /} when the request path ends at the route:
   * like elektrad's {@code GET /kdb}, it lists the keys of every namespace (the original web client builds its
   * tree from that {@code ls}).
   */
  static KeyName keyOrRoot(Context ctx, String route) {
    return rawKey(ctx).isEmpty() ? KeyName.root(Namespace.CASCADING) : key(ctx, route);
  }

  /**
   * The raw part of the request path after {@code /api/<instances|clusters>/<id>/<route>/}, found by position:
   * the route's name may also be a node id or a part of the key name ({@code .../kdb/user:/app/kdb}).
   */
  private static Optional<String> rawKey(Context ctx) {
    String raw = ctx.req().getRequestURI();
    int at = 0;
    for (int slash = 0; slash < 5; slash++) {
      at = raw.indexOf('/', at) + 1;
      if (at == 0) {
        return Optional.empty();
      }
    }
    return at >= raw.length() ? Optional.empty() : Optional.of(raw.substring(at));
  }

  static int intParam(Context ctx, String name, int dflt, int min, int max) {
    String s = ctx.queryParam(name);
    if (s == null || s.isEmpty()) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(s);
      if (v < min || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "query parameter '" + name + "' must be an integer from " + min + " to " + max + ", not '" + s + "'",
          Map.of("parameter", name));
    }
  }

  static boolean dryRun(Context ctx) {
    return "true".equals(ctx.queryParam("dryRun"));
  }

  static boolean force(Context ctx) {
    return "true".equals(ctx.queryParam("force"));
  }

  static Optional<String> actor(Context ctx) {
    Auth.Principal p = ctx.attribute("principal");
    return p == null ? Optional.empty() : Optional.of(p.name());
  }
}

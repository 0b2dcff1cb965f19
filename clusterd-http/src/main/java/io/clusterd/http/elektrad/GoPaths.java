package io.clusterd.http.elektrad;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * How elektrad's Go stack reads a request path and query (net/url, gorilla/mux), so the stand-in routes exactly
 * the paths a real elektrad routes and refuses the same ones.
 */
final class GoPaths {
  private GoPaths() { }

  /** Go's {@code url.PathUnescape}: strict {@code %XX}, '+' stays; empty on a bad escape. */
  static Optional<String> percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return Optional.of(raw);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      byte c = bytes[i];
      if (c == '%') {
        if (i + 2 >= bytes.length) {
          return Optional.empty();
        }
        int hi = Character.digit(bytes[i + 1], 16);
        int lo = Character.digit(bytes[i + 2], 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        out.write(c);
      }
    }
    return Optional.of(out.toString(StandardCharsets.UTF_8));
  }

  /** gorilla/mux's {@code cleanPath}: Go's {@code path.Clean}, keeping a trailing slash. */
  static String cleanPath(String p) {
    if (p.isEmpty()) {
      return "/";
    }
    if (p.charAt(0) != '/') {
      p = "/" + p;
    }
    java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
    for (String segment : p.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(segment);
      }
    }
    String np = "/" + String.join("/", out);
    if (p.endsWith("/") && !np.equals("/")) {
      np += "/";
    }
    return np;
  }

  /** A query parameter as Go's {@code r.URL.Query()} sees it: present (maybe empty) or absent. */
  static Optional<String> queryParam(String rawQuery, String name) {
    if (rawQuery == null) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("[&;]")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (k.equals(name)) {
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        return Optional.of(java.net.URLDecoder.decode(v, StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  /**
   * Writes the {@code Content-Type} as Go does ({@code text/plain; charset=utf-8}, with a space), which the
   * servlet layer would normalize away; applied to the core response just before its first bytes go out.
   */
}

package io.clusterd.core.transport.http;

import io.clusterd.KeyName;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Builds the raw (percent-encoded) request paths elektrad understands and tells which ones it cannot receive.
 *
 * <p>elektrad's router (gorilla/mux) percent-decodes the path, then answers 301 instead of routing when the
 * decoded path is not clean (Go's {@code path.Clean}: an empty segment from {@code //}, a {@code .} or
 * {@code ..} segment). A key name follows the route verbatim, so only names whose escaped form keeps the
 * decoded path clean can be addressed: no cascading name but the root (sent as {@code /kdb/}), and no name
 * where a part containing {@code /} yields such a segment ({@code user:/a\//b}, {@code user:/x\/./y}).
 *
 * <p>Encoding keeps {@code /}, {@code :}, {@code @} and RFC 3986's unreserved characters and percent-encodes
 * every other UTF-8 byte, so that the result is a valid {@link java.net.URI} path that neither Go nor Jetty
 * reinterprets ({@code ;}, {@code %}, {@code ?}, {@code #}, {@code \}, spaces and non-ASCII are encoded).
 */
final class ElektradPaths {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ElektradPaths() {}

  /** The decoded path elektrad sees for {@code route} and a key, e.g. {@code /kdb/user:/a b}. */
  static String decoded(String route, KeyName key) {
    // elektrad reads an empty name as the cascading root "/"
    return route + "/" + (key.isCascading() && key.isRoot() ? "" : key.toString());
  }

  /**
   * The raw path for {@code route} and a key, or empty when elektrad's router would redirect it.
   *
   * @param route a route without trailing slash, e.g. {@code /kdb}
   */
  static Optional<String> forKey(String route, KeyName key) {
    String decoded = decoded(route, key);
    return isClean(decoded) ? Optional.of(encode(decoded)) : Optional.empty();
  }

  /** The raw path for {@code route} followed by one free-form segment (a regular expression), or empty. */
  static Optional<String> forText(String route, String text) {
    String decoded = route + "/" + text;
    return isClean(decoded) ? Optional.of(encode(decoded)) : Optional.empty();
  }

  /**
   * Whether gorilla/mux routes {@code path} without redirecting: Go's {@code path.Clean} leaves it unchanged
   * apart from a trailing slash, which mux keeps.
   */
  static boolean isClean(String path) {
    if (!path.startsWith("/")) {
      return false;
    }
    int start = 1;
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      String segment = path.substring(start, end);
      boolean last = end == n;
      if (segment.equals(".") || segment.equals("..") || (segment.isEmpty() && !last)) {
        return false;
      }
      start = end + 1;
    }
    return true;
  }

  /** Percent-encodes everything but unreserved characters, {@code /}, {@code :} and {@code @}. */
  static String encode(String decoded) {
    byte[] bytes = decoded.getBytes(StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(bytes.length + 16);
    for (byte x : bytes) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':' || c == '@') {
        b.append((char) c);
      } else {
        b.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return b.toString();
  }

  /**
   * An equivalent regular expression (RE2 and Java syntax) that elektrad's router lets through as one path
   * tail: each {@code /} outside a character class becomes {@code [/]} and inside one {@code \/}, so no
   * segment of the path is empty, {@code .} or {@code ..}; a whole expression {@code .} or {@code ..} is
   * grouped.
   */
  static String slashSafeRegex(String regex) {
    if (regex.equals(".") || regex.equals("..")) {
      return "(?:" + regex + ")";
    }
    StringBuilder b = new StringBuilder(regex.length() + 8);
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < regex.length() && regex.charAt(i + 1) == 'Q') {
        // \Q...\E quotes literally: a slash inside is written outside the quote
        int end = regex.indexOf("\\E", i + 2);
        String quoted = regex.substring(i + 2, end < 0 ? regex.length() : end);
        String slash = inClass ? "\\/" : "[/]";
        b.append("\\Q").append(quoted.replace("/", "\\E" + slash + "\\Q")).append("\\E");
        i = end < 0 ? regex.length() : end + 1;
      } else if (inClass && c == '[' && i + 1 < regex.length() && regex.charAt(i + 1) == ':') {
        // a POSIX class such as [:alpha:] inside a character class
        int end = regex.indexOf(":]", i + 2);
        int stop = end < 0 ? i : end + 1;
        b.append(regex, i, stop + 1);
        i = stop;
      } else if (c == '\\' && i + 1 < regex.length()) {
        char next = regex.charAt(++i);
        if (next == '/') {
          b.append(inClass ? "\\/" : "[/]");
        } else {
          b.append(c).append(next);
        }
      } else if (c == '/') {
        b.append(inClass ? "\\/" : "[/]");
      } else {
        if (c == '[' && !inClass) {
          inClass = true;
          b.append(c);
          // a ']' right after '[' or '[^' is a literal member of the class
          if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
            b.append(regex.charAt(++i));
          }
          if (i + 1 < regex.length() && regex.charAt(i + 1) == ']') {
            b.append(regex.charAt(++i));
          }
          continue;
        }
        if (c == ']' && inClass) {
          inClass = false;
        }
        b.append(c);
      }
    }
    return b.toString();
  }
}

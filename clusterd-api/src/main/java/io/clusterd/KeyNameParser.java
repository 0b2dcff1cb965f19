package io.clusterd;

import java.util.Arrays;
import java.util.Map;

/**
 * Parses escaped Elektra key names in one pass without regular expressions (parse is on the lock-check hot
 * path). One instance parses one text; on failure it keeps the reason instead of throwing, so that
 * {@link KeyName#tryParse} costs no exception.
 *
 * <p>The rules are those of Elektra's {@code doc/KEYNAMES.md}; see {@link KeyName} for a summary.
 */
final class KeyNameParser {
  /** 2^63-1, the largest array index; array digits are compared as strings of equal length against it. */
  private static final String MAX_INDEX = "9223372036854775807";

  private final String text;
  private String[] parts;
  private int size;
  /** Stays true while the text (from the first slash on) is already in canonical form. */
  private boolean canonical = true;
  private String reason;
  private String problem;

  private KeyNameParser(String text, String[] initialParts) {
    this.text = text;
    this.parts = initialParts.length == 0 ? new String[8] : Arrays.copyOf(initialParts, initialParts.length + 8);
    this.size = initialParts.length;
  }

  /** The key name {@code name}, or null if it is invalid; then {@code error} receives the parser. */
  static KeyName parse(String name, KeyNameParser[] error) {
    KeyNameParser p = new KeyNameParser(name, KeyName.NO_PARTS);
    KeyName k = p.parseAbsolute();
    if (k == null && error != null) {
      error[0] = p;
    }
    return k;
  }

  /**
   * {@code base} with the escaped relative name {@code relative} added as Elektra's {@code keyAddName} does,
   * or null if {@code relative} is invalid; then {@code error} receives the parser.
   */
  static KeyName addName(KeyName base, String relative, KeyNameParser[] error) {
    KeyNameParser p = new KeyNameParser(relative, base.partsArray());
    KeyName k = p.parseRelative(base.namespace());
    if (k == null && error != null) {
      error[0] = p;
    }
    return k;
  }

  /** The exception for a failed parse of a whole name. */
  ClusterdException nameError() {
    return invalid(text, "invalid key name '" + text + "': " + problem, reason);
  }

  /** The exception for a failed parse of a relative name added to {@code base}. */
  ClusterdException relativeError(KeyName base) {
    return invalid(
        text, "invalid relative key name '" + text + "' (added to '" + base + "'): " + problem, reason);
  }

  static ClusterdException invalid(String name, String message, String reason) {
    return new ClusterdException(ErrorCode.INVALID_KEY_NAME, message, Map.of("name", name, "reason", reason));
  }

  private KeyName parseAbsolute() {
    int len = text.length();
    if (len == 0) {
      return fail("empty name",
          "a key name must not be empty; write '/' for the cascading root or e.g. 'user:/' for a namespace root");
    }
    Namespace ns;
    int start;
    if (text.charAt(0) == '/') {
      ns = Namespace.CASCADING;
      start = 0;
    } else {
      int i = 0;
      char c = 0;
      while (i < len && (c = text.charAt(i)) != ':' && c != '/') {
        i++;
      }
      if (i < len && c == ':') {
        ns = Namespace.byName(text, 0, i);
        if (ns == null) {
          return fail("unknown namespace", "unknown namespace '" + text.substring(0, i) + "' before index " + i
              + "; known are meta, spec, proc, dir, user, system and default, and none (a cascading name starts "
              + "with '/')");
        }
        if (i + 1 >= len || text.charAt(i + 1) != '/') {
          return fail("missing slash after namespace", "the namespace '" + text.substring(0, i + 1)
              + "' must be followed by '/' at index " + (i + 1) + ", e.g. '" + text.substring(0, i + 1) + "/'");
        }
        start = i + 1;
      } else if (i == 4 && text.startsWith("user")) {
        // Elektra < 0.9: "user/a" and "user" are now "user:/a" and "user:/"
        ns = Namespace.USER;
        start = i;
        canonical = false;
      } else if (i == 6 && text.startsWith("system")) {
        ns = Namespace.SYSTEM;
        start = i;
        canonical = false;
      } else {
        return fail("missing namespace", "a key name starts with '/' (cascading) or with a namespace and ':/' "
            + "such as 'user:/', but this one starts with '" + text.substring(0, i) + "'");
      }
    }
    if (!parseParts(start)) {
      return null;
    }
    return finish(ns, canonical ? text : null);
  }

  private KeyName parseRelative(Namespace ns) {
    if (!parseParts(0)) {
      return null;
    }
    return finish(ns, null);
  }

  private KeyName finish(Namespace ns, String canonicalText) {
    if (size > 0 && parts[0].isEmpty()) {
      return fail("empty first part", "the first part is empty ('%' right after '" + ns.prefix() + "/'); Elektra "
          + "cannot tell '" + ns.prefix() + "/%' from the root key '" + ns.prefix() + "/', so no key name may start "
          + "with an empty part");
    }
    String[] p = size == 0 ? KeyName.NO_PARTS : Arrays.copyOf(parts, size);
    return new KeyName(ns, p, canonicalText != null ? canonicalText : KeyName.render(ns, p));
  }

  /** Parses the parts of {@code text} from index {@code from} onto the part stack; false on error. */
  private boolean parseParts(int from) {
    String s = text;
    int len = s.length();
    int i = from;
    boolean sawPart = false;
    while (true) {
      int sepStart = i;
      while (i < len && s.charAt(i) == '/') {
        i++;
      }
      int slashes = i - sepStart;
      if (i >= len) {
        // trailing slashes are dropped; only a root key keeps its single slash
        if (slashes > 0 && (sawPart || slashes != 1)) {
          canonical = false;
        }
        return true;
      }
      if (slashes != 1) {
        canonical = false;
      }
      sawPart = true;
      int ps = i;
      boolean escaped = false;
      while (i < len) {
        char c = s.charAt(i);
        if (c == '/') {
          break;
        }
        if (c == '\\') {
          if (i + 1 >= len) {
            return failB("dangling escape", "the name ends with an unescaped backslash at index " + i
                + "; write '\\\\' for a backslash");
          }
          escaped = true;
          i += 2;
          continue;
        }
        if (c == 0) {
          return failB("NUL character", "a key name part must not contain the NUL character (index " + i + ")");
        }
        if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
            i += 2;
            continue;
          }
          return failB("unpaired surrogate", "unpaired UTF-16 surrogate at index " + i
              + "; a key name must be valid Unicode (it is stored as UTF-8)");
        }
        i++;
      }
      String part;
      if (escaped) {
        part = unescape(ps, i);
        if (part == null) {
          return false;
        }
      } else {
        int pl = i - ps;
        char c0 = s.charAt(ps);
        if (c0 == '.' && pl <= 2 && (pl == 1 || s.charAt(ps + 1) == '.')) {
          canonical = false;
          if (pl == 2 && size > 0) {
            size--; // ".." removes the previous part, never the namespace
          }
          continue;
        }
        if (c0 == '%' && pl == 1) {
          part = ""; // "%" is the empty part
        } else if (c0 == '#' && pl > 2) {
          part = arrayPart(ps, i);
        } else {
          part = s.substring(ps, i);
        }
      }
      push(part);
    }
  }

  /**
   * The part {@code text[ps, end)} starting with '#': canonical array parts and other '#' parts stay as they
   * are, a non-canonical array part (digits without underscores) gets its underscores.
   */
  private String arrayPart(int ps, int end) {
    String s = text;
    int j = ps + 1;
    while (j < end && s.charAt(j) == '_') {
      j++;
    }
    int underscores = j - ps - 1;
    int digits = end - j;
    if (underscores == 0 && isIndex(j, end) && digits > 1) {
      canonical = false;
      StringBuilder b = new StringBuilder(1 + 2 * digits - 1).append('#');
      for (int k = 1; k < digits; k++) {
        b.append('_');
      }
      return b.append(s, j, end).toString();
    }
    return s.substring(ps, end);
  }

  /** Whether {@code text[from, to)} is a decimal number 0..2^63-1 without leading zeros. */
  private boolean isIndex(int from, int to) {
    String s = text;
    int digits = to - from;
    if (digits == 0 || digits > 19 || (digits > 1 && s.charAt(from) == '0')) {
      return false;
    }
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return digits < 19 || compareDigits(from) <= 0;
  }

  private int compareDigits(int from) {
    for (int k = 0; k < 19; k++) {
      int d = text.charAt(from + k) - MAX_INDEX.charAt(k);
      if (d != 0) {
        return d;
      }
    }
    return 0;
  }

  /** The unescaped part {@code text[ps, end)} that contains escapes, or null after recording the error. */
  private String unescape(int ps, int end) {
    String s = text;
    if (s.charAt(ps) == '\\') {
      char e = s.charAt(ps + 1);
      int pl = end - ps;
      if (e == '.') {
        if (pl == 2) {
          return ".";
        }
        if (pl == 3 && s.charAt(ps + 2) == '.') {
          return "..";
        }
        return failS("illegal escape", "illegal escape sequence '\\.' at index " + ps
            + ": it is only allowed as the whole part '\\.' or '\\..' (the literal parts '.' and '..')");
      }
      if (e == '%') {
        if (pl == 2) {
          return "%";
        }
        return failS("illegal escape", "illegal escape sequence '\\%' at index " + ps
            + ": it is only allowed as the whole part '\\%' (the literal part '%')");
      }
      if (e == '#') {
        if (pl >= 4 && isIndex(ps + 2, end)) {
          return s.substring(ps + 1, end);
        }
        return failS("illegal escape", "illegal escape sequence '\\#' at index " + ps
            + ": it is only allowed before 2 to 19 digits without leading zero that form a number of at most "
            + MAX_INDEX + " (a part like '\\#10' that would otherwise become the array part '#_10')");
      }
    }
    StringBuilder b = new StringBuilder(end - ps);
    for (int j = ps; j < end; j++) {
      char c = s.charAt(j);
      if (c == '\\') {
        char e = s.charAt(++j);
        if (e != '/' && e != '\\') {
          return failS("illegal escape", "illegal escape sequence '\\" + e + "' at index " + (j - 1)
              + ": inside a part only '\\/' and '\\\\' are allowed");
        }
        b.append(e);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private void push(String part) {
    if (size == parts.length) {
      parts = Arrays.copyOf(parts, size * 2);
    }
    parts[size++] = part;
  }

  private KeyName fail(String reason, String problem) {
    this.reason = reason;
    this.problem = problem;
    return null;
  }

  private boolean failB(String reason, String problem) {
    fail(reason, problem);
    return false;
  }

  private String failS(String reason, String problem) {
    fail(reason, problem);
    return null;
  }

  /**
   * Why {@code part} cannot be a key name part (it contains NUL or an unpaired surrogate), or null if it can.
   */
  static String partProblem(String part) {
    for (int i = 0, n = part.length(); i < n; i++) {
      char c = part.charAt(i);
      if (c == 0) {
        return "NUL character";
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(part.charAt(i + 1))) {
          i++;
        } else {
          return "unpaired surrogate";
        }
      }
    }
    return null;
  }
}

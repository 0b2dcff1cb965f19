package io.clusterd.core.store.postgresql;

/**
 * The text of the store's string columns. PostgreSQL's {@code text} cannot hold U+0000, which clusterd's strings
 * may contain (and the other stores keep), so every string is written with {@code \} doubled and U+0000 as
 * {@code \0}; reading undoes it. Strings without either character are stored as they are. The JSON columns need
 * nothing: JSON writes U+0000 as an escape itself.
 */
final class PgText {
  private PgText() { }

  static String encode(String text) {
    if (text == null || (text.indexOf('\\') < 0 && text.indexOf('\u0000') < 0)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\u0000') {
        out.append("\\0");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static String decode(String text) {
    if (text == null || text.indexOf('\\') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        char next = text.charAt(++i);
        out.append(next == '0' ? '\u0000' : next);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}

package io.clusterd.http.elektrad;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as elektrad's Go code reads and writes it, so that the stand-in answers byte for byte: decoding stops
 * after the first value (trailing bytes are ignored, as Go's {@code json.Decoder} does) and fails with Go's
 * messages ({@code unexpected EOF}, {@code invalid character 'o' in literal null (expecting 'u')}); encoding
 * escapes as Go's {@code json.Marshal} does ({@code <}, {@code >}, {@code &} as {@code \u003c}...).
 *
 * <p>Decoded values are {@link String}, {@link BigDecimal}, {@link Boolean}, {@link #NULL}, {@code List} and
 * {@code Map} (insertion ordered).
 */
final class GoJson {
  /** The decoded JSON {@code null}. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoJson() {}

  /** A decoding failure carrying Go's error text. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String goMessage) {
      super(goMessage, null, false, false);
    }
  }

  // --- decoding ---

  /** Decodes the first JSON value of {@code in}, as {@code json.NewDecoder(body).Decode(&v)} reads it. */
  static Object decode(byte[] in) throws Failure {
    Reader r = new Reader(in);
    r.skipSpace();
    if (r.atEnd()) {
      throw new Failure("EOF");
    }
    return r.value();
  }

  /** The Go type name of a decoded value in {@code cannot unmarshal X into ...} messages. */
  static String kind(Object v) {
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof BigDecimal) {
      return "number";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof List) {
      return "array";
    }
    if (v instanceof Map) {
      return "object";
    }
    return "null";
  }

  private static final class Reader {
    private final byte[] b;
    private int i;

    Reader(byte[] b) {
      this.b = b;
    }

    boolean atEnd() {
      return i >= b.length;
    }

    void skipSpace() {
      while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
        i++;
      }
    }

    private int next() throws Failure {
      if (i >= b.length) {
        throw new Failure("unexpected EOF");
      }
      return b[i++] & 0xff;
    }

    private int peek() throws Failure {
      if (i >= b.length) {
        throw new Failure("unexpected EOF");
      }
      return b[i] & 0xff;
    }

    Object value() throws Failure {
      int c = peek();
      switch (c) {
        case '{':
          i++;
          return object();
        case '[':
          i++;
          return array();
        case '"':
          i++;
          return string();
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return NULL;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw invalid(c, "looking for beginning of value");
      }
    }

    private Map<String, Object> object() throws Failure {
      Map<String, Object> m = new LinkedHashMap<>();
      skipSpace();
      int c = next();
      if (c == '}') {
        return m;
      }
      while (true) {
        if (c != '"') {
          throw invalid(c, "looking for beginning of object key string");
        }
        String key = string();
        skipSpace();
        c = next();
        if (c != ':') {
          throw invalid(c, "after object key");
        }
        skipSpace();
        m.put(key, value());
        skipSpace();
        c = next();
        if (c == '}') {
          return m;
        }
        if (c != ',') {
          throw invalid(c, "after object key:value pair");
        }
        skipSpace();
        c = next();
      }
    }

    private List<Object> array() throws Failure {
      List<Object> list = new ArrayList<>();
      skipSpace();
      if (peek() == ']') {
        i++;
        return list;
      }
      while (true) {
        skipSpace();
        list.add(value());
        skipSpace();
        int c = next();
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          throw invalid(c, "after array element");
        }
      }
    }

    private void literal(String word) throws Failure {
      i++;
      for (int k = 1; k < word.length(); k++) {
        int c = next();
        if (c != word.charAt(k)) {
          throw invalid(c, "in literal " + word + " (expecting " + quoteChar(word.charAt(k)) + ")");
        }
      }
    }

    private BigDecimal number() throws Failure {
      int start = i;
      if (peek() == '-') {
        i++;
        int c = next();
        if (c < '0' || c > '9') {
          throw invalid(c, "in numeric literal");
        }
        i--;
      }
      if (next() != '0') {
        digits();
      }
      if (i < b.length && b[i] == '.') {
        i++;
        int c = next();
        if (c < '0' || c > '9') {
          throw invalid(c, "after decimal point in numeric literal");
        }
        digits();
      }
      if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        int c = next();
        if (c == '+' || c == '-') {
          c = next();
        }
        if (c < '0' || c > '9') {
          throw invalid(c, "in exponent of numeric literal");
        }
        digits();
      }
      return new BigDecimal(new String(b, start, i - start, StandardCharsets.US_ASCII));
    }

    private void digits() {
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
    }

    private String string() throws Failure {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringBuilder s = new StringBuilder();
      while (true) {
        int c = next();
        if (c == '"') {
          flush(out, s);
          return s.toString();
        }
        if (c < 0x20) {
          throw invalid(c, "in string literal");
        }
        if (c != '\\') {
          out.write(c);
          continue;
        }
        flush(out, s);
        c = next();
        switch (c) {
          case '"' -> s.append('"');
          case '\\' -> s.append('\\');
          case '/' -> s.append('/');
          case 'b' -> s.append('\b');
          case 'f' -> s.append('\f');
          case 'n' -> s.append('\n');
          case 'r' -> s.append('\r');
          case 't' -> s.append('\t');
          case 'u' -> {
            int v = 0;
            for (int k = 0; k < 4; k++) {
              int h = next();
              int d = Character.digit(h, 16);
              if (d < 0) {
                throw invalid(h, "in \\u hexadecimal character escape");
              }
              v = v * 16 + d;
            }
            s.append((char) v);
          }
          default -> throw invalid(c, "in string escape code");
        }
      }
    }

    private static void flush(ByteArrayOutputStream out, StringBuilder s) {
      if (out.size() > 0) {
        s.append(out.toString(StandardCharsets.UTF_8));
        out.reset();
      }
    }
  }

  private static Failure invalid(int c, String context) {
    return new Failure("invalid character " + quoteChar(c) + " " + context);
  }

  /** Go's {@code quoteChar}: the byte as a Go rune literal, {@code 'x'}, {@code '\n'}, {@code '\x01'}. */
  static String quoteChar(int c) {
    if (c == '\'') {
      return "'\\''";
    }
    if (c == '"') {
      return "'\"'";
    }
    String inner = switch (c) {
      case 7 -> "\\a";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case 11 -> "\\v";
      case '\\' -> "\\\\";
      default -> {
        if (c < 0x20 || c == 0x7f) {
          yield String.format("\\x%02x", c);
        }
        if (c >= 0x80 && c <= 0xa0 || c == 0xad) {
          yield String.format("\\u%04x", c);
        }
        yield String.valueOf((char) c);
      }
    };
    return "'" + inner + "'";
  }

  // --- encoding ---

  /** Appends {@code s} as a JSON string the way Go's {@code json.Marshal} writes it. */
  static StringBuilder quote(StringBuilder out, String s) {
    out.append('"');
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> unicode(out, c);
        default -> {
          if (c < 0x20) {
            unicode(out, c);
          } else if (Character.isSurrogate(c) && !validPair(s, k)) {
            out.append("\\ufffd");
          } else {
            out.append(c);
            if (Character.isHighSurrogate(c)) {
              out.append(s.charAt(++k));
            }
          }
        }
      }
    }
    return out.append('"');
  }

  private static boolean validPair(String s, int k) {
    return Character.isHighSurrogate(s.charAt(k)) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
  }

  private static void unicode(StringBuilder out, char c) {
    out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }

  /** A JSON array of strings, e.g. {@code ["user:/a"]}. */
  static String stringArray(List<String> values) {
    StringBuilder b = new StringBuilder().append('[');
    for (int k = 0; k < values.size(); k++) {
      if (k > 0) {
        b.append(',');
      }
      quote(b, values.get(k));
    }
    return b.append(']').toString();
  }

  /** {@code {"error":"..."}} as elektrad writes its error bodies. */
  static String error(String message) {
    return quote(new StringBuilder("{\"error\":"), message).append('}').toString();
  }
}

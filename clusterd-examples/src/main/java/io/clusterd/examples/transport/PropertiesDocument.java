package io.clusterd.examples.transport;

import io.clusterd.ClusterdException;
import io.clusterd.KeyName;
import io.clusterd.Namespace;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@code .properties} file as keys: a property name is a key's parts joined with dots ({@code server.port}
 * is {@code user:/server/port}); a key may have a value and keys below it at once ({@code server=x} next to
 * {@code server.port=8080}); the empty name is {@code user:/} itself. A dot or a backslash inside a part is
 * escaped with a backslash in the name ({@code hosts.example\\.org} in the file is {@code user:/hosts/example.org}).
 *
 * <p>The file is edited line by line: comments, blank lines, the order of entries and the spelling of every
 * line clusterd does not change stay as they were. Lines are read as {@link Properties#load(java.io.Reader)}
 * reads them (escapes, continuation lines); a changed or new line is written as {@code name=value} with
 * non-ASCII characters as {@code \}{@code uXXXX} escapes. The file is read as UTF-8, or as ISO-8859-1 when it
 * is not valid UTF-8, and written back in the same charset.
 */
final class PropertiesDocument implements Document {

  /** One logical line: a property (name, value, and its original text until it changes) or anything else. */
  private static final class Line {
    final String name;
    String value;
    String text;

    Line(String name, String value, String text) {
      this.name = name;
      this.value = value;
      this.text = text;
    }

    boolean isProperty() {
      return name != null;
    }
  }

  private final List<Line> lines;
  private final Charset charset;
  private final String newline;

  private PropertiesDocument(List<Line> lines, Charset charset, String newline) {
    this.lines = lines;
    this.charset = charset;
    this.newline = newline;
  }

  static PropertiesDocument parse(byte[] bytes) throws IOException {
    Charset charset = StandardCharsets.UTF_8;
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      charset = StandardCharsets.ISO_8859_1;
      text = new String(bytes, charset);
    }
    String newline = text.contains("\r\n") ? "\r\n" : "\n";
    List<String> physical = new ArrayList<>(Arrays.asList(text.split("\r\n|\r|\n", -1)));
    if (!physical.isEmpty() && physical.get(physical.size() - 1).isEmpty()) {
      physical.remove(physical.size() - 1);
    }
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < physical.size(); i++) {
      String first = physical.get(i);
      String stripped = first.stripLeading();
      if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
        lines.add(new Line(null, null, first));
        continue;
      }
      StringBuilder logical = new StringBuilder(first);
      while (endsWithOddBackslashes(physical.get(i)) && i + 1 < physical.size()) {
        i++;
        logical.append(newline).append(physical.get(i));
      }
      Properties one = new Properties();
      one.load(new StringReader(logical.toString()));
      String name = one.stringPropertyNames().iterator().next();
      lines.add(new Line(name, one.getProperty(name), logical.toString()));
    }
    return new PropertiesDocument(lines, charset, newline);
  }

  private static boolean endsWithOddBackslashes(String s) {
    int n = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      n++;
    }
    return n % 2 == 1;
  }

  @Override
  public SortedMap<KeyName, String> keys() {
    SortedMap<KeyName, String> out = new TreeMap<>();
    for (Line l : lines) {
      if (l.isProperty()) {
        toKey(l.name).ifPresent(k -> out.put(k, l.value));
      }
    }
    return out;
  }

  /**
   * The key of a property name: the name split at dots, where {@code \.} is a dot inside a part and {@code \\}
   * a backslash (written {@code \\.} and {@code \\\\} in the file, as the properties format escapes
   * backslashes). Empty for names no key has (a leading dot, say): such lines are kept, unseen.
   */
  static Optional<KeyName> toKey(String name) {
    if (name.isEmpty()) {
      return Optional.of(KeyName.root(Namespace.USER));
    }
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\\' && i + 1 < name.length() && (name.charAt(i + 1) == '.' || name.charAt(i + 1) == '\\')) {
        part.append(name.charAt(++i));
      } else if (c == '.') {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    try {
      return Optional.of(KeyName.of(Namespace.USER, parts));
    } catch (ClusterdException e) {
      return Optional.empty();
    }
  }

  /** The property name of a key, the inverse of {@link #toKey}. */
  static String toName(KeyName key) {
    List<String> escaped = new ArrayList<>();
    for (String part : key.parts()) {
      escaped.add(part.replace("\\", "\\\\").replace(".", "\\."));
    }
    return String.join(".", escaped);
  }

  @Override
  public void set(KeyName key, String value) {
    Line last = null;
    for (Line l : lines) {
      if (l.isProperty() && toKey(l.name).map(key::equals).orElse(false)) {
        last = l;
      }
    }
    if (last == null) {
      lines.add(new Line(toName(key), value, null));
    } else if (!last.value.equals(value)) {
      last.value = value;
      last.text = null;
    }
  }

  @Override
  public void delete(KeyName key) {
    lines.removeIf(l -> l.isProperty() && toKey(l.name).map(k -> k.isBelowOrSame(key)).orElse(false));
  }

  @Override
  public byte[] toBytes() {
    StringBuilder out = new StringBuilder();
    for (Line l : lines) {
      out.append(l.text != null ? l.text : escape(l.name, true) + "=" + escape(l.value, false)).append(newline);
    }
    return out.toString().getBytes(charset);
  }

  /** Escapes as {@link Properties#store(java.io.Writer, String)} does, non-ASCII as unicode escapes. */
  private static String escape(String s, boolean isName) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case ' ' -> out.append(i == 0 || isName ? "\\ " : " ");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\f' -> out.append("\\f");
        case '=', ':', '#', '!' -> out.append('\\').append(c);
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04X", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /** For tests: the text the file would get. */
  @Override
  public String toString() {
    return new String(toBytes(), charset);
  }
}

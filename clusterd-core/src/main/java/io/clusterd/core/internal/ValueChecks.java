package io.clusterd.core.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Elektra's value checks, read from a key's metadata, as its type, enum, range and validation plugins define them:
 * {@code check/type}, {@code check/enum} (with {@code check/enum/#0}, {@code #1}, … and {@code check/enum/multi}),
 * {@code check/range}, {@code check/validation} (with {@code /message}, {@code /match}, {@code /ignorecase},
 * {@code /invert}) and {@code check/length/max}. Where clusterd is stricter or looser than Elektra is written in
 * docs/semantics.md.
 */
final class ValueChecks {
  /** One failed check: which metadata entry refused the value, and why. */
  record Violation(String check, String reason) { }

  private static final Set<String> TRUE = Set.of("1", "true", "yes", "on", "enabled");
  private static final Set<String> FALSE = Set.of("0", "false", "no", "off", "disabled");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
  private static final Pattern ENUM_ENTRY = Pattern.compile("check/enum/#_*\\d+");
  private static final Pattern RANGE = Pattern.compile(
      "\\s*(-?\\d+(?:\\.\\d+)?)\\s*(?:-\\s*(-?\\d+(?:\\.\\d+)?))?\\s*");

  private ValueChecks() { }

  /** The first check of {@code meta} that {@code value} fails, or empty when it passes them all. */
  static Optional<Violation> violation(String value, Map<String, String> meta) {
    String type = meta.get("check/type");
    if (type != null) {
      Optional<String> why = type(value, type.strip());
      if (why.isPresent()) {
        return Optional.of(new Violation("check/type", why.get()));
      }
    }
    List<String> options = enumOptions(meta);
    if (!options.isEmpty()) {
      Optional<String> why = enumeration(value, options, meta.get("check/enum/multi"));
      if (why.isPresent()) {
        return Optional.of(new Violation("check/enum", why.get()));
      }
    }
    String range = meta.get("check/range");
    if (range != null) {
      Optional<String> why = range(value, range);
      if (why.isPresent()) {
        return Optional.of(new Violation("check/range", why.get()));
      }
    }
    String regex = meta.get("check/validation");
    if (regex != null) {
      Optional<String> why = validation(value, regex, meta);
      if (why.isPresent()) {
        return Optional.of(new Violation("check/validation", why.get()));
      }
    }
    String max = meta.get("check/length/max");
    if (max != null) {
      Optional<String> why = maxLength(value, max.strip());
      if (why.isPresent()) {
        return Optional.of(new Violation("check/length/max", why.get()));
      }
    }
    return Optional.empty();
  }

  /** Whether the metadata holds any check clusterd enforces. */
  static boolean hasChecks(Map<String, String> meta) {
    return meta.keySet().stream().anyMatch(k -> k.equals("check/type") || k.equals("check/range")
        || k.equals("check/validation") || k.equals("check/length/max") || k.equals("check/enum")
        || ENUM_ENTRY.matcher(k).matches());
  }

  private static Optional<String> type(String value, String type) {
    String v = quoted(value);
    switch (type) {
      case "any", "string", "wstring", "enum":
        return Optional.empty();
      case "boolean":
        String b = value.toLowerCase(Locale.ROOT);
        return TRUE.contains(b) || FALSE.contains(b) ? Optional.empty()
            : Optional.of(v + " is not a boolean (give 1 or 0, true or false, yes or no, on or off)");
      case "short":
        return integer(value, type, BigInteger.valueOf(Short.MIN_VALUE), BigInteger.valueOf(Short.MAX_VALUE));
      case "unsigned_short":
        return integer(value, type, BigInteger.ZERO, BigInteger.valueOf(65_535));
      case "long":
        return integer(value, type, BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(Integer.MAX_VALUE));
      case "unsigned_long":
        return integer(value, type, BigInteger.ZERO, BigInteger.valueOf(4_294_967_295L));
      case "long_long":
        return integer(value, type, BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE));
      case "unsigned_long_long":
        return integer(value, type, BigInteger.ZERO, BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
      case "float", "double", "long_double":
        return DECIMAL.matcher(value).matches() ? Optional.empty() : Optional.of(v + " is not a " + type);
      case "char", "octet":
        return value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length == 1 ? Optional.empty()
            : Optional.of(v + " is not a single " + (type.equals("char") ? "character" : "byte"));
      case "wchar":
        return value.codePointCount(0, value.length()) == 1 ? Optional.empty()
            : Optional.of(v + " is not a single character");
      default:
        // a type Elektra does not know: its type plugin refuses the key; clusterd says so
        return Optional.of("check/type '" + type + "' is not one of Elektra's types");
    }
  }

  private static Optional<String> integer(String value, String type, BigInteger min, BigInteger max) {
    if (!INTEGER.matcher(value).matches()) {
      return Optional.of(quoted(value) + " is not a " + type);
    }
    BigInteger n = new BigInteger(value.startsWith("+") ? value.substring(1) : value);
    if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      return Optional.of(quoted(value) + " is out of the range of " + type + " (" + min + " to " + max + ")");
    }
    return Optional.empty();
  }

  /** The allowed values: {@code check/enum/#0}, {@code #1}, … in index order. */
  private static List<String> enumOptions(Map<String, String> meta) {
    List<Map.Entry<Integer, String>> entries = new ArrayList<>();
    meta.forEach((k, v) -> {
      if (ENUM_ENTRY.matcher(k).matches()) {
        entries.add(Map.entry(Integer.parseInt(k.substring("check/enum/#".length()).replace("_", "")), v));
      }
    });
    entries.sort(Map.Entry.comparingByKey());
    return entries.stream().map(Map.Entry::getValue).toList();
  }

  private static Optional<String> enumeration(String value, List<String> options, String multi) {
    List<String> values = multi == null || multi.isEmpty() ? List.of(value)
        : List.of(value.split(Pattern.quote(multi), -1));
    for (String v : values) {
      if (!(multi != null && v.isEmpty()) && !options.contains(v)) {
        return Optional.of(quoted(v) + " is not one of " + options);
      }
    }
    return Optional.empty();
  }

  /** {@code 1-65535}, {@code -10.5-10.5}, {@code 5}, or several of them separated by commas. */
  private static Optional<String> range(String value, String ranges) {
    if (!DECIMAL.matcher(value.strip()).matches()) {
      return Optional.of(quoted(value) + " is not a number, so not within " + ranges);
    }
    BigDecimal n = new BigDecimal(value.strip());
    for (String part : ranges.split(",")) {
      Matcher m = RANGE.matcher(part);
      if (!m.matches()) {
        return Optional.of("check/range '" + ranges + "' is not a range like 1-65535");
      }
      BigDecimal lo = new BigDecimal(m.group(1));
      BigDecimal hi = m.group(2) == null ? lo : new BigDecimal(m.group(2));
      if (n.compareTo(lo.min(hi)) >= 0 && n.compareTo(lo.max(hi)) <= 0) {
        return Optional.empty();
      }
    }
    return Optional.of(quoted(value) + " is not within " + ranges);
  }

  private static Optional<String> validation(String value, String regex, Map<String, String> meta) {
    Pattern p;
    try {
      int flags = meta.containsKey("check/validation/ignorecase") ? Pattern.CASE_INSENSITIVE : 0;
      p = Pattern.compile(regex, flags);
    } catch (PatternSyntaxException e) {
      return Optional.of("check/validation '" + regex + "' is not a regular expression: " + e.getDescription());
    }
    String match = meta.getOrDefault("check/validation/match", "ANY").strip().toUpperCase(Locale.ROOT);
    boolean matches = switch (match) {
      case "LINE" -> p.matcher(value).matches();
      case "WORD" -> Pattern.compile("\\b(?:" + regex + ")\\b", p.flags()).matcher(value).find();
      default -> p.matcher(value).find();
    };
    if (meta.containsKey("check/validation/invert")) {
      matches = !matches;
    }
    if (matches) {
      return Optional.empty();
    }
    String message = meta.get("check/validation/message");
    return Optional.of(message != null && !message.isBlank() ? message
        : quoted(value) + " does not match " + regex);
  }

  private static Optional<String> maxLength(String value, String max) {
    long limit;
    try {
      limit = Long.parseLong(max);
    } catch (NumberFormatException e) {
      return Optional.of("check/length/max '" + max + "' is not a number");
    }
    long length = value.codePointCount(0, value.length());
    return length <= limit ? Optional.empty()
        : Optional.of(quoted(value) + " is " + length + " characters long, more than " + limit);
  }

  private static String quoted(String value) {
    return "\"" + value + "\"";
  }
}

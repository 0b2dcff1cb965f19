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

  private static final Set<String> TRUE = Set.of("1", "true", "yes", "on", "enabled", "enable");
  private static final Set<String> FALSE = Set.of("0", "false", "no", "off", "disabled", "disable");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
  private static final Set<String> FLOAT_TYPES = Set.of("float", "double", "long_double", "long double");
  private static final Set<String> UNSIGNED_TYPES = Set.of("unsigned_short", "unsigned_long", "unsigned_long_long",
      "unsigned short", "unsigned long", "unsigned long long");
  private static final Pattern ENUM_ENTRY = Pattern.compile("check/enum/#_*\\d+");
  private static final Pattern ARRAY_INDEX = Pattern.compile("#_*(\\d{1,18})");
  private static final Pattern QUOTED = Pattern.compile("'([^']*)'");
  private static final Pattern INTEGER_RANGE = Pattern.compile("\\s*(-?\\d+)\\s*(?:-\\s*(-?\\d+))?\\s*");
  private static final Pattern RANGE = Pattern.compile(
      "\\s*(-?\\d+(?:\\.\\d+)?)\\s*(?:-\\s*(-?\\d+(?:\\.\\d+)?))?\\s*");

  private ValueChecks() { }

  /** The first check of {@code meta} that {@code value} fails, or empty when it passes them all. */
  static Optional<Violation> violation(String value, Map<String, String> meta) {
    String type = meta.get("check/type");
    if (type != null) {
      Optional<String> why = type(value, type.strip(), meta);
      if (why.isPresent()) {
        return Optional.of(new Violation("check/type", why.get()));
      }
    }
    List<String> options = enumOptions(meta);
    if (!options.isEmpty()) {
      Optional<String> why = enumeration(value, options, meta);
      if (why.isPresent()) {
        return Optional.of(new Violation("check/enum", why.get()));
      }
    }
    String range = meta.get("check/range");
    if (range != null) {
      String rangeType = meta.getOrDefault("check/type", meta.getOrDefault("type", "")).strip()
          .toLowerCase(Locale.ROOT);
      Optional<String> why = range(value, range, FLOAT_TYPES.contains(rangeType), UNSIGNED_TYPES.contains(rangeType));
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

  private static Optional<String> type(String value, String type, Map<String, String> meta) {
    String v = quoted(value);
    switch (type) {
      case "any", "string", "enum":
        return Optional.empty();
      case "wstring":
        return value.isEmpty() ? Optional.of("an empty value is not a wstring") : Optional.empty();
      case "boolean":
        return bool(value, meta);
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

  /**
   * Elektra's type plugin converts the value and writes it back: only the canonical decimal form passes (no sign
   * {@code +}, no leading zeros, no {@code -0}).
   */
  private static Optional<String> integer(String value, String type, BigInteger min, BigInteger max) {
    if (!INTEGER.matcher(value).matches()) {
      return Optional.of(quoted(value) + " is not a " + type);
    }
    BigInteger n = new BigInteger(value);
    if (!n.toString().equals(value)) {
      return Optional.of(quoted(value) + " is not a " + type + " as Elektra writes it (write " + n + ")");
    }
    if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      return Optional.of(quoted(value) + " is out of the range of " + type + " (" + min + " to " + max + ")");
    }
    return Optional.empty();
  }

  /**
   * As the type plugin normalizes booleans: {@code 1} and {@code 0}, the usual words in any case, or, with both
   * {@code check/boolean/true} and {@code check/boolean/false}, those two words (any case) and 1 and 0 only.
   */
  private static Optional<String> bool(String value, Map<String, String> meta) {
    String t = meta.get("check/boolean/true");
    String f = meta.get("check/boolean/false");
    if ((t == null) != (f == null)) {
      return Optional.of("check/boolean/true and check/boolean/false must be given together");
    }
    if (t != null) {
      return value.equals("1") || value.equals("0") || value.equalsIgnoreCase(t) || value.equalsIgnoreCase(f)
          ? Optional.empty() : Optional.of(quoted(value) + " is not a boolean (give " + t + " or " + f + ", 1 or 0)");
    }
    String b = value.toLowerCase(Locale.ROOT);
    return TRUE.contains(b) || FALSE.contains(b) ? Optional.empty()
        : Optional.of(quoted(value) + " is not a boolean (give 1 or 0, true or false, yes or no, on or off)");
  }

  /**
   * The allowed values, in index order: {@code check/enum/#0}, {@code #1}, … up to the index {@code check/enum}
   * names when it is an array ({@code #3}), empty entries left out; or the obsolete enum plugin's list
   * {@code 'a', 'b', 'c'} in {@code check/enum} itself.
   */
  private static List<String> enumOptions(Map<String, String> meta) {
    String top = meta.get("check/enum");
    if (top != null && !top.strip().isEmpty() && !top.strip().startsWith("#")) {
      List<String> listed = new ArrayList<>();
      Matcher m = QUOTED.matcher(top);
      while (m.find()) {
        listed.add(m.group(1));
      }
      return listed;
    }
    long max = top == null ? Long.MAX_VALUE : arrayIndex(top.strip()).orElse(Long.MAX_VALUE);
    List<Map.Entry<Long, String>> entries = new ArrayList<>();
    meta.forEach((k, v) -> {
      if (ENUM_ENTRY.matcher(k).matches() && !v.isEmpty()) {
        long index = arrayIndex(k.substring("check/enum/".length())).orElse(Long.MAX_VALUE);
        if (index <= max) {
          entries.add(Map.entry(index, v));
        }
      }
    });
    entries.sort(Map.Entry.comparingByKey());
    return entries.stream().map(Map.Entry::getValue).toList();
  }

  /** The index of an Elektra array element name: {@code #0} .. {@code #9}, {@code #_10}, {@code #__100}. */
  private static Optional<Long> arrayIndex(String name) {
    Matcher m = ARRAY_INDEX.matcher(name);
    return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }

  /**
   * With a separator ({@code check/enum/delimiter}, or {@code check/enum/multi} as older Elektra names it) of one
   * character, every part between separators is one of the options, repetitions allowed; an empty part is not.
   */
  private static Optional<String> enumeration(String value, List<String> options, Map<String, String> meta) {
    String multi = meta.getOrDefault("check/enum/delimiter", meta.get("check/enum/multi"));
    if (multi != null && multi.codePointCount(0, multi.length()) != 1) {
      return Optional.of("the enum separator '" + multi + "' (check/enum/multi) must be a single character");
    }
    List<String> values = multi == null ? List.of(value) : List.of(value.split(Pattern.quote(multi), -1));
    for (String v : values) {
      if (!options.contains(v)) {
        return Optional.of(quoted(v) + " is not one of " + options);
      }
    }
    return Optional.empty();
  }

  /**
   * {@code 1-65535}, {@code -10-10}, {@code 5}, or several of them separated by commas, as the range plugin reads
   * them: integers unless {@code check/type} (or {@code type}) is a floating-point type, then decimals; an unsigned
   * type refuses negative values. Bounds in either order.
   */
  private static Optional<String> range(String value, String ranges, boolean decimal, boolean unsigned) {
    String v = value.strip();
    Pattern number = decimal ? DECIMAL : INTEGER;
    if (!number.matcher(v).matches()) {
      return Optional.of(quoted(value) + " is not " + (decimal ? "a number" : "a whole number") + ", so not within "
          + ranges);
    }
    if (unsigned && v.startsWith("-")) {
      return Optional.of(quoted(value) + " is negative, and the type is unsigned");
    }
    BigDecimal n = new BigDecimal(v.startsWith("+") ? v.substring(1) : v);
    Pattern bound = decimal ? RANGE : INTEGER_RANGE;
    for (String part : ranges.split(",", -1)) {
      Matcher m = bound.matcher(part);
      if (!m.matches()) {
        return Optional.of("check/range '" + ranges + "' is not a range like 1-65535"
            + (decimal ? "" : " (whole numbers: check/type is not float, double or long_double)"));
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
    // as the validation plugin: LINE matches ^regex$ against each line, WORD against each word (split at blanks)
    boolean matches = switch (match) {
      case "LINE" -> Pattern.compile("^(?:" + regex + ")$", p.flags() | Pattern.MULTILINE).matcher(value).find();
      case "WORD" -> java.util.Arrays.stream(value.split("[ \\t\\n]+")).filter(w -> !w.isEmpty())
          .anyMatch(w -> p.matcher(w).matches());
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

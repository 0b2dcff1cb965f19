package io.clusterd.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Elektra's checks as its plugins define them (type, range, validation, the obsolete enum plugin), case by case:
 * the cases of the plugins' READMEs and what their sources accept or refuse. Where clusterd is stricter or looser
 * is in docs/semantics.md ("Value checks").
 */
class ValueChecksTest {

  private static Optional<ValueChecks.Violation> check(String value, Map<String, String> meta) {
    return ValueChecks.violation(value, meta);
  }

  @ParameterizedTest(name = "{0} as {1}: valid={2}")
  @CsvSource(delimiter = '|', value = {
      "8080|long|true", "-2147483648|long|true", "2147483648|long|false", "8o8o|long|false", "''|long|false",
      "+7|long|false", "007|long|false", "-0|long|false", "0|long|true", "65535|unsigned_short|true", "65536|unsigned_short|false", "-1|unsigned_short|false",
      "-32768|short|true", "32768|short|false", "4294967295|unsigned_long|true", "-1|unsigned_long|false",
      "9223372036854775807|long_long|true", "9223372036854775808|long_long|false",
      "18446744073709551615|unsigned_long_long|true", "18446744073709551616|unsigned_long_long|false",
      "1.5|double|true", "-.5e3|float|true", "1e|double|false", "abc|long_double|false",
      "1|boolean|true", "0|boolean|true", "true|boolean|true", "No|boolean|true", "enabled|boolean|true",
      "2|boolean|false", "maybe|boolean|false", "enable|boolean|true", "DISABLE|boolean|true", "''|boolean|false",
      "a|char|true", "ab|char|false", "é|wchar|true", "é|char|false", "x|octet|true",
      "anything|string|true", "''|string|true", "''|wstring|false", "ü|wstring|true", "''|any|true",
      "''|double|false", "x|no_such_type|false"})
  void type_elektraTypes(String value, String type, boolean valid) {
    Optional<ValueChecks.Violation> v = check(value, Map.of("check/type", type));
    assertEquals(valid, v.isEmpty(), value + " as " + type + ": " + v);
    v.ifPresent(x -> assertEquals("check/type", x.check()));
  }

  @Test
  void type_reasonNamesValueAndType() {
    assertEquals("\"8o8o\" is not a long", check("8o8o", Map.of("check/type", "long")).orElseThrow().reason());
  }

  @Test
  void boolean_ownTrueAndFalseWords_replaceTheUsualOnesAndMustComeTogether() {
    Map<String, String> words = Map.of("check/type", "boolean", "check/boolean/true", "si", "check/boolean/false", "no");
    assertTrue(check("SI", words).isEmpty());
    assertTrue(check("1", words).isEmpty());
    assertTrue(check("true", words).isPresent(), "the usual words are replaced");
    assertTrue(check("1", Map.of("check/type", "boolean", "check/boolean/true", "si")).isPresent(), "one alone");
  }

  /** The range plugin's README: 1-10 takes 5, not 11 nor -1; 1,2,4,8 takes 2, not 7. */
  @ParameterizedTest(name = "{0} in {1} ({2}): valid={3}")
  @CsvSource(delimiter = '|', value = {
      "5|1-10|''|true", "11|1-10|''|false", "-1|1-10|''|false", "2|1,2,4,8|''|true", "7|1,2,4,8|''|false",
      "80|1-65535|''|true", "0|1-65535|''|false", "65536|1-65535|''|false", "-3|-10-10|''|true", "5|10-1|''|true",
      "25|1-10,20-30|''|true", "15|1-10,20-30|''|false", "x|1-10|''|false", "10|1 - 10|''|true",
      "5.5|1-10|''|false", "5|1.5-10|''|false",
      "-3.5|-10.5-10.5|double|true", "10.6|-10.5-10.5|float|false", "5.5|1-10|long_double|true",
      "-1|-5-5|unsigned_long|false", "3|1-5|unsigned_short|true"})
  void range_integersUnlessAFloatType(String value, String range, String type, boolean valid) {
    Map<String, String> meta = type.isEmpty() ? Map.of("check/range", range)
        : Map.of("check/range", range, "check/type", type);
    Optional<ValueChecks.Violation> v = check(value, meta);
    assertEquals(valid, v.isEmpty(), value + " in " + range + " as " + type + ": " + v);
  }

  @Test
  void range_badSyntax_isReportedAsTheRangesFault() {
    assertTrue(check("5", Map.of("check/range", "1-")).orElseThrow().reason().contains("is not a range"));
  }

  @Test
  void enum_indexedValuesAndMultiValues() {
    Map<String, String> colors = Map.of("check/enum", "#2", "check/enum/#0", "red", "check/enum/#1", "green",
        "check/enum/#2", "blue");
    assertTrue(check("green", colors).isEmpty());
    assertEquals("check/enum", check("pink", colors).orElseThrow().check());
    assertTrue(check("pink", colors).orElseThrow().reason().contains("[red, green, blue]"));
    Map<String, String> multi = new java.util.HashMap<>(colors);
    multi.put("check/enum/multi", "_");
    assertTrue(check("red_blue", multi).isEmpty());
    assertTrue(check("red_pink", multi).isPresent());
    assertTrue(check("red", Map.of("check/enum/#_10", "red")).isEmpty(), "Elektra's padded indexes count too");
  }

  /** The type plugin's README: low, middle, high take low and not no; with multi _ small_middle, not all_small. */
  @Test
  void enum_elektraDocumentedCases() {
    Map<String, String> levels = Map.of("check/type", "enum", "check/enum", "#2", "check/enum/#0", "low",
        "check/enum/#1", "middle", "check/enum/#2", "high");
    assertTrue(check("low", levels).isEmpty());
    assertTrue(check("no", levels).isPresent());
    Map<String, String> sizes = Map.of("check/enum", "#3", "check/enum/#0", "small", "check/enum/#1", "middle",
        "check/enum/#2", "large", "check/enum/#3", "huge", "check/enum/multi", "_");
    assertTrue(check("small_middle", sizes).isEmpty());
    assertTrue(check("middle_small_small", sizes).isEmpty(), "multi-values are bitfields: repeats are fine");
    assertTrue(check("all_small", sizes).isPresent());
    assertTrue(check("small__middle", sizes).isPresent(), "an empty part is no option");
  }

  @Test
  void enum_onlyIndexesUpToTheArraysLastCountAndSeparatorsAreOneCharacter() {
    Map<String, String> capped = Map.of("check/enum", "#1", "check/enum/#0", "a", "check/enum/#1", "b",
        "check/enum/#2", "c");
    assertTrue(check("b", capped).isEmpty());
    assertTrue(check("c", capped).isPresent(), "#2 is past check/enum = #1");
    Map<String, String> wide = Map.of("check/enum/#0", "a", "check/enum/#1", "b", "check/enum/delimiter", "--");
    assertTrue(check("a--b", wide).orElseThrow().reason().contains("single character"));
    assertTrue(check("a,b", Map.of("check/enum/#0", "a", "check/enum/#1", "b", "check/enum/delimiter", ",")).isEmpty());
  }

  /** The obsolete enum plugin's list form: check/enum = 'low', 'middle', 'high'. */
  @Test
  void enum_quotedListInCheckEnum() {
    Map<String, String> listed = Map.of("check/enum", "'low', 'middle', 'high'");
    assertTrue(check("middle", listed).isEmpty());
    assertTrue(check("no", listed).isPresent());
  }

  @Test
  void validation_regexWithMessageMatchModesAndInvert() {
    assertTrue(check("web-1", Map.of("check/validation", "^[a-z]+-\\d+$")).isEmpty());
    assertEquals("give a name like web-1", check("Web 1", Map.of("check/validation", "^[a-z]+-\\d+$",
        "check/validation/message", "give a name like web-1")).orElseThrow().reason());
    assertTrue(check("xx 12 yy", Map.of("check/validation", "\\d+")).isEmpty(), "ANY: a match anywhere");
    assertTrue(check("xx 12 yy", Map.of("check/validation", "\\d+", "check/validation/match", "LINE")).isPresent());
    assertTrue(check("xx\n12", Map.of("check/validation", "\\d+", "check/validation/match", "LINE")).isEmpty(),
        "LINE: one line matches entirely");
    assertTrue(check("xx 12 yy", Map.of("check/validation", "\\d+", "check/validation/match", "word")).isEmpty(),
        "WORD: one word matches entirely");
    assertTrue(check("xx 12a yy", Map.of("check/validation", "\\d+", "check/validation/match", "WORD")).isPresent());
    assertTrue(check("ABC", Map.of("check/validation", "abc", "check/validation/ignorecase", "1")).isEmpty());
    assertTrue(check("abc", Map.of("check/validation", "abc", "check/validation/invert", "1")).isPresent());
    assertTrue(check("x", Map.of("check/validation", "(")).orElseThrow().reason().contains("not a regular expression"));
  }

  @Test
  void lengthMax_countsCharacters() {
    assertTrue(check("héllo", Map.of("check/length/max", "5")).isEmpty());
    assertEquals("check/length/max", check("hello!", Map.of("check/length/max", "5")).orElseThrow().check());
  }

  @Test
  void noChecks_everyValuePasses() {
    assertTrue(check("anything", Map.of("description", "the port")).isEmpty());
    assertTrue(!ValueChecks.hasChecks(Map.of("description", "x")) && ValueChecks.hasChecks(Map.of("check/type", "long")));
  }
}

package io.clusterd.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ValueChecksTest {

  private static Optional<ValueChecks.Violation> check(String value, Map<String, String> meta) {
    return ValueChecks.violation(value, meta);
  }

  @ParameterizedTest(name = "{0} as {1}: valid={2}")
  @CsvSource(delimiter = '|', value = {
      "8080|long|true", "-2147483648|long|true", "2147483648|long|false", "8o8o|long|false", "''|long|false",
      "+7|long|true", "65535|unsigned_short|true", "65536|unsigned_short|false", "-1|unsigned_short|false",
      "-32768|short|true", "32768|short|false", "4294967295|unsigned_long|true", "-1|unsigned_long|false",
      "9223372036854775807|long_long|true", "9223372036854775808|long_long|false",
      "18446744073709551615|unsigned_long_long|true", "18446744073709551616|unsigned_long_long|false",
      "1.5|double|true", "-.5e3|float|true", "1e|double|false", "abc|long_double|false",
      "1|boolean|true", "0|boolean|true", "true|boolean|true", "No|boolean|true", "enabled|boolean|true",
      "2|boolean|false", "maybe|boolean|false",
      "a|char|true", "ab|char|false", "é|wchar|true", "é|char|false", "x|octet|true",
      "anything|string|true", "''|any|true", "x|no_such_type|false"})
  void type_elektraTypes(String value, String type, boolean valid) {
    Optional<ValueChecks.Violation> v = check(value, Map.of("check/type", type));
    assertEquals(valid, v.isEmpty(), value + " as " + type + ": " + v);
    v.ifPresent(x -> assertEquals("check/type", x.check()));
  }

  @Test
  void type_reasonNamesValueAndType() {
    assertEquals("\"8o8o\" is not a long", check("8o8o", Map.of("check/type", "long")).orElseThrow().reason());
  }

  @ParameterizedTest(name = "{0} in {1}: valid={2}")
  @CsvSource(delimiter = '|', value = {
      "80|1-65535|true", "0|1-65535|false", "65536|1-65535|false", "-3|-10.5-10.5|true", "10.6|-10.5-10.5|false",
      "5|5|true", "6|5|false", "25|1-10,20-30|true", "15|1-10,20-30|false", "x|1-10|false", "10|1 - 10|true"})
  void range_singleAndSeveralRanges(String value, String range, boolean valid) {
    assertEquals(valid, check(value, Map.of("check/range", range)).isEmpty(), value + " in " + range);
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

  @Test
  void validation_regexWithMessageMatchModesAndInvert() {
    assertTrue(check("web-1", Map.of("check/validation", "^[a-z]+-\\d+$")).isEmpty());
    assertEquals("give a name like web-1", check("Web 1", Map.of("check/validation", "^[a-z]+-\\d+$",
        "check/validation/message", "give a name like web-1")).orElseThrow().reason());
    assertTrue(check("xx 12 yy", Map.of("check/validation", "\\d+")).isEmpty(), "ANY: a match anywhere");
    assertTrue(check("xx 12 yy", Map.of("check/validation", "\\d+", "check/validation/match", "LINE")).isPresent());
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

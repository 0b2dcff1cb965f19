package io.clusterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Example-based tests of {@link KeyName} and {@link Namespace}. Most cases are Elektra's own: the files under
 * {@code src/test/resources/keynames/} hold, as data, the cases of libelektra's
 * {@code tests/ctest/test_keyname.c} and the examples of its {@code doc/KEYNAMES.md}; each row names its
 * source.
 */
class KeyNameTest {

  // ---- Elektra's published cases (data files) ----

  @ParameterizedTest(name = "[{index}] {1} -> {2}  ({0})")
  @MethodSource("validNames")
  void parse_validElektraName_givesElektrasCanonicalForm(String source, String input, String canonical) {
    KeyName k = KeyName.parse(input);

    assertEquals(canonical, k.toString());
    assertEquals(Optional.of(k), KeyName.tryParse(input));
    KeyName again = KeyName.parse(canonical);
    assertEquals(k, again);
    assertEquals(canonical, again.toString());
  }

  @ParameterizedTest(name = "[{index}] {1}: {2}  ({0})")
  @MethodSource("invalidNames")
  void parse_invalidElektraName_throwsInvalidKeyNameWithReason(String source, String input, String reason) {
    ClusterdException e = assertThrows(ClusterdException.class, () -> KeyName.parse(input));

    assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
    assertEquals(input, e.details().get("name"));
    assertEquals(reason, e.details().get("reason"));
    assertTrue(e.getMessage().contains("'" + input + "'"), e.getMessage());
    assertEquals(Optional.empty(), KeyName.tryParse(input));
  }

  @ParameterizedTest(name = "[{index}] {1} + {2} -> {3}  ({0})")
  @MethodSource("relativeNames")
  void appendEscaped_elektraRelativeName_givesKeyAddNameResult(
      String source, String base, String relative, String result) {
    KeyName k = KeyName.parse(base).appendEscaped(relative);

    assertEquals(result, k.toString());
    assertEquals(KeyName.parse(result), k);
  }

  @ParameterizedTest(name = "[{index}] {1} + {2}: {3}  ({0})")
  @MethodSource("invalidRelativeNames")
  void appendEscaped_invalidRelativeName_throwsInvalidKeyName(
      String source, String base, String relative, String reason) {
    KeyName k = KeyName.parse(base);

    ClusterdException e = assertThrows(ClusterdException.class, () -> k.appendEscaped(relative));

    assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
    assertEquals(reason, e.details().get("reason"));
  }

  @ParameterizedTest(name = "[{index}] {1} -> {2} [{3}]  ({0})")
  @MethodSource("unescapedNames")
  void parts_elektraEscapedName_areElektrasUnescapedParts(
      String source, String input, String namespace, String joinedParts) {
    List<String> expected = joinedParts.isEmpty() ? List.of() : Arrays.asList(joinedParts.split("\\|", -1));

    KeyName k = KeyName.parse(input);

    assertEquals(Namespace.valueOf(namespace), k.namespace());
    assertEquals(expected, k.parts());
    assertEquals(KeyName.of(k.namespace(), expected), k);
  }

  @ParameterizedTest(name = "[{index}] \"{1}\" -> {2}  ({0})")
  @MethodSource("escapedParts")
  void escapePart_elektraPart_givesElektrasEscapedForm(String source, String part, String escaped) {
    assertEquals(escaped, KeyName.escapePart(part));
    assertEquals("/a/" + escaped, KeyName.root(Namespace.CASCADING).append("a").append(part).toString());
    assertEquals(part, KeyName.parse("user:/a/" + escaped).baseName());
  }

  static Stream<Arguments> validNames() {
    return rows("valid.tsv", 3);
  }

  static Stream<Arguments> invalidNames() {
    return rows("invalid.tsv", 3);
  }

  static Stream<Arguments> relativeNames() {
    return rows("relative.tsv", 4);
  }

  static Stream<Arguments> invalidRelativeNames() {
    return rows("relative-invalid.tsv", 4);
  }

  static Stream<Arguments> unescapedNames() {
    return rows("unescape.tsv", 4);
  }

  static Stream<Arguments> escapedParts() {
    return rows("escape-part.tsv", 3);
  }

  /** The rows of a tab-separated file under {@code keynames/}; lines starting with '#' are comments. */
  private static Stream<Arguments> rows(String file, int columns) {
    List<Arguments> rows = new ArrayList<>();
    try (InputStream in = KeyNameTest.class.getResourceAsStream("/keynames/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource keynames/" + file);
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] cells = line.split("\t", -1);
        if (cells.length != columns) {
          throw new IllegalStateException(file + ": expected " + columns + " columns in: " + line);
        }
        rows.add(Arguments.of((Object[]) cells));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows.stream();
  }

  // ---- legacy names (clusterd's contract; Elektra >= 0.9 rejects them) ----

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiterString = "->", value = {
      "user/hello -> user:/hello",
      "user/ -> user:/",
      "user -> user:/",
      "system -> system:/",
      "system/ -> system:/",
      "system/elektra/version -> system:/elektra/version",
      "user//a///b/ -> user:/a/b",
      "user/a/../.. -> user:/",
      "user/#10 -> user:/#_10",
      "user/a\\/b -> user:/a\\/b",
      "user/a:b -> user:/a:b",
  })
  void parse_legacyName_translatesToNamespacePrefix(String legacy, String expected) {
    assertEquals(expected, KeyName.parse(legacy).toString());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = "->", value = {
      "user:x -> missing slash after namespace",
      "user:hello/x -> missing slash after namespace",
      "users/x -> missing namespace",
      "spec/x -> missing namespace",
      "dir -> missing namespace",
      "usersystem -> missing namespace",
      "user/% -> empty first part",
      "user/\\x -> illegal escape",
  })
  void parse_notALegacyName_throwsInvalidKeyName(String input, String reason) {
    ClusterdException e = assertThrows(ClusterdException.class, () -> KeyName.parse(input));
    assertEquals(reason, e.details().get("reason"));
  }

  // ---- errors ----

  @Test
  void parse_null_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> KeyName.parse(null));
    assertThrows(NullPointerException.class, () -> KeyName.tryParse(null));
  }

  @Test
  void parse_illegalEscape_messageSaysWhatAndWhere() {
    ClusterdException e = assertThrows(ClusterdException.class, () -> KeyName.parse("user:/a\\b"));

    assertTrue(e.getMessage().contains("'\\b'"), e.getMessage());
    assertTrue(e.getMessage().contains("index 7"), e.getMessage());
    assertEquals(400, e.httpStatus());
  }

  @Test
  void parse_nulCharacter_throwsInvalidKeyName() {
    ClusterdException e = assertThrows(ClusterdException.class, () -> KeyName.parse("/a\u0000b"));
    assertEquals("NUL character", e.details().get("reason"));
  }

  @Test
  void parse_unpairedSurrogate_throwsInvalidKeyName() {
    ClusterdException e = assertThrows(ClusterdException.class, () -> KeyName.parse("/a\uD800b"));
    assertEquals("unpaired surrogate", e.details().get("reason"));
    assertEquals("/a\uD83D\uDE00b", KeyName.parse("/a\uD83D\uDE00b").toString());
  }

  @Test
  void of_invalidParts_throwInvalidKeyName() {
    assertEquals(ErrorCode.INVALID_KEY_NAME,
        assertThrows(ClusterdException.class, () -> KeyName.of(Namespace.USER, List.of(""))).code());
    assertEquals(ErrorCode.INVALID_KEY_NAME,
        assertThrows(ClusterdException.class, () -> KeyName.of(Namespace.USER, List.of("a\u0000"))).code());
    assertThrows(NullPointerException.class, () -> KeyName.of(Namespace.USER, Arrays.asList("a", null)));
    assertThrows(NullPointerException.class, () -> KeyName.of(null, List.of("a")));
  }

  @Test
  void of_emptyFirstPart_throwsInvalidKeyName() {
    ClusterdException e =
        assertThrows(ClusterdException.class, () -> KeyName.of(Namespace.DIR, List.of("", "a")));
    assertEquals("empty first part", e.details().get("reason"));
    assertEquals("dir:/a/%", KeyName.of(Namespace.DIR, List.of("a", "")).toString());
  }

  @Test
  void append_emptyPartToRoot_throwsInvalidKeyName() {
    assertThrows(ClusterdException.class, () -> KeyName.root(Namespace.SYSTEM).append(""));
    assertEquals("system:/a/%", KeyName.parse("system:/a").append("").toString());
  }

  // ---- structure ----

  @Test
  void of_partsWithSpecialCharacters_escapesThemInToString() {
    KeyName k = KeyName.of(Namespace.USER, List.of("a/b", "c\\d", ".", "..", "%", "", "#10", "#_10"));

    assertEquals("user:/a\\/b/c\\\\d/\\./\\../\\%/%/\\#10/#_10", k.toString());
    assertEquals(List.of("a/b", "c\\d", ".", "..", "%", "", "#10", "#_10"), k.parts());
    assertEquals(k, KeyName.parse(k.toString()));
  }

  @Test
  void root_eachNamespace_isSlashTerminatedAndHasNoParts() {
    assertEquals("/", KeyName.root(Namespace.CASCADING).toString());
    assertEquals("user:/", KeyName.root(Namespace.USER).toString());
    assertEquals("default:/", KeyName.root(Namespace.DEFAULT).toString());
    for (Namespace ns : Namespace.values()) {
      KeyName root = KeyName.root(ns);
      assertTrue(root.isRoot());
      assertEquals(0, root.depth());
      assertEquals("", root.baseName());
      assertEquals(Optional.empty(), root.parent());
      assertEquals(root, KeyName.parse(ns.prefix() + "/"));
      assertEquals(root, KeyName.of(ns, List.of()));
    }
  }

  @Test
  void accessors_keyWithThreeParts_describeIt() {
    KeyName k = KeyName.parse("system:/elektra/version/info");

    assertEquals(Namespace.SYSTEM, k.namespace());
    assertEquals(3, k.depth());
    assertFalse(k.isRoot());
    assertFalse(k.isCascading());
    assertTrue(KeyName.parse("/elektra").isCascading());
    assertEquals("info", k.baseName());
    assertEquals(Optional.of(KeyName.parse("system:/elektra/version")), k.parent());
    assertEquals(Optional.of(KeyName.root(Namespace.SYSTEM)), KeyName.parse("system:/elektra").parent());
  }

  @Test
  void parts_returnedList_isUnmodifiable() {
    List<String> parts = KeyName.parse("/a/b").parts();

    assertThrows(UnsupportedOperationException.class, () -> parts.add("c"));
    assertThrows(UnsupportedOperationException.class, () -> parts.set(0, "c"));
  }

  @Test
  void parts_calledTwice_returnsTheSameCachedView() {
    KeyName k = KeyName.parse("/a/b");
    assertSame(k.parts(), k.parts());
  }

  @Test
  void parent_escapedLastPart_cutsTheWholeEscapedPart() {
    assertEquals("user:/a", KeyName.parse("user:/a/b\\/c\\\\").parent().orElseThrow().toString());
    assertEquals("user:/a\\/b", KeyName.parse("user:/a\\/b/\\#10").parent().orElseThrow().toString());
    assertEquals("/", KeyName.parse("/\\..").parent().orElseThrow().toString());
  }

  @Test
  void append_partWithSlash_addsOneEscapedPart() {
    KeyName k = KeyName.parse("user:/app").append("a/b");

    assertEquals("user:/app/a\\/b", k.toString());
    assertEquals(2, k.depth());
    assertEquals("user:/x", KeyName.root(Namespace.USER).append("x").toString());
  }

  @Test
  void appendEscaped_emptyOrDot_returnsSameKey() {
    KeyName k = KeyName.parse("dir:/a");
    assertSame(k, k.appendEscaped(""));
    assertSame(k, k.appendEscaped("./"));
  }

  @Test
  void withNamespace_otherNamespace_keepsParts() {
    KeyName k = KeyName.parse("/a/b\\/c");

    assertEquals("spec:/a/b\\/c", k.withNamespace(Namespace.SPEC).toString());
    assertEquals("/a/b\\/c", k.withNamespace(Namespace.SPEC).withNamespace(Namespace.CASCADING).toString());
    assertEquals("meta:/", KeyName.root(Namespace.USER).withNamespace(Namespace.META).toString());
    assertSame(k, k.withNamespace(Namespace.CASCADING));
  }

  @Test
  void relocate_keyBelowFromPrefix_movesSubtree() {
    KeyName k = KeyName.parse("user:/a/b/c");

    assertEquals("system:/x/b/c",
        k.relocate(KeyName.parse("user:/a"), KeyName.parse("system:/x")).toString());
    assertEquals("/b/c", k.relocate(KeyName.parse("user:/a"), KeyName.root(Namespace.CASCADING)).toString());
    assertEquals("user:/z", k.relocate(k, KeyName.parse("user:/z")).toString());
  }

  @Test
  void relocate_keyNotBelowFromPrefix_throwsIllegalArgument() {
    KeyName k = KeyName.parse("user:/a/b");

    assertThrows(IllegalArgumentException.class, () -> k.relocate(KeyName.parse("user:/x"), KeyName.parse("user:/y")));
    assertThrows(IllegalArgumentException.class,
        () -> k.relocate(KeyName.parse("system:/a"), KeyName.parse("user:/y")));
    assertThrows(IllegalArgumentException.class,
        () -> k.relocate(KeyName.parse("user:/a/b/c"), KeyName.parse("user:/y")));
  }

  @Test
  void relocate_resultWithOnlyAnEmptyPart_throwsInvalidKeyName() {
    KeyName k = KeyName.parse("user:/a/%");

    assertThrows(ClusterdException.class, () -> k.relocate(KeyName.parse("user:/a"), KeyName.root(Namespace.USER)));
  }

  // ---- hierarchy (doc/KEYNAMES.md section 1.1.1) ----

  @ParameterizedTest(name = "[{index}] {0} vs {1}: {2}")
  @CsvSource({
      "/elektra/version/info, /elektra/version, directly below",
      "/elektra/version/info, /elektra, below",
      "/elektra, /elektra/version/info, above",
      "/elektra/version/info, /elektra/version/info, same",
      "/elektra/version/info, /elektra/data, none",
      "/elektra/data, /elektra/version, none",
      "user:/a, user:/, directly below",
      "/a, /, directly below",
      "user:/a/%, user:/a, directly below",
      "user:/a/b, /a, none",
      "/a/b, user:/a, none",
      "user:/a, system:/a, none",
      "user:/, /, none",
      "/key.1, /key, none",
  })
  void isBelow_elektraHierarchyExamples_matchRelation(String key1, String key2, String relation) {
    KeyName k1 = KeyName.parse(key1);
    KeyName k2 = KeyName.parse(key2);
    boolean below = relation.equals("below") || relation.equals("directly below");

    assertEquals(below, k1.isBelow(k2));
    assertEquals(relation.equals("directly below"), k1.isDirectlyBelow(k2));
    assertEquals(below || relation.equals("same"), k1.isBelowOrSame(k2));
    assertEquals(relation.equals("above"), k2.isBelow(k1));
    assertFalse(k1.isBelow(k2) && k2.isBelow(k1));
  }

  @ParameterizedTest(name = "[{index}] {0} listed by a lookup of {1}: {2}")
  @CsvSource({
      "user:/a/b, /, true",
      "system:/a, /, true",
      "user:/a/b, /a, true",
      "/a/b, /a, true",
      "user:/b, /a, false",
      "user:/a/b, user:/a, true",
      "system:/a/b, user:/a, false",
      "/a/b, user:/a, false",
  })
  void isListedBy_cascadingLookupsSpanNamespaces(String key, String top, boolean listed) {
    assertEquals(listed, KeyName.parse(key).isListedBy(KeyName.parse(top)));
  }

  // ---- order (doc/KEYNAMES.md footnote 3: memcmp of the unescaped name) ----

  @ParameterizedTest(name = "[{index}] {0} < {1}")
  @CsvSource({
      "/key, /key/sub",
      "/key/sub, /key.1",
      "/key, /key.1",
      "/, /a",
      "/, meta:/",
      "meta:/, spec:/",
      "spec:/, proc:/",
      "proc:/, dir:/",
      "dir:/, user:/",
      "user:/, system:/",
      "system:/, default:/",
      "/zzz, meta:/a",
      "user:/a/%/b, user:/a/a",
      "user:/A, user:/a",
      "user:/a, user:/a/b",
      "user:/z, user:/é",
      "user:/\uE000, user:/\uD83D\uDE00",
      "user:/#_10, user:/#_9",
      "user:/#9, user:/#_10",
  })
  void compareTo_elektraOrderedPair_ordersFirstBeforeSecond(String first, String second) {
    KeyName a = KeyName.parse(first);
    KeyName b = KeyName.parse(second);

    assertTrue(a.compareTo(b) < 0, first + " < " + second);
    assertTrue(b.compareTo(a) > 0, second + " > " + first);
    assertNotEquals(a, b);
  }

  @Test
  void equals_sameKeyWrittenDifferently_isEqualWithSameHash() {
    KeyName a = KeyName.parse("user:/a/./b//");
    KeyName b = KeyName.parse("user/a/c/../b");

    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(0, a.compareTo(b));
    assertNotEquals(KeyName.parse("/a/b"), a);
  }

  // ---- Namespace ----

  @Test
  void namespaceValues_declarationOrder_isElektrasKeyNsOrder() {
    assertEquals(List.of(Namespace.CASCADING, Namespace.META, Namespace.SPEC, Namespace.PROC, Namespace.DIR,
        Namespace.USER, Namespace.SYSTEM, Namespace.DEFAULT), List.of(Namespace.values()));
  }

  @Test
  void namespacePrefix_eachNamespace_isNameWithColon() {
    assertEquals("", Namespace.CASCADING.prefix());
    assertEquals("user:", Namespace.USER.prefix());
    assertEquals("system:", Namespace.SYSTEM.prefix());
    assertEquals("default:", Namespace.DEFAULT.prefix());
  }

  @Test
  void namespaceIsWritable_userSystemDirSpec_onlyThese() {
    for (Namespace ns : Namespace.values()) {
      boolean expected = ns == Namespace.USER || ns == Namespace.SYSTEM || ns == Namespace.DIR
          || ns == Namespace.SPEC;
      assertEquals(expected, ns.isWritable(), ns.name());
    }
  }

  @Test
  void namespaceFromPrefix_knownAndUnknownNames_resolveOrEmpty() {
    assertEquals(Optional.of(Namespace.USER), Namespace.fromPrefix("user"));
    assertEquals(Optional.of(Namespace.META), Namespace.fromPrefix("meta:"));
    assertEquals(Optional.of(Namespace.CASCADING), Namespace.fromPrefix(""));
    for (Namespace ns : Namespace.values()) {
      assertEquals(Optional.of(ns), Namespace.fromPrefix(ns.prefix()));
    }
    assertEquals(Optional.empty(), Namespace.fromPrefix("User"));
    assertEquals(Optional.empty(), Namespace.fromPrefix("cascading"));
    assertEquals(Optional.empty(), Namespace.fromPrefix(":"));
    assertEquals(Optional.empty(), Namespace.fromPrefix("user::"));
    assertEquals(Optional.empty(), Namespace.fromPrefix("foo"));
  }
}

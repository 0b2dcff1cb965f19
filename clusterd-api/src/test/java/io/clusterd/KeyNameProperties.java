package io.clusterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/**
 * Properties of {@link KeyName}: escaping round-trips, canonicalization is idempotent, the order is Elektra's
 * (memcmp of the unescaped name) and agrees with equals and with the hierarchy, legacy names translate. The
 * generators are shared in {@link Gen}.
 */
class KeyNameProperties {

  /** Shared generators of parts, keys and related pairs of keys. */
  static final class Gen {
    private Gen() {}

    /** Parts that exercise every escaping and canonicalization rule, plus arbitrary Unicode. */
    static Arbitrary<String> parts() {
      Arbitrary<String> special = Arbitraries.of("", ".", "..", "...", "%", "%a", "\\%", "/", "\\", "//", "\\\\",
          "\\.", "#", "#0", "#1", "#9", "#10", "#_10", "#__10", "#_100", "#1234", "#___1234", "#01", "#_",
          "#9223372036854775807", "#9223372036854775808", "#__________________9223372036854775807",
          "#92233720368547758070", "#abc", "#10a", "\u00AEelektra", "user:", "user", "system:/", "a/b", "\\#10",
          "\u00E9", "\uD83D\uDE00", "\uE000", "\uFFFF", "@", " ");
      Arbitrary<String> tokens = Arbitraries.of("a", "b", "Z", "/", "\\", ".", "#", "%", "_", "0", "1", "9", ":",
              "\u00E9", "\uD83D\uDE00", "\uE000", " ")
          .list().ofMaxSize(6).map(l -> String.join("", l));
      Arbitrary<String> alnum = Arbitraries.strings().alpha().numeric().ofMaxLength(8);
      Arbitrary<String> unicode = Arbitraries.strings().ofMaxLength(5).filter(Gen::isValidPart);
      return Arbitraries.frequencyOf(
          Tuple.of(3, special), Tuple.of(4, tokens), Tuple.of(2, alnum), Tuple.of(1, unicode));
    }

    static boolean isValidPart(String s) {
      return s.codePoints().allMatch(cp -> cp != 0 && (cp < 0xD800 || cp > 0xDFFF));
    }

    /** Parts of a key: any valid parts, the first one non-empty. */
    static Arbitrary<List<String>> partLists() {
      return parts().list().ofMaxSize(5).map(l -> {
        if (!l.isEmpty() && l.get(0).isEmpty()) {
          List<String> fixed = new ArrayList<>(l);
          fixed.set(0, "x");
          return fixed;
        }
        return l;
      });
    }

    static Arbitrary<Namespace> namespaces() {
      return Arbitraries.of(Namespace.class);
    }

    static Arbitrary<KeyName> keys() {
      return Combinators.combine(namespaces(), partLists()).as(KeyName::of);
    }

    /** A key and a second key that is often an ancestor, the same key, or a key of the same namespace. */
    static Arbitrary<Tuple2<KeyName, KeyName>> relatedPairs() {
      return keys().flatMap(k -> Arbitraries.frequencyOf(
              Tuple.of(3, Arbitraries.integers().between(0, k.depth()).map(i -> prefix(k, i))),
              Tuple.of(1, Arbitraries.just(k)),
              Tuple.of(2, partLists().map(ps -> KeyName.of(k.namespace(), ps))),
              Tuple.of(1, keys()),
              Tuple.of(2, Arbitraries.integers().between(0, k.depth())
                  .flatMap(i -> parts().map(p -> appendOrSelf(prefix(k, i), p)))))
          .map(q -> Tuple.of(k, q)));
    }

    /** {@code base.append(part)}, or {@code base} where that would start with an empty part. */
    static KeyName appendOrSelf(KeyName base, String part) {
      return base.isRoot() && part.isEmpty() ? base : base.append(part);
    }

    /** Strings that look like key names often enough to reach every branch of the parser. */
    static Arbitrary<String> nameLikeStrings() {
      Arbitrary<String> start = Arbitraries.of("", "/", "//", "user:", "user:/", "user", "system", "system:/",
          "foo:/", "User:/", "default:/", "/%", "user:/%");
      Arbitrary<String> body = Arbitraries.strings().withChars("/\\.%#_:a1\u00E9\u0000").ofMaxLength(12);
      return Combinators.combine(start, body).as(String::concat);
    }

    static KeyName prefix(KeyName k, int depth) {
      return KeyName.of(k.namespace(), k.parts().subList(0, depth));
    }

    /**
     * A non-canonical spelling of {@code k}: extra slashes, {@code .} and {@code x/..} parts, a trailing slash,
     * non-canonical array parts.
     */
    static Arbitrary<String> noisySpellings(KeyName k) {
      Arbitrary<String> noise = Arbitraries.of("", "", "/", "./", "junk/../", "#10/../", "%/../", ".//");
      return noise.list().ofSize(k.depth() + 1).flatMap(n -> Arbitraries.of("", "/", "/.", "/./").map(tail -> {
        StringBuilder b = new StringBuilder(k.namespace().prefix()).append('/');
        List<String> parts = k.parts();
        for (int i = 0; i < parts.size(); i++) {
          b.append(n.get(i));
          String escaped = KeyName.escapePart(parts.get(i));
          b.append(shortArray(escaped)).append('/');
        }
        b.append(n.get(parts.size()));
        return b + tail;
      }));
    }

    /** {@code #___1234} written the non-canonical way, {@code #1234}; anything else unchanged. */
    private static String shortArray(String escaped) {
      int u = 1;
      while (u < escaped.length() && escaped.charAt(u) == '_') {
        u++;
      }
      int underscores = u - 1;
      if (escaped.startsWith("#") && underscores > 0 && escaped.length() - u == underscores + 1
          && escaped.substring(u).chars().allMatch(c -> c >= '0' && c <= '9')) {
        return "#" + escaped.substring(u);
      }
      return escaped;
    }
  }

  @Provide
  Arbitrary<KeyName> keys() {
    return Gen.keys();
  }

  @Provide
  Arbitrary<String> parts() {
    return Gen.parts();
  }

  @Provide
  Arbitrary<List<String>> partLists() {
    return Gen.partLists();
  }

  @Provide
  Arbitrary<Namespace> namespaces() {
    return Gen.namespaces();
  }

  @Provide
  Arbitrary<Tuple2<KeyName, KeyName>> relatedPairs() {
    return Gen.relatedPairs();
  }

  @Provide
  Arbitrary<String> nameLikeStrings() {
    return Gen.nameLikeStrings();
  }

  @Provide
  Arbitrary<Tuple2<KeyName, String>> noisy() {
    return Gen.keys().flatMap(k -> Gen.noisySpellings(k).map(s -> Tuple.of(k, s)));
  }

  // ---- canonical form ----

  @Property
  void parse_canonicalName_isIdempotent(@ForAll("keys") KeyName k) {
    KeyName again = KeyName.parse(k.toString());

    assertEquals(k, again);
    assertEquals(k.toString(), again.toString());
    assertEquals(k.hashCode(), again.hashCode());
  }

  @Property
  void parse_nonCanonicalSpelling_givesTheCanonicalKey(@ForAll("noisy") Tuple2<KeyName, String> keyAndSpelling) {
    KeyName k = keyAndSpelling.get1();
    KeyName parsed = KeyName.parse(keyAndSpelling.get2());

    assertEquals(k, parsed);
    assertEquals(k.toString(), parsed.toString());
  }

  // ---- escaping round trip ----

  @Property
  void of_anyParts_roundTripsThroughTheEscapedName(
      @ForAll("namespaces") Namespace ns, @ForAll("partLists") List<String> parts) {
    KeyName k = KeyName.of(ns, parts);

    assertEquals(parts, k.parts());
    assertEquals(parts.size(), k.depth());
    assertEquals(parts, KeyName.parse(k.toString()).parts());
    assertEquals(ns, KeyName.parse(k.toString()).namespace());
  }

  @Property
  void escapePart_anyPart_unescapesToThePart(@ForAll("parts") String part) {
    String escaped = KeyName.escapePart(part);

    assertEquals(List.of("a", part), KeyName.parse("user:/a/" + escaped).parts());
    assertEquals(KeyName.parse("/a").append(part), KeyName.parse("/a").appendEscaped(escaped));
  }

  // ---- order ----

  @Property
  void compareTo_anyTwoKeys_isConsistentWithEquals(@ForAll("relatedPairs") Tuple2<KeyName, KeyName> pair) {
    KeyName a = pair.get1();
    KeyName b = pair.get2();

    assertEquals(Integer.signum(a.compareTo(b)), -Integer.signum(b.compareTo(a)));
    assertEquals(a.compareTo(b) == 0, a.equals(b));
    if (a.equals(b)) {
      assertEquals(a.hashCode(), b.hashCode());
      assertEquals(a.toString(), b.toString());
    }
  }

  @Property
  void compareTo_anyTwoKeys_isMemcmpOfElektrasUnescapedName(
      @ForAll("relatedPairs") Tuple2<KeyName, KeyName> pair) {
    KeyName a = pair.get1();
    KeyName b = pair.get2();

    assertEquals(Integer.signum(compareUnsigned(unescapedName(a), unescapedName(b))), Integer.signum(a.compareTo(b)));
  }

  @Property
  void compareTo_keyBelowAnother_sortsAfterIt(@ForAll("relatedPairs") Tuple2<KeyName, KeyName> pair) {
    KeyName k = pair.get1();
    KeyName q = pair.get2();

    if (k.isBelow(q)) {
      assertTrue(k.compareTo(q) > 0, k + " > " + q);
    }
    if (q.isBelow(k)) {
      assertTrue(k.compareTo(q) < 0, k + " < " + q);
    }
  }

  // ---- hierarchy ----

  @Property
  void isBelow_anyTwoKeys_meansParentIsBelowOrSame(@ForAll("relatedPairs") Tuple2<KeyName, KeyName> pair) {
    KeyName k = pair.get1();
    KeyName q = pair.get2();

    assertEquals(k.isBelow(q), k.parent().map(p -> p.isBelowOrSame(q)).orElse(false));
    assertEquals(k.isBelowOrSame(q), k.equals(q) || k.isBelow(q));
    assertEquals(k.isDirectlyBelow(q), k.parent().equals(Optional.of(q)));
  }

  @Property
  void parent_nonRootKey_isDirectlyAboveAndAppendGivesItBack(@ForAll("keys") KeyName k) {
    Optional<KeyName> parent = k.parent();

    assertEquals(k.isRoot(), parent.isEmpty());
    parent.ifPresent(p -> {
      assertTrue(k.isDirectlyBelow(p));
      assertTrue(k.isBelow(p));
      assertEquals(k, p.append(k.baseName()));
      assertEquals(p, KeyName.parse(p.toString()));
      assertEquals(k.toString(), p.appendEscaped(KeyName.escapePart(k.baseName())).toString());
    });
  }

  @Property
  void relocate_keyBelowPrefix_movesAndMovesBack(
      @ForAll("relatedPairs") Tuple2<KeyName, KeyName> pair, @ForAll("keys") KeyName to) {
    KeyName k = pair.get1();
    KeyName from = pair.get2();
    if (!k.isBelowOrSame(from)) {
      return;
    }
    if (to.isRoot() && k.depth() > from.depth() && k.parts().get(from.depth()).isEmpty()) {
      assertEquals(ErrorCode.INVALID_KEY_NAME,
          assertThrows(ClusterdException.class, () -> k.relocate(from, to)).code());
      return;
    }

    KeyName moved = k.relocate(from, to);

    assertTrue(moved.isBelowOrSame(to));
    assertEquals(k.depth() - from.depth(), moved.depth() - to.depth());
    assertEquals(k, moved.relocate(to, from));
  }

  @Property
  void withNamespace_anyKey_keepsPartsAndRoundTrips(@ForAll("keys") KeyName k, @ForAll("namespaces") Namespace ns) {
    KeyName other = k.withNamespace(ns);

    assertEquals(ns, other.namespace());
    assertEquals(k.parts(), other.parts());
    assertEquals(other, KeyName.parse(other.toString()));
    assertEquals(k, other.withNamespace(k.namespace()));
  }

  // ---- legacy names ----

  @Property
  void parse_legacyUserOrSystemName_equalsNamespacedName(
      @ForAll("noisy") Tuple2<KeyName, String> keyAndSpelling, @ForAll boolean system) {
    String spelling = keyAndSpelling.get2();
    String rest = spelling.substring(spelling.indexOf('/')); // drop any namespace prefix, keep the slash
    String ns = system ? "system" : "user";

    assertEquals(KeyName.parse(ns + ":" + rest), KeyName.parse(ns + rest));
    assertEquals(KeyName.parse(ns + ":" + rest).toString(), KeyName.parse(ns + rest).toString());
  }

  @Property
  void tryParse_anyString_agreesWithParse(@ForAll("nameLikeStrings") String s) {
    Optional<KeyName> k = KeyName.tryParse(s);
    try {
      assertEquals(k, Optional.of(KeyName.parse(s)));
      assertEquals(k.get(), KeyName.parse(k.get().toString()));
    } catch (ClusterdException e) {
      assertEquals(Optional.empty(), k);
      assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
      assertEquals(s, e.details().get("name"));
    }
  }

  /** Elektra's unescaped name: namespace byte (1..8), then each part preceded by NUL, then a final NUL. */
  private static byte[] unescapedName(KeyName k) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(k.namespace().ordinal() + 1);
    out.write(0);
    for (String part : k.parts()) {
      out.writeBytes(part.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    if (k.isRoot()) {
      out.write(0);
    }
    return out.toByteArray();
  }

  private static int compareUnsigned(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      int c = (a[i] & 0xFF) - (b[i] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return a.length - b.length;
  }
}

package io.clusterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.PropertyCheck.Two;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of {@link KeyName}: escaping round-trips, canonicalization is idempotent, the order is Elektra's
 * (memcmp of the unescaped name) and agrees with equals and with the hierarchy, legacy names translate. The
 * generators are shared in {@link KeyGen}. Each property runs 1000 examples (see {@link PropertyCheck}).
 */
class KeyNameProperties {

  /** Shared generators of parts, keys and related pairs of keys. */
  static final class KeyGen {
    private KeyGen() {}

    /** Parts that exercise every escaping and canonicalization rule, plus arbitrary Unicode. */
    static Gen<String> parts() {
      Gen<String> special = Gens.of("", ".", "..", "...", "%", "%a", "\\%", "/", "\\", "//", "\\\\",
          "\\.", "#", "#0", "#1", "#9", "#10", "#_10", "#__10", "#_100", "#1234", "#___1234", "#01", "#_",
          "#9223372036854775807", "#9223372036854775808", "#__________________9223372036854775807",
          "#92233720368547758070", "#abc", "#10a", "\u00AEelektra", "user:", "user", "system:/", "a/b", "\\#10",
          "\u00E9", "\uD83D\uDE00", "\uE000", "\uFFFF", "@", " ");
      Gen<String> tokens = Gens.strings(Gens.of("a", "b", "Z", "/", "\\", ".", "#", "%", "_", "0", "1", "9", ":",
          "\u00E9", "\uD83D\uDE00", "\uE000", " "), 0, 6);
      Gen<String> alnum = Gens.strings("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 0, 8);
      // any UTF-16 unit that is valid in a part: no NUL, no surrogate (so the two ranges, weighted by size)
      Gen<String> unit = Gens.<String>weighted()
          .or(0xD7FF, Gens.chars(0x0001, 0xD7FF)).or(0x2000, Gens.chars(0xE000, 0xFFFF)).gen();
      Gen<String> unicode = Gens.strings(unit, 0, 5);
      return Gens.<String>weighted().or(3, special).or(4, tokens).or(2, alnum).or(1, unicode).gen();
    }

    static boolean isValidPart(String s) {
      return s.codePoints().allMatch(cp -> cp != 0 && (cp < 0xD800 || cp > 0xDFFF));
    }

    /** Parts of a key: any valid parts, the first one non-empty. */
    static Gen<List<String>> partLists() {
      return Gens.lists(parts(), 0, 5).map(l -> {
        if (!l.isEmpty() && l.get(0).isEmpty()) {
          List<String> fixed = new ArrayList<>(l);
          fixed.set(0, "x");
          return fixed;
        }
        return l;
      });
    }

    static Gen<Namespace> namespaces() {
      return Gens.of(Namespace.class);
    }

    static Gen<KeyName> keys() {
      return namespaces().zip(partLists(), KeyName::of);
    }

    /** A key and a second key that is often an ancestor, the same key, or a key of the same namespace. */
    static Gen<Two<KeyName, KeyName>> relatedPairs() {
      return Gens.dependent(keys(), k -> Gens.<KeyName>weighted()
              .or(3, Gens.ints(0, k.depth()).map(i -> prefix(k, i)))
              .or(1, Gens.just(k))
              .or(2, partLists().map(ps -> KeyName.of(k.namespace(), ps)))
              .or(1, keys())
              .or(2, Gens.dependent(Gens.ints(0, k.depth()), i -> parts(), (i, p) -> appendOrSelf(prefix(k, i), p)))
              .gen(),
          Two::new);
    }

    /** {@code base.append(part)}, or {@code base} where that would start with an empty part. */
    static KeyName appendOrSelf(KeyName base, String part) {
      return base.isRoot() && part.isEmpty() ? base : base.append(part);
    }

    /** Strings that look like key names often enough to reach every branch of the parser. */
    static Gen<String> nameLikeStrings() {
      Gen<String> start = Gens.of("", "/", "//", "user:", "user:/", "user", "system", "system:/",
          "foo:/", "User:/", "default:/", "/%", "user:/%");
      Gen<String> body = Gens.strings("/\\.%#_:a1\u00E9\u0000", 0, 12);
      return start.zip(body, String::concat);
    }

    static KeyName prefix(KeyName k, int depth) {
      return KeyName.of(k.namespace(), k.parts().subList(0, depth));
    }

    /**
     * A non-canonical spelling of {@code k}: extra slashes, {@code .} and {@code x/..} parts, a trailing slash,
     * non-canonical array parts.
     */
    static Gen<String> noisySpellings(KeyName k) {
      Gen<String> noise = Gens.of("", "", "/", "./", "junk/../", "#10/../", "%/../", ".//");
      return Gens.lists(noise, k.depth() + 1, k.depth() + 1).zip(Gens.of("", "/", "/.", "/./"), (n, tail) -> {
        StringBuilder b = new StringBuilder(k.namespace().prefix()).append('/');
        List<String> parts = k.parts();
        for (int i = 0; i < parts.size(); i++) {
          b.append(n.get(i));
          String escaped = KeyName.escapePart(parts.get(i));
          b.append(shortArray(escaped)).append('/');
        }
        b.append(n.get(parts.size()));
        return b + tail;
      });
    }

    /** A key and a non-canonical spelling of it. */
    static Gen<Two<KeyName, String>> noisy() {
      return Gens.dependent(keys(), KeyGen::noisySpellings, Two::new);
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

  // ---- canonical form ----

  @Test
  void parse_canonicalName_isIdempotent() {
    PropertyCheck.forAll(KeyGen.keys()).check(k -> {
      KeyName again = KeyName.parse(k.toString());

      assertEquals(k, again);
      assertEquals(k.toString(), again.toString());
      assertEquals(k.hashCode(), again.hashCode());
    });
  }

  @Test
  void parse_nonCanonicalSpelling_givesTheCanonicalKey() {
    PropertyCheck.forAll(KeyGen.noisy()).check(keyAndSpelling -> {
      KeyName k = keyAndSpelling.first();
      KeyName parsed = KeyName.parse(keyAndSpelling.second());

      assertEquals(k, parsed);
      assertEquals(k.toString(), parsed.toString());
    });
  }

  // ---- escaping round trip ----

  @Test
  void of_anyParts_roundTripsThroughTheEscapedName() {
    PropertyCheck.forAll(KeyGen.namespaces(), KeyGen.partLists()).check(t -> {
      Namespace ns = t.first();
      List<String> parts = t.second();
      KeyName k = KeyName.of(ns, parts);

      assertEquals(parts, k.parts());
      assertEquals(parts.size(), k.depth());
      assertEquals(parts, KeyName.parse(k.toString()).parts());
      assertEquals(ns, KeyName.parse(k.toString()).namespace());
    });
  }

  @Test
  void escapePart_anyPart_unescapesToThePart() {
    PropertyCheck.forAll(KeyGen.parts()).check(part -> {
      String escaped = KeyName.escapePart(part);

      assertEquals(List.of("a", part), KeyName.parse("user:/a/" + escaped).parts());
      assertEquals(KeyName.parse("/a").append(part), KeyName.parse("/a").appendEscaped(escaped));
    });
  }

  // ---- order ----

  @Test
  void compareTo_anyTwoKeys_isConsistentWithEquals() {
    PropertyCheck.forAll(KeyGen.relatedPairs()).check(pair -> {
      KeyName a = pair.first();
      KeyName b = pair.second();

      assertEquals(Integer.signum(a.compareTo(b)), -Integer.signum(b.compareTo(a)));
      assertEquals(a.compareTo(b) == 0, a.equals(b));
      if (a.equals(b)) {
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
      }
    });
  }

  @Test
  void compareTo_anyTwoKeys_isMemcmpOfElektrasUnescapedName() {
    PropertyCheck.forAll(KeyGen.relatedPairs()).check(pair -> {
      KeyName a = pair.first();
      KeyName b = pair.second();

      assertEquals(Integer.signum(compareUnsigned(unescapedName(a), unescapedName(b))),
          Integer.signum(a.compareTo(b)));
    });
  }

  @Test
  void compareTo_keyBelowAnother_sortsAfterIt() {
    PropertyCheck.forAll(KeyGen.relatedPairs()).check(pair -> {
      KeyName k = pair.first();
      KeyName q = pair.second();

      if (k.isBelow(q)) {
        assertTrue(k.compareTo(q) > 0, k + " > " + q);
      }
      if (q.isBelow(k)) {
        assertTrue(k.compareTo(q) < 0, k + " < " + q);
      }
    });
  }

  // ---- hierarchy ----

  @Test
  void isBelow_anyTwoKeys_meansParentIsBelowOrSame() {
    PropertyCheck.forAll(KeyGen.relatedPairs()).check(pair -> {
      KeyName k = pair.first();
      KeyName q = pair.second();

      assertEquals(k.isBelow(q), k.parent().map(p -> p.isBelowOrSame(q)).orElse(false));
      assertEquals(k.isBelowOrSame(q), k.equals(q) || k.isBelow(q));
      assertEquals(k.isDirectlyBelow(q), k.parent().equals(Optional.of(q)));
    });
  }

  @Test
  void parent_nonRootKey_isDirectlyAboveAndAppendGivesItBack() {
    PropertyCheck.forAll(KeyGen.keys()).check(k -> {
      Optional<KeyName> parent = k.parent();

      assertEquals(k.isRoot(), parent.isEmpty());
      parent.ifPresent(p -> {
        assertTrue(k.isDirectlyBelow(p));
        assertTrue(k.isBelow(p));
        assertEquals(k, p.append(k.baseName()));
        assertEquals(p, KeyName.parse(p.toString()));
        assertEquals(k.toString(), p.appendEscaped(KeyName.escapePart(k.baseName())).toString());
      });
    });
  }

  @Test
  void relocate_keyBelowPrefix_movesAndMovesBack() {
    PropertyCheck.forAll(KeyGen.relatedPairs(), KeyGen.keys()).check(t -> {
      KeyName k = t.first().first();
      KeyName from = t.first().second();
      KeyName to = t.second();
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
    });
  }

  @Test
  void withNamespace_anyKey_keepsPartsAndRoundTrips() {
    PropertyCheck.forAll(KeyGen.keys(), KeyGen.namespaces()).check(t -> {
      KeyName k = t.first();
      Namespace ns = t.second();
      KeyName other = k.withNamespace(ns);

      assertEquals(ns, other.namespace());
      assertEquals(k.parts(), other.parts());
      assertEquals(other, KeyName.parse(other.toString()));
      assertEquals(k, other.withNamespace(k.namespace()));
    });
  }

  // ---- legacy names ----

  @Test
  void parse_legacyUserOrSystemName_equalsNamespacedName() {
    PropertyCheck.forAll(KeyGen.noisy(), Gens.booleans()).check(t -> {
      String spelling = t.first().second();
      boolean system = t.second();
      String rest = spelling.substring(spelling.indexOf('/')); // drop any namespace prefix, keep the slash
      String ns = system ? "system" : "user";

      assertEquals(KeyName.parse(ns + ":" + rest), KeyName.parse(ns + rest));
      assertEquals(KeyName.parse(ns + ":" + rest).toString(), KeyName.parse(ns + rest).toString());
    });
  }

  @Test
  void tryParse_anyString_agreesWithParse() {
    PropertyCheck.forAll(KeyGen.nameLikeStrings()).check(s -> {
      Optional<KeyName> k = KeyName.tryParse(s);
      try {
        assertEquals(k, Optional.of(KeyName.parse(s)));
        assertEquals(k.get(), KeyName.parse(k.get().toString()));
      } catch (ClusterdException e) {
        assertEquals(Optional.empty(), k);
        assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
        assertEquals(s, e.details().get("name"));
      }
    });
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

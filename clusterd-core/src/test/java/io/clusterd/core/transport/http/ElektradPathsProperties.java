package io.clusterd.core.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.KeyName;
import io.clusterd.Namespace;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The request paths the elektrad transport builds: valid URIs whose decoded path is exactly the one elektrad
 * must see, refused exactly when elektrad's router would redirect them; and regular expressions rewritten so
 * that they always pass the router yet match the same names.
 */
class ElektradPathsProperties {
  /** Characters that need care in URLs, in key names or in elektrad's router. */
  private static final char[] TRICKY = " /\\%?#;+&=:@.~[]^$*\u00e9\u65e5".toCharArray();

  @Provide
  Arbitrary<KeyName> keys() {
    Arbitrary<String> part = Arbitraries.strings().withChars(TRICKY).withCharRange('a', 'c').ofMinLength(1)
        .ofMaxLength(6);
    Arbitrary<Namespace> ns = Arbitraries.of(Namespace.USER, Namespace.SYSTEM, Namespace.DIR, Namespace.SPEC);
    return ns.flatMap(n -> part.list().ofMaxSize(4).map(parts -> KeyName.of(n, parts)));
  }

  @Property
  void forKey_anyKey_validUriDecodingToTheRouteAndName(@ForAll("keys") KeyName key) {
    String decoded = "/kdb/" + key;
    Optional<String> raw = ElektradPaths.forKey("/kdb", key);
    assertEquals(ElektradPaths.isClean(decoded), raw.isPresent(), decoded);
    raw.ifPresent(r -> {
      URI uri = URI.create("http://127.0.0.1:33333/base" + r + "?preload=0");
      assertEquals("/base" + decoded, uri.getPath());
      assertEquals(r, uri.getRawPath().substring("/base".length()));
      assertFalse(r.contains(";") || r.contains("?") || r.contains("#") || r.contains("\\") || r.contains(" "), r);
    });
  }

  @Example
  void isClean_goCleanPathCases() {
    assertTrue(ElektradPaths.isClean("/kdb/user:/"));
    assertTrue(ElektradPaths.isClean("/kdb/user:/a\\/"));
    assertTrue(ElektradPaths.isClean("/kdb/user:/a\\/b/\\./\\.."));
    assertFalse(ElektradPaths.isClean("/kdb//tests"));
    assertFalse(ElektradPaths.isClean("/kdb/user:/a\\//b"));
    assertFalse(ElektradPaths.isClean("/kdb/user:/x\\/./y"));
    assertFalse(ElektradPaths.isClean("/kdb/user:/x\\/.."));
    assertEquals(Optional.of("/kdb/"), ElektradPaths.forKey("/kdb", KeyName.root(Namespace.CASCADING)));
    assertEquals(Optional.empty(), ElektradPaths.forKey("/kdb", KeyName.parse("/a")));
    assertEquals(Optional.of("/kdb/user:/a%20b%5C/c%3Bd%25e%3F%23"),
        ElektradPaths.forKey("/kdb", KeyName.parse("user:/a b\\/c;d%e?#")));
  }

  @Provide
  Arbitrary<String> regexes() {
    return Arbitraries.strings().withChars("/.\\[]^ab*?:".toCharArray()).ofMaxLength(10)
        .filter(r -> {
          try {
            Pattern.compile(r);
            return true;
          } catch (PatternSyntaxException e) {
            return false;
          }
        });
  }

  @Property
  void slashSafeRegex_anyRegex_passesTheRouterAndMatchesTheSame(@ForAll("regexes") String regex,
      @ForAll("subjects") List<String> subjects) {
    Assume.that(!regex.contains("\\Q"));
    String safe = ElektradPaths.slashSafeRegex(regex);
    assertTrue(ElektradPaths.forText("/kdbFind", safe).isPresent(), safe);
    Pattern original = Pattern.compile(regex);
    Pattern rewritten = Pattern.compile(safe);
    for (String s : subjects) {
      assertEquals(original.matcher(s).find(), rewritten.matcher(s).find(), regex + " vs " + safe + " on " + s);
    }
  }

  @Provide
  Arbitrary<List<String>> subjects() {
    return Arbitraries.strings().withChars("/.\\[]ab:".toCharArray()).ofMaxLength(8).list().ofSize(8);
  }

  @Example
  void slashSafeRegex_quotedName_staysEquivalent() {
    String regex = Pattern.quote("user:/clusterd/find") + "/alpha";
    String safe = ElektradPaths.slashSafeRegex(regex);
    assertTrue(Pattern.compile(safe).matcher("user:/clusterd/find/alpha").find());
    assertFalse(Pattern.compile(safe).matcher("user:/clusterd/findX/alpha").find());
    assertTrue(ElektradPaths.forText("/kdbFind", safe).isPresent());
    assertEquals("(?:.)", ElektradPaths.slashSafeRegex("."));
  }
}

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
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The request paths the elektrad transport builds: valid URIs whose decoded path is exactly the one elektrad
 * must see, refused exactly when elektrad's router would redirect them; and regular expressions rewritten so
 * that they always pass the router yet match the same names.
 */
class ElektradPathsProperties {
  /** Characters that need care in URLs, in key names or in elektrad's router. */
  private static final String TRICKY = " /\\%?#;+&=:@.~[]^$*\u00e9\u65e5";

  static Gen<KeyName> keys() {
    Gen<String> part = Gens.strings(TRICKY + "abc", 1, 6);
    Gen<Namespace> ns = Gens.of(Namespace.USER, Namespace.SYSTEM, Namespace.DIR, Namespace.SPEC);
    return Gens.dependent(ns, n -> Gens.lists(part, 0, 4), KeyName::of);
  }

  @Test
  void forKey_anyKey_validUriDecodingToTheRouteAndName() {
    PropertyCheck.forAll(keys()).check(ElektradPathsProperties::forKeyIsAValidUriOfTheName);
  }

  private static void forKeyIsAValidUriOfTheName(KeyName key) {
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

  @Test
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

  /** Regular expressions of the characters that matter to the rewrite; never with {@code \\Q} quoting. */
  static Gen<String> regexes() {
    return Gens.filter(Gens.strings("/.\\[]^ab*?:", 0, 10), r -> {
      if (r.contains("\\Q")) {
        return false;
      }
      try {
        Pattern.compile(r);
        return true;
      } catch (PatternSyntaxException e) {
        return false;
      }
    });
  }

  static Gen<List<String>> subjects() {
    return Gens.lists(Gens.strings("/.\\[]ab:", 0, 8), 8, 8);
  }

  @Test
  void slashSafeRegex_anyRegex_passesTheRouterAndMatchesTheSame() {
    PropertyCheck.forAll(regexes(), subjects()).check(t -> {
      String regex = t.first();
      List<String> subjects = t.second();
      String safe = ElektradPaths.slashSafeRegex(regex);
      assertTrue(ElektradPaths.forText("/kdbFind", safe).isPresent(), safe);
      Pattern original = Pattern.compile(regex);
      Pattern rewritten = Pattern.compile(safe);
      for (String s : subjects) {
        assertEquals(original.matcher(s).find(), rewritten.matcher(s).find(), regex + " vs " + safe + " on " + s);
      }
    });
  }

  @Test
  void slashSafeRegex_quotedName_staysEquivalent() {
    String regex = Pattern.quote("user:/clusterd/find") + "/alpha";
    String safe = ElektradPaths.slashSafeRegex(regex);
    assertTrue(Pattern.compile(safe).matcher("user:/clusterd/find/alpha").find());
    assertFalse(Pattern.compile(safe).matcher("user:/clusterd/findX/alpha").find());
    assertTrue(ElektradPaths.forText("/kdbFind", safe).isPresent());
    assertEquals("(?:.)", ElektradPaths.slashSafeRegex("."));
  }
}

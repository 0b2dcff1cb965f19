package io.clusterd.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.spi.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do, expressed only against the SPI: extend this class, return a transport
 * to a fresh instance database from {@link #newTransport()}, and run it with JUnit 5. It ships in
 * {@code clusterd-core}'s test jar ({@code <type>test-jar</type>}, test scope) so plugin authors can reuse it.
 *
 * <pre>{@code
 * class FileTransportTest extends TransportContract {
 *   @TempDir Path dir;
 *
 *   @Override
 *   protected Transport newTransport() {
 *     return new FileTransportFactory().create(TransportConfig.of("t", Endpoint.parse("file:///" + dir)));
 *   }
 *
 *   @Override
 *   protected boolean supportsMetadata() {
 *     return false; // this plugin stores values only
 *   }
 * }
 * }</pre>
 *
 * <p>Every test writes below {@link #base()} only, so an instance database holding other keys (a real
 * elektrad's {@code system:/elektra} keys, say) does not disturb it; the database should start empty below
 * that key. Capabilities a plugin may lack are switched off by the {@code supports...} hooks; everything
 * else is required. Each test creates its transport before and closes it after.
 */
public abstract class TransportContract {

  /** How long a test waits for one future. */
  protected static final long TIMEOUT_SECONDS = 10;

  /** The transport under test, fresh for each test. */
  protected Transport transport;

  /** A transport to a fresh instance database, empty at and below {@link #base()}; closed after the test. */
  protected abstract Transport newTransport();

  /** The key every test works below; defaults to {@code user:/clusterd-contract}. */
  protected KeyName base() {
    return KeyName.parse("user:/clusterd-contract");
  }

  /**
   * Whether the transport stores keys of {@code ns}; the contract writes each supported writable namespace.
   * Defaults to {@link Namespace#USER} and {@link Namespace#SYSTEM}.
   */
  protected boolean supportsNamespace(Namespace ns) {
    return ns == Namespace.USER || ns == Namespace.SYSTEM;
  }

  /** Whether the transport stores metadata; defaults to true. */
  protected boolean supportsMetadata() {
    return true;
  }

  /** Whether the transport answers {@link Transport#find}; defaults to true. */
  protected boolean supportsFind() {
    return true;
  }

  /**
   * Whether the transport itself refuses writes of keys outside the writable namespaces ({@code proc:/},
   * {@code default:/}, {@code meta:/}, cascading) with {@code NAMESPACE_NOT_WRITABLE}; defaults to false
   * (clusterd refuses them before calling a transport anyway).
   */
  protected boolean refusesUnwritableNamespaces() {
    return false;
  }

  @BeforeEach
  final void openTransport() {
    transport = newTransport();
  }

  @AfterEach
  final void closeTransport() {
    if (transport != null) {
      transport.close();
    }
  }

  // --- helpers for subclasses ---

  /** The key {@code base()} with the escaped relative name {@code relative} added, e.g. {@code key("a/b")}. */
  protected KeyName key(String relative) {
    return base().appendEscaped(relative);
  }

  /** Waits for {@code future} and returns its value; a failure is rethrown as is (unwrapped). */
  protected static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError("the future failed with a checked exception", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the future did not complete within " + TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Waits for {@code future} and returns the {@link ClusterdException} it failed with. */
  protected static ClusterdException awaitFailure(CompletableFuture<?> future) {
    try {
      Object value = await(future);
      return fail("expected a failure, got " + value);
    } catch (ClusterdException e) {
      return e;
    } catch (RuntimeException e) {
      return fail("expected a ClusterdException, got " + e, e);
    }
  }

  /** Looks up {@code key} with preload 0. */
  protected LookupResult lookup(KeyName key) {
    return await(transport.lookup(key, 0));
  }

  private void set(KeyName key, String value) {
    await(transport.set(key, value));
  }

  private List<String> names(String... relative) {
    List<String> out = new ArrayList<>();
    for (String r : relative) {
      out.add(key(r).toString());
    }
    return out;
  }

  private static List<String> childNames(LookupResult r) {
    return r.children().stream().map(LookupResult::path).toList();
  }

  // --- the contract ---

  @Test
  void version_always_reportsApiAndElektraVersion() {
    InstanceVersion v = await(transport.version());
    assertTrue(v.api() >= 1, "api level " + v.api());
    assertFalse(v.elektra().isBlank(), "elektra version");
    assertTrue(v.elektra().startsWith(v.major() + "." + v.minor()), v.toString());
  }

  @Test
  void lookup_missingKey_answersNotExistingWithEmptyLs() {
    KeyName k = key("nothing/here");
    LookupResult r = lookup(k);
    assertFalse(r.exists());
    assertEquals("here", r.name());
    assertEquals(k.toString(), r.path());
    assertEquals(List.of(), r.ls());
    assertEquals("", r.value());
    assertEquals(Map.of(), r.meta());
    assertEquals(List.of(), r.children());
  }

  @Test
  void set_newKey_lookupShowsValue() {
    KeyName k = key("hello");
    set(k, "world");
    LookupResult r = lookup(k);
    assertTrue(r.exists());
    assertEquals("hello", r.name());
    assertEquals(k.toString(), r.path());
    assertEquals("world", r.value());
    assertEquals(List.of(k.toString()), r.ls());
    assertEquals(List.of(), r.children());
  }

  @Test
  void set_existingKey_replacesValue() {
    KeyName k = key("hello");
    set(k, "one");
    set(k, "two");
    LookupResult r = lookup(k);
    assertTrue(r.exists());
    assertEquals("two", r.value());
    assertEquals(List.of(k.toString()), r.ls());
  }

  @Test
  void set_emptyValue_keyExistsWithEmptyValue() {
    KeyName k = key("empty");
    set(k, "");
    LookupResult r = lookup(k);
    assertTrue(r.exists());
    assertEquals("", r.value());
  }

  @Test
  void set_unicodeAndSpecialCharacters_valueRoundTrips() {
    String value = "h\u00e9llo \"q\" \\ \n line2 \t \u65e5\u672c \ud83d\ude80 {\"json\": [1]} %2F";
    KeyName k = key("unicode");
    set(k, value);
    assertEquals(value, lookup(k).value());
  }

  @Test
  void set_keyBelowMissingKeys_onlyThatKeyExists() {
    KeyName deep = key("sub/deep");
    set(deep, "d");
    LookupResult parent = lookup(key("sub"));
    assertFalse(parent.exists());
    assertEquals(List.of(deep.toString()), parent.ls());
    assertEquals(List.of(deep.toString()), childNames(parent));
    LookupResult grandParent = lookup(base());
    assertEquals(List.of(deep.toString()), grandParent.ls());
    assertEquals(List.of(), grandParent.children(), "a missing key is no child");
  }

  @Test
  void set_inEachSupportedNamespace_storedSeparately() {
    List<KeyName> written = new ArrayList<>();
    for (Namespace ns : Namespace.values()) {
      if (ns.isWritable() && supportsNamespace(ns)) {
        KeyName k = key("ns").withNamespace(ns);
        set(k, ns.name());
        written.add(k);
      }
    }
    assertFalse(written.isEmpty(), "supportsNamespace() must accept at least one writable namespace");
    for (KeyName k : written) {
      LookupResult r = lookup(k);
      assertTrue(r.exists(), k.toString());
      assertEquals(k.namespace().name(), r.value(), k.toString());
      assertEquals(List.of(k.toString()), r.ls());
    }
  }

  @Test
  void setMeta_existingKey_lookupShowsMetadataAndKeepsValue() {
    assumeTrue(supportsMetadata(), "the transport keeps no metadata");
    KeyName k = key("typed");
    set(k, "8080");
    await(transport.setMeta(k, "check/type", "long"));
    await(transport.setMeta(k, "description", "the port"));
    LookupResult r = lookup(k);
    assertEquals("8080", r.value());
    assertEquals(Map.of("check/type", "long", "description", "the port"), r.meta());
  }

  @Test
  void setMeta_missingKey_createsKeyWithEmptyValue() {
    assumeTrue(supportsMetadata(), "the transport keeps no metadata");
    KeyName k = key("metaonly");
    await(transport.setMeta(k, "x", "1"));
    LookupResult r = lookup(k);
    assertTrue(r.exists());
    assertEquals("", r.value());
    assertEquals(Map.of("x", "1"), r.meta());
  }

  @Test
  void set_keyWithMetadata_keepsMetadata() {
    assumeTrue(supportsMetadata(), "the transport keeps no metadata");
    KeyName k = key("typed");
    await(transport.setMeta(k, "check/type", "string"));
    set(k, "new value");
    LookupResult r = lookup(k);
    assertEquals("new value", r.value());
    assertEquals(Map.of("check/type", "string"), r.meta());
  }

  @Test
  void deleteMeta_presentAndAbsentEntries_removesOnlyThatEntry() {
    assumeTrue(supportsMetadata(), "the transport keeps no metadata");
    KeyName k = key("typed");
    set(k, "v");
    await(transport.setMeta(k, "a", "1"));
    await(transport.setMeta(k, "b", "2"));
    await(transport.deleteMeta(k, "a"));
    await(transport.deleteMeta(k, "never-set"));
    LookupResult r = lookup(k);
    assertTrue(r.exists());
    assertEquals("v", r.value());
    assertEquals(Map.of("b", "2"), r.meta());
  }

  @Test
  void lookup_subtree_lsHoldsKeyAndEverythingBelowInElektraOrder() {
    // written out of order on purpose; "key.1" sorts after everything below "key"
    for (String r : List.of("key.1", "key/sub/deep", "key/b", "key", "key/sub", "key/a b", "keyz", "ke")) {
      set(key(r), r);
    }
    LookupResult r = lookup(key("key"));
    assertTrue(r.exists());
    assertEquals(names("key", "key/a b", "key/b", "key/sub", "key/sub/deep"), r.ls());
    LookupResult all = lookup(base());
    assertEquals(names("ke", "key", "key/a b", "key/b", "key/sub", "key/sub/deep", "key.1", "keyz"), all.ls());
  }

  @Test
  void lookup_preloadZero_listsOneLevelOfExistingChildren() {
    set(key("tests/empty"), "");
    set(key("tests/hello"), "world");
    set(key("tests/sub/deep"), "d"); // tests/sub does not exist: not a child
    set(key("tests/sub2"), "parent");
    set(key("tests/sub2/child"), "child");
    set(key("tests/sub2/child/grand"), "grand");

    LookupResult r = lookup(key("tests"));
    assertFalse(r.exists());
    assertEquals(names("tests/empty", "tests/hello", "tests/sub2"), childNames(r));
    LookupResult sub2 = r.children().get(2);
    assertTrue(sub2.exists());
    assertEquals("sub2", sub2.name());
    assertEquals("parent", sub2.value());
    assertEquals(names("tests/sub2", "tests/sub2/child", "tests/sub2/child/grand"), sub2.ls());
    assertEquals(List.of(), sub2.children());
    assertEquals("world", r.children().get(1).value());
  }

  @Test
  void lookup_preloadOneAndNine_nestChildrenThatDeep() {
    set(key("p/a"), "a");
    set(key("p/a/b"), "b");
    set(key("p/a/b/c"), "c");
    set(key("p/a/b/c/d"), "d");

    LookupResult one = await(transport.lookup(key("p"), 1));
    LookupResult a = one.children().get(0);
    assertEquals(names("p/a"), childNames(one));
    assertEquals(names("p/a/b"), childNames(a));
    assertEquals(List.of(), a.children().get(0).children());
    assertEquals(names("p/a/b", "p/a/b/c", "p/a/b/c/d"), a.children().get(0).ls());

    LookupResult nine = await(transport.lookup(key("p"), 9));
    LookupResult c = nine.children().get(0).children().get(0).children().get(0);
    assertEquals("c", c.value());
    assertEquals(names("p/a/b/c/d"), childNames(c));
    assertEquals("d", c.children().get(0).value());
  }

  @Test
  void delete_keyWithSubtree_removesSubtreeAndKeepsSiblings() {
    for (String r : List.of("d", "d/x", "d/x/y", "d.1", "dd", "c")) {
      set(key(r), r);
    }
    await(transport.delete(key("d")));
    assertFalse(lookup(key("d")).exists());
    assertEquals(List.of(), lookup(key("d")).ls());
    assertEquals(names("c", "d.1", "dd"), lookup(base()).ls());
  }

  @Test
  void delete_missingKey_succeeds() {
    set(key("other"), "stays");
    await(transport.delete(key("never/existed")));
    assertEquals(names("other"), lookup(base()).ls());
  }

  @Test
  void move_subtree_movesValuesAndMetadataAndRemovesSource() {
    set(key("from"), "root");
    set(key("from/child"), "child");
    set(key("from/child/grand"), "grand");
    set(key("fromage"), "sibling");
    if (supportsMetadata()) {
      await(transport.setMeta(key("from/child"), "check/type", "string"));
    }
    await(transport.move(key("from"), key("to")));

    assertEquals(List.of(), lookup(key("from")).ls());
    assertEquals(names("fromage", "to", "to/child", "to/child/grand"), lookup(base()).ls());
    assertEquals("root", lookup(key("to")).value());
    LookupResult child = lookup(key("to/child"));
    assertEquals("child", child.value());
    if (supportsMetadata()) {
      assertEquals(Map.of("check/type", "string"), child.meta());
    }
    assertEquals("grand", lookup(key("to/child/grand")).value());
  }

  @Test
  void move_missingSource_isNoOp() {
    set(key("stays"), "v");
    await(transport.move(key("missing"), key("target")));
    assertEquals(names("stays"), lookup(base()).ls());
  }

  @Test
  void copy_subtree_bothSubtreesPresent() {
    set(key("src"), "s");
    set(key("src/a"), "a");
    set(key("src/a/b"), "b");
    if (supportsMetadata()) {
      await(transport.setMeta(key("src/a"), "m", "1"));
    }
    await(transport.copy(key("src"), key("dst")));

    assertEquals(names("dst", "dst/a", "dst/a/b", "src", "src/a", "src/a/b"), lookup(base()).ls());
    assertEquals("b", lookup(key("dst/a/b")).value());
    assertEquals("b", lookup(key("src/a/b")).value());
    if (supportsMetadata()) {
      assertEquals(Map.of("m", "1"), lookup(key("dst/a")).meta());
      assertEquals(Map.of("m", "1"), lookup(key("src/a")).meta());
    }
  }

  @Test
  void find_regex_returnsMatchingFullNamesInElektraOrder() {
    assumeTrue(supportsFind(), "the transport has no find");
    for (String r : List.of("find/zeta", "find/alpha", "find/alpha/beta", "find/gamma")) {
      set(key(r), r);
    }
    String prefix = java.util.regex.Pattern.quote(key("find").toString());
    assertEquals(names("find/alpha", "find/alpha/beta"), await(transport.find(prefix + "/alpha")));
    assertEquals(names("find/alpha/beta", "find/gamma"), await(transport.find(prefix + "/.*(beta|mm)")));
    assertEquals(List.of(), await(transport.find(prefix + "/nomatch")));
  }

  @Test
  void find_invalidRegex_failsWithClusterdException() {
    assumeTrue(supportsFind(), "the transport has no find");
    awaitFailure(transport.find("["));
  }

  @Test
  void keys_withEscapedParts_roundTripWithUnescapedBaseName() {
    List<String> odd = List.of("a/b", "%", "back\\slash", ".", "..", "#10", "a b", "\u00fcml\u00e4ut");
    List<KeyName> written = new ArrayList<>();
    for (String part : odd) {
      KeyName k = key("esc").append(part);
      set(k, "value of " + part);
      written.add(k);
    }
    for (int i = 0; i < odd.size(); i++) {
      LookupResult r = lookup(written.get(i));
      assertTrue(r.exists(), written.get(i).toString());
      assertEquals(odd.get(i), r.name());
      assertEquals(written.get(i).toString(), r.path());
      assertEquals("value of " + odd.get(i), r.value());
    }
    List<String> expected = written.stream().sorted().map(KeyName::toString).toList();
    assertEquals(expected, lookup(key("esc")).ls());
    assertEquals(expected, childNames(lookup(key("esc"))));
  }

  @Test
  void keys_arrayParts_orderedAsElektraOrdersThem() {
    for (String part : List.of("#_10", "#2", "#0", "#__100", "#1")) {
      set(key("arr").appendEscaped(part), part);
    }
    assertEquals(names("arr/#0", "arr/#1", "arr/#2", "arr/#_10", "arr/#__100"), lookup(key("arr")).ls());
    assertEquals("#_10", lookup(key("arr/#10")).name());
  }

  @Test
  void apply_eachOperationKind_dispatchesToTheMatchingMethod() {
    KeyName k = key("op");
    await(transport.apply(KeyOperation.set(k, "v")));
    await(transport.apply(KeyOperation.copy(k, key("op2"))));
    await(transport.apply(KeyOperation.move(key("op2"), key("op3"))));
    if (supportsMetadata()) {
      await(transport.apply(KeyOperation.setMeta(k, "m", "1")));
      assertEquals(Map.of("m", "1"), lookup(k).meta());
      await(transport.apply(KeyOperation.deleteMeta(k, "m")));
      assertEquals(Map.of(), lookup(k).meta());
    }
    assertEquals(names("op", "op3"), lookup(base()).ls());
    await(transport.apply(KeyOperation.delete(k)));
    assertEquals(names("op3"), lookup(base()).ls());
  }

  @Test
  void writes_fromManyThreads_allApplied() throws Exception {
    int threads = 4;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          List<CompletableFuture<Void>> writes = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            writes.add(transport.set(key("conc/t" + thread + "/k" + i), "v" + i));
          }
          writes.forEach(TransportContract::await);
        }));
      }
      for (Future<?> f : done) {
        f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * perThread, lookup(key("conc")).ls().size());
  }

  @Test
  void writes_outsideWritableNamespaces_refusedWithNamespaceNotWritable() {
    assumeTrue(refusesUnwritableNamespaces(), "the transport leaves unwritable namespaces to clusterd");
    List<KeyName> refused = List.of(
        KeyName.parse("proc:/clusterd-contract/x"),
        KeyName.parse("default:/clusterd-contract/x"),
        KeyName.parse("meta:/clusterd-contract/x"),
        KeyName.parse("/clusterd-contract/x"));
    for (KeyName k : refused) {
      for (CompletableFuture<Void> write : List.of(transport.set(k, "v"), transport.delete(k),
          transport.setMeta(k, "m", "v"), transport.move(key("src"), k), transport.copy(k, key("dst")))) {
        ClusterdException e = awaitFailure(write);
        assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code(), k + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("user:/"), e.getMessage());
      }
    }
    assertEquals(List.of(), lookup(base()).ls());
  }
}

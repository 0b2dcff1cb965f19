package io.clusterd.core.transport.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

class KeyDatabaseTest {

  private final KeyDatabase db = new KeyDatabase();

  private static KeyName k(String name) {
    return KeyName.parse(name);
  }

  private static LookupResult leaf(String path, String value, Map<String, String> meta) {
    KeyName key = k(path);
    return new LookupResult(true, key.baseName(), path, List.of(path), value, meta, List.of());
  }

  /** The state of the elektrad transcript before its first subtree lookup. */
  private void transcriptState() {
    db.set(k("user:/tests/hello"), "world");
    db.set(k("user:/tests/sub/deep"), "x");
    db.set(k("user:/tests/empty"), "");
    db.set(k("user:/tests/sub2"), "parent");
    db.set(k("user:/tests/sub2/child"), "child");
    db.set(k("user:/tests/sub2/child/grand"), "grand");
  }

  @Test
  void set_newAndExistingKey_reportsWhetherCreated() {
    assertTrue(db.set(k("user:/tests/hello"), "world"));
    assertFalse(db.set(k("user:/tests/hello"), "again"));
    assertEquals("again", db.get(k("user:/tests/hello")).orElseThrow().value());
    assertEquals(1, db.size());
  }

  @Test
  void lookup_transcriptStatePreloadZero_answersAsElektradDocuments() {
    transcriptState();
    List<String> subtree = List.of("user:/tests/sub2", "user:/tests/sub2/child", "user:/tests/sub2/child/grand");
    LookupResult expected = new LookupResult(false, "tests", "user:/tests",
        List.of("user:/tests/empty", "user:/tests/hello", "user:/tests/sub/deep", "user:/tests/sub2",
            "user:/tests/sub2/child", "user:/tests/sub2/child/grand"),
        "", Map.of(),
        List.of(leaf("user:/tests/empty", "", Map.of()), leaf("user:/tests/hello", "world", Map.of()),
            new LookupResult(true, "sub2", "user:/tests/sub2", subtree, "parent", Map.of(), List.of())));
    assertEquals(expected, db.lookup(k("user:/tests"), 0));
  }

  @Test
  void lookup_transcriptStateSub2PreloadOne_nestsTwoLevels() {
    transcriptState();
    LookupResult grand = leaf("user:/tests/sub2/child/grand", "grand", Map.of());
    LookupResult child = new LookupResult(true, "child", "user:/tests/sub2/child",
        List.of("user:/tests/sub2/child", "user:/tests/sub2/child/grand"), "child", Map.of(), List.of(grand));
    LookupResult expected = new LookupResult(true, "sub2", "user:/tests/sub2",
        List.of("user:/tests/sub2", "user:/tests/sub2/child", "user:/tests/sub2/child/grand"), "parent",
        Map.of(), List.of(child));
    assertEquals(expected, db.lookup(k("user:/tests/sub2"), 1));
    LookupResult preloadZero = db.lookup(k("user:/tests/sub2"), 0);
    assertEquals(List.of(), preloadZero.children().get(0).children());
  }

  @Test
  void lookup_namespaceRoot_listsWholeNamespaceWithEmptyName() {
    transcriptState();
    db.set(k("system:/tests/s"), "sys");
    LookupResult r = db.lookup(k("user:/"), 0);
    assertFalse(r.exists());
    assertEquals("", r.name());
    assertEquals("user:/", r.path());
    assertEquals(6, r.ls().size());
    assertEquals(List.of(), r.children());
  }

  @Test
  void lookup_cascadingKey_spansNamespacesAndResolvesInOverrideOrder() {
    db.set(k("system:/app/port"), "system");
    db.set(k("user:/app/port"), "user");
    db.set(k("spec:/app/port"), "spec");
    db.set(k("system:/app/host"), "h");
    db.set(k("dir:/app/x"), "d");

    LookupResult port = db.lookup(k("/app/port"), 0);
    assertTrue(port.exists());
    assertEquals("user", port.value());
    assertEquals("/app/port", port.path());
    assertEquals(List.of("spec:/app/port", "user:/app/port", "system:/app/port"), port.ls());

    db.set(k("dir:/app/port"), "dir");
    assertEquals("dir", db.lookup(k("/app/port"), 0).value());

    LookupResult app = db.lookup(k("/app"), 0);
    assertFalse(app.exists());
    assertEquals(List.of("spec:/app/port", "dir:/app/port", "dir:/app/x", "user:/app/port", "system:/app/host",
        "system:/app/port"), app.ls());
    assertEquals(app.ls(), app.children().stream().map(LookupResult::path).toList());

    LookupResult root = db.lookup(k("/"), 0);
    assertEquals("/", root.path());
    assertEquals("", root.name());
    assertEquals(app.ls(), root.ls());
    assertEquals(List.of(), root.children());
  }

  @Test
  void lookup_cascadingKeyOnlyInSpec_doesNotExist() {
    db.set(k("spec:/app/port"), "spec");
    assertFalse(db.lookup(k("/app/port"), 0).exists());
  }

  @Test
  void lookup_preloadOutOfRange_refused() {
    assertEquals(ErrorCode.INVALID_BODY,
        assertThrows(ClusterdException.class, () -> db.lookup(k("user:/"), 10)).code());
  }

  @Test
  void delete_subtree_returnsCountAndKeepsNeighbours() {
    transcriptState();
    assertEquals(3, db.delete(k("user:/tests/sub2")));
    assertEquals(0, db.delete(k("user:/tests/sub2")));
    assertEquals(List.of("user:/tests/empty", "user:/tests/hello", "user:/tests/sub/deep"),
        db.lookup(k("user:/tests"), 0).ls());
  }

  @Test
  void move_ontoAncestor_replacesOverlappingKeys() {
    db.set(k("user:/a"), "old a");
    db.set(k("user:/a/x"), "old x");
    db.set(k("user:/a/b"), "b");
    db.set(k("user:/a/b/x"), "new x");
    assertEquals(2, db.move(k("user:/a/b"), k("user:/a")));
    assertEquals(Map.of(k("user:/a"), KeyDatabase.Entry.of("b"), k("user:/a/x"), KeyDatabase.Entry.of("new x")),
        db.snapshot());
  }

  @Test
  void move_acrossNamespaces_keepsMetadata() {
    db.set(k("user:/a"), "v");
    db.setMeta(k("user:/a"), "check/type", "string");
    db.move(k("user:/a"), k("system:/b/c"));
    assertEquals(Map.of(k("system:/b/c"), new KeyDatabase.Entry("v", Map.of("check/type", "string"))),
        db.snapshot());
  }

  @Test
  void move_sourceMissingButSubtreePresent_movesTheSubtree() {
    db.set(k("user:/a/b"), "v");
    assertEquals(1, db.move(k("user:/a"), k("user:/c")));
    assertEquals(Map.of(k("user:/c/b"), KeyDatabase.Entry.of("v")), db.snapshot());
  }

  @Test
  void move_ontoItself_changesNothing() {
    db.set(k("user:/a"), "v");
    db.move(k("user:/a"), k("user:/a"));
    assertEquals(Map.of(k("user:/a"), KeyDatabase.Entry.of("v")), db.snapshot());
  }

  @Test
  void move_ontoDescendant_refusedUnchanged() {
    db.set(k("user:/a"), "v");
    ClusterdException e = assertThrows(ClusterdException.class, () -> db.move(k("user:/a"), k("user:/a/b")));
    assertEquals(ErrorCode.INVALID_BODY, e.code());
    assertEquals(1, db.size());
  }

  @Test
  void move_wouldCreateSingleEmptyPart_refusedUnchanged() {
    db.set(k("user:/x"), "x");
    db.set(k("user:/x/%"), "empty part");
    SortedMap<KeyName, KeyDatabase.Entry> before = db.snapshot();
    ClusterdException e = assertThrows(ClusterdException.class, () -> db.move(k("user:/x"), k("user:/")));
    assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
    assertEquals(before, db.snapshot());
  }

  @Test
  void copy_intoOwnSubtree_copiesOnce() {
    db.set(k("user:/a"), "a");
    db.set(k("user:/a/b"), "b");
    assertEquals(2, db.copy(k("user:/a"), k("user:/a/c")));
    assertEquals(List.of("user:/a", "user:/a/b", "user:/a/c", "user:/a/c/b"), db.lookup(k("user:/a"), 0).ls());
  }

  @Test
  void setMeta_nameCanonicalizedAndMissingKeyCreated() {
    assertTrue(db.setMeta(k("user:/m"), "check//type/.", "long"));
    assertFalse(db.setMeta(k("user:/m"), "other", "x"));
    assertEquals(new KeyDatabase.Entry("", Map.of("check/type", "long", "other", "x")),
        db.get(k("user:/m")).orElseThrow());
  }

  @Test
  void setMeta_emptyOrInvalidName_refused() {
    for (String bad : List.of("", "/", "a\\b")) {
      ClusterdException e = assertThrows(ClusterdException.class, () -> db.setMeta(k("user:/m"), bad, "v"));
      assertEquals(ErrorCode.INVALID_BODY, e.code(), bad);
    }
    assertEquals(0, db.size());
  }

  @Test
  void deleteMeta_missingKey_doesNotCreateIt() {
    assertFalse(db.deleteMeta(k("user:/m"), "x"));
    assertEquals(0, db.size());
  }

  @Test
  void writes_unwritableNamespaces_refused() {
    for (String name : List.of("proc:/a", "default:/a", "meta:/a", "/a", "/")) {
      ClusterdException e = assertThrows(ClusterdException.class, () -> db.set(k(name), "v"), name);
      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
      assertTrue(e.getMessage().contains("user:/, system:/, dir:/ and spec:/"), e.getMessage());
      assertEquals(name, e.details().get("key"));
    }
    assertThrows(ClusterdException.class, () -> db.copy(k("user:/a"), k("proc:/a")));
    assertThrows(ClusterdException.class, () -> db.deleteMeta(k("meta:/a"), "x"));
    assertEquals(0, db.size());
  }

  @Test
  void find_regex_matchesAnywhereAcrossNamespacesInOrder() {
    db.set(k("system:/tests/hello"), "s");
    db.set(k("user:/tests/hello"), "u");
    db.set(k("user:/tests/a\\/b"), "escaped");
    db.set(k("spec:/other"), "x");
    assertEquals(List.of("user:/tests/hello", "system:/tests/hello"), db.find("hello"));
    assertEquals(List.of("spec:/other", "user:/tests/a\\/b", "user:/tests/hello", "system:/tests/hello"),
        db.find(""));
    assertEquals(List.of("user:/tests/a\\/b"), db.find("a\\\\/b"));
    assertEquals(List.of("user:/tests/hello"), db.find("^user:/(?P<rest>tests)/h"));
    assertEquals(ErrorCode.INVALID_BODY, assertThrows(ClusterdException.class, () -> db.find("[")).code());
  }

  @Test
  void snapshot_laterChanges_notVisible() {
    db.set(k("user:/a"), "1");
    SortedMap<KeyName, KeyDatabase.Entry> snap = db.snapshot();
    db.set(k("user:/a"), "2");
    db.set(k("user:/b"), "3");
    assertEquals(Map.of(k("user:/a"), KeyDatabase.Entry.of("1")), snap);
    assertThrows(UnsupportedOperationException.class, () -> snap.clear());
  }

  @Test
  void version_always_elektrad011() {
    assertEquals("0.11.0", db.version().elektra());
    assertEquals(1, db.version().api());
  }
}

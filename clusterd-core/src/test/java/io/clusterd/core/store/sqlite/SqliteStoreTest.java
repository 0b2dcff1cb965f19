package io.clusterd.core.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.Pin;
import io.clusterd.core.store.RegistryStoreContract;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store keeps the registry store contract, survives reopening, and guards its file. */
class SqliteStoreTest extends RegistryStoreContract {

  @TempDir
  Path tempDir;

  private int stores;

  @Override
  protected RegistryStore newStore() {
    return SqliteStore.open(tempDir.resolve("contract-" + stores++));
  }

  private static void execute(Path file, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  @Test
  void open_missingDirectory_createsItAndAWalModeDatabaseFile() throws IOException {
    Path dir = tempDir.resolve("a/b/c");

    try (SqliteStore store = SqliteStore.open(dir)) {
      assertEquals(dir.resolve(SqliteStore.FILE_NAME).toAbsolutePath(), store.file());
    }

    byte[] header = Files.readAllBytes(dir.resolve(SqliteStore.FILE_NAME));
    assertEquals("SQLite format 3", new String(header, 0, 15, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(2, header[18], "file format write version 2 means WAL");
    assertEquals(2, header[19], "file format read version 2 means WAL");
  }

  @Test
  void apply_thenReopen_keepsEverythingAndContinuesHistoryNumbering() {
    Path dir = tempDir.resolve("reopen");
    StoreSnapshot before;
    List<HistoryEntry> historyBefore;
    try (SqliteStore store = SqliteStore.open(dir)) {
      store.apply(batch().putNode(top(cluster("prod"))).putNode(under("prod", instance("web-1")))
          .putPin("prod", new Pin(key("user:/app/port"), "8080", Map.of("type", "long")))
          .history(entry("prod", "create")).putPending(pending("web-1", 1)).build());
      store.apply(batch().putNode(under("prod", cluster("eu"))).history(entry("eu", "create")).build());
      before = store.load();
      historyBefore = store.history(Optional.empty(), Long.MAX_VALUE, 100);
    }

    try (SqliteStore store = SqliteStore.open(dir)) {
      assertEquals(before, store.load());
      assertEquals(historyBefore, store.history(Optional.empty(), Long.MAX_VALUE, 100));
      store.apply(batch().history(entry("eu", "pin")).build());
      assertEquals(3L, store.history(Optional.empty(), Long.MAX_VALUE, 1).get(0).seq());
    }
  }

  @Test
  void open_directoryAlreadyOpen_isRefusedUntilTheFirstStoreCloses() {
    Path dir = tempDir.resolve("busy");
    SqliteStore first = SqliteStore.open(dir);

    ClusterdException e = assertThrows(ClusterdException.class, () -> SqliteStore.open(dir));

    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertTrue(e.getMessage().contains("already open"), e.getMessage());
    first.close();
    SqliteStore.open(dir).close();
  }

  @Test
  void open_fileThatIsNotADatabase_failsNamingTheFile() throws IOException {
    Path dir = Files.createDirectories(tempDir.resolve("garbage"));
    Path file = dir.resolve(SqliteStore.FILE_NAME);
    byte[] garbage = "this is not a database, just some text that is long enough to have a header".repeat(20)
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Files.write(file, garbage);

    ClusterdException e = assertThrows(ClusterdException.class, () -> SqliteStore.open(dir));

    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertArrayEquals(garbage, Files.readAllBytes(file));
    SqliteStore.open(tempDir.resolve("other")).close(); // the failed open released its lock and connections
  }

  @Test
  void apply_brokenReference_messageNamesTheMissingNodeAndTheFile() {
    try (SqliteStore store = SqliteStore.open(tempDir.resolve("fk"))) {
      store.apply(batch().putNode(top(cluster("a"))).build());

      ClusterdException e = assertThrows(ClusterdException.class,
          () -> store.apply(batch().putPin("nope", Pin.of(key("user:/x"), "1")).build()));

      assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
      assertTrue(e.getMessage().contains(store.file().toString()), e.getMessage());
    }
  }

  @Test
  void load_rowChangedBehindTheStoresBack_failsNamingFileAndNode() throws SQLException {
    Path dir = tempDir.resolve("corrupt");
    try (SqliteStore store = SqliteStore.open(dir)) {
      store.apply(batch().putNode(top(cluster("a"))).build());
    }
    execute(dir.resolve(SqliteStore.FILE_NAME), "UPDATE nodes SET labels = 'not json' WHERE id = 'a'");

    try (SqliteStore store = SqliteStore.open(dir)) {
      ClusterdException e = assertThrows(ClusterdException.class, store::load);

      assertEquals(ErrorCode.STORE_FAILURE, e.code());
      assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains(store.file().toString()), e.getMessage());
    }
  }

  @Test
  void apply_100kNodesAnd10kPinsInOneBatch_reopenLoadsThemAllInOrder() {
    Path dir = tempDir.resolve("large");
    StoreChanges.Builder changes = batch();
    int clusters = 1_000;
    for (int c = 0; c < clusters; c++) {
      changes.putNode(top(new Cluster("c" + c, "Cluster " + c, "", Map.of("env", "prod"), List.of())));
      for (int k = 0; k < 10; k++) {
        changes.putPin("c" + c, new Pin(key("user:/app/k" + k), "value " + k, Map.of("type", "string")));
      }
    }
    for (int i = 0; i < 100_000 - clusters; i++) {
      changes.putNode(under("c" + (i % clusters), new Instance("i" + i, "Instance " + i, "", Map.of("rack", "r" + i % 40),
          Endpoint.parse("http://10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255) + ":33333"), null, null)));
    }
    StoreChanges large = changes.build();

    long start = System.nanoTime();
    try (SqliteStore store = SqliteStore.open(dir)) {
      store.apply(large);
    }
    long written = System.nanoTime();
    StoreSnapshot snapshot;
    try (SqliteStore store = SqliteStore.open(dir)) {
      snapshot = store.load();
    }
    long loaded = System.nanoTime();

    System.out.printf("SqliteStore: 100k nodes + 10k pins written in %d ms, reopened and loaded in %d ms%n",
        (written - start) / 1_000_000, (loaded - written) / 1_000_000);
    assertEquals(large.putNodes(), snapshot.nodes());
    assertEquals(large.putPins(), snapshot.pins());
    // a generous bound for a shared machine; the daemon's budget for a full restart is 3 s
    assertTrue(loaded - written < 15_000_000_000L, "reopen and load took " + (loaded - written) / 1_000_000 + " ms");
  }

  @Test
  void put_nodesWithEveryKind_storedKindMatchesRecord() throws SQLException {
    Path dir = tempDir.resolve("kinds");
    try (SqliteStore store = SqliteStore.open(dir)) {
      store.apply(batch().putNode(top(cluster("a"))).putNode(under("a", instance("web-1"))).build());
    }
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.FILE_NAME));
         Statement statement = connection.createStatement();
         var rows = statement.executeQuery("SELECT id, kind, endpoint, parent FROM nodes ORDER BY ord")) {
      assertTrue(rows.next());
      assertEquals(List.of("a", "cluster"), List.of(rows.getString(1), rows.getString(2)));
      assertEquals(null, rows.getString(3));
      assertTrue(rows.next());
      assertEquals(List.of("web-1", "instance", "http://web-1.example:33333", "a"),
          List.of(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4)));
    }
  }

  @Test
  void load_afterNodeRecordWithParent_rebuildsRecordsEqualToWritten() {
    try (SqliteStore store = SqliteStore.open(tempDir.resolve("records"))) {
      NodeRecord child = under("a", new Instance("web-1", "Web", "d", Map.of("k", "v"),
          Endpoint.parse("HTTP://Web-1.Example:80/base/"), null, "advanced"));
      store.apply(batch().putNode(top(cluster("a"))).putNode(child).build());

      assertEquals(child, store.load().nodes().get(1));
    }
  }
}

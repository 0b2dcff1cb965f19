package io.clusterd.core.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store file's schema is versioned: old files are migrated forward at open, newer files are refused. */
class SqliteStoreMigrationTest {

  @TempDir
  Path tempDir;

  private static Connection connect(Path file) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file);
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
      StringBuilder result = new StringBuilder();
      while (rows.next()) {
        result.append(rows.getString(rows.getMetaData().getColumnCount())).append('\n');
      }
      return result.toString();
    }
  }

  @Test
  void migrations_areNumberedOneByOne() {
    for (int i = 0; i < Schema.MIGRATIONS.size(); i++) {
      assertEquals(i + 1, Schema.MIGRATIONS.get(i).version());
    }
    assertEquals(Schema.MIGRATIONS.size(), Schema.LATEST);
  }

  @Test
  void open_newFile_isAtLatestVersion() throws SQLException {
    SqliteStore.open(tempDir).close();

    try (Connection connection = connect(tempDir.resolve(SqliteStore.FILE_NAME))) {
      assertEquals(Schema.LATEST, Schema.version(connection));
    }
  }

  @Test
  void open_fileAtVersion1WithData_migratesAndKeepsTheData() throws SQLException {
    Path file = tempDir.resolve(SqliteStore.FILE_NAME);
    try (Connection connection = connect(file)) {
      assertEquals(0, Schema.migrate(connection, 1));
      assertEquals(1, Schema.version(connection));
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("INSERT INTO nodes (id, kind, name, description, labels) "
            + "VALUES ('prod', 'cluster', 'Production', '', '{\"env\":\"prod\"}')");
        statement.executeUpdate("INSERT INTO nodes (id, kind, name, description, labels, endpoint, transport, "
            + "visibility, parent) VALUES ('web-1', 'instance', 'Web 1', '', '{}', 'http://web-1:33333', 'http', "
            + "'user', 'prod')");
        statement.executeUpdate("INSERT INTO pins (cluster, key_name, value, meta) "
            + "VALUES ('prod', 'user:/app/port', '8080', '{\"type\":\"long\"}')");
        statement.executeUpdate("INSERT INTO history (time, actor, node, operation, key_name, old_value, new_value, "
            + "outcome) VALUES (1000, NULL, 'prod', 'pin', 'user:/app/port', NULL, '8080', 'ok')");
        statement.executeUpdate("INSERT INTO pending (instance, seq, operation, since, reason) VALUES ('web-1', 1, "
            + "'{\"kind\":\"set\",\"key\":\"user:/app/port\",\"value\":\"8080\"}', 2000, 'unreachable')");
      }
    }

    try (SqliteStore store = SqliteStore.open(tempDir)) {
      StoreSnapshot snapshot = store.load();
      assertEquals(List.of("prod", "web-1"), snapshot.nodes().stream().map(NodeRecord::id).toList());
      assertEquals(new Cluster("prod", "Production", "", Map.of("env", "prod"), List.of()),
          snapshot.nodes().get(0).node());
      assertEquals(List.of(new PinRecord("prod", new Pin(KeyName.parse("user:/app/port"), "8080",
          Map.of("type", "long")))), snapshot.pins());
      assertEquals(List.of(new PendingDelivery("web-1", 1, KeyOperation.set(KeyName.parse("user:/app/port"), "8080"),
          Instant.ofEpochMilli(2000), "unreachable")), snapshot.pending());
      assertEquals(List.of(new HistoryEntry(1, Instant.ofEpochMilli(1000), Optional.empty(), "prod", "pin",
          Optional.of("user:/app/port"), Optional.empty(), Optional.of("8080"), "ok")),
          store.history(Optional.of("prod"), Long.MAX_VALUE, 10));
    }
    try (Connection connection = connect(file)) {
      assertEquals(Schema.LATEST, Schema.version(connection));
      String plan = queryString(connection,
          "EXPLAIN QUERY PLAN SELECT seq FROM history WHERE node = 'prod' AND seq < 5 ORDER BY seq DESC LIMIT 3");
      assertTrue(plan.contains("history_node_seq"), plan);
    }
  }

  @Test
  void migrate_failingStep_leavesTheFileAtItsOldVersion() throws SQLException {
    Path file = tempDir.resolve(SqliteStore.FILE_NAME);
    try (Connection connection = connect(file)) {
      Schema.migrate(connection, 1);
      try (Statement statement = connection.createStatement()) {
        // make step 2 fail: its index name is taken
        statement.executeUpdate("CREATE TABLE history_node_seq (x)");
      }
      assertThrows(SQLException.class, () -> Schema.migrate(connection, Schema.LATEST));
      assertEquals(1, Schema.version(connection));
    }

    ClusterdException e = assertThrows(ClusterdException.class, () -> SqliteStore.open(tempDir));
    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void open_fileFromNewerVersion_isRefusedAndLeftUntouched() throws SQLException, IOException {
    Path file = tempDir.resolve(SqliteStore.FILE_NAME);
    int future = Schema.LATEST + 1;
    try (Connection connection = connect(file); Statement statement = connection.createStatement()) {
      statement.executeUpdate("CREATE TABLE nodes_v" + future + " (id TEXT PRIMARY KEY, doc TEXT)");
      statement.executeUpdate("INSERT INTO nodes_v" + future + " VALUES ('a', '{}')");
      statement.executeUpdate("PRAGMA user_version = " + future);
    }
    byte[] before = Files.readAllBytes(file);

    ClusterdException e = assertThrows(ClusterdException.class, () -> SqliteStore.open(tempDir));

    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertTrue(e.getMessage().contains("schema version " + future), e.getMessage());
    assertTrue(e.getMessage().contains("newer clusterd"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertFalse(Files.exists(tempDir.resolve(SqliteStore.FILE_NAME + "-wal")));
  }
}

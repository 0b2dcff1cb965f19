package io.clusterd.core.store.sqlite;

import io.clusterd.core.internal.SchemaMigrations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The versioned schema of the store file. The version lives in SQLite's {@code PRAGMA user_version} (0 for a new,
 * empty file); {@link #MIGRATIONS} are applied in order, all pending steps in one transaction, so a file is always
 * at exactly one known version. Never edit a released step: append a new one.
 *
 * <p>Order columns: {@code ord} is each table's {@code INTEGER PRIMARY KEY} (the rowid), so a new row is always
 * numbered after every existing one, an upsert keeps its row's place and loading in {@code ord} order needs no
 * sort. The natural keys ({@code nodes.id}, {@code pins (cluster, key_name)}, {@code pending (instance, seq)}) are
 * {@code UNIQUE NOT NULL}. Foreign keys are deferred to the commit so a batch may delete a cluster and move its
 * children in any order; deleting a node cascades to its pins and pending deliveries.
 */
final class Schema {

  static final List<SchemaMigrations.Step> MIGRATIONS = List.of(
      new SchemaMigrations.Step(1, "nodes, pins, history and pending deliveries", List.of(
          """
          CREATE TABLE nodes (
            ord         INTEGER PRIMARY KEY,
            id          TEXT    NOT NULL UNIQUE,
            kind        TEXT    NOT NULL CHECK (kind IN ('cluster', 'instance')),
            name        TEXT    NOT NULL,
            description TEXT    NOT NULL,
            labels      TEXT    NOT NULL,
            endpoint    TEXT,
            transport   TEXT,
            visibility  TEXT,
            parent      TEXT    REFERENCES nodes (id) DEFERRABLE INITIALLY DEFERRED,
            CHECK ((kind = 'instance') = (endpoint IS NOT NULL))
          )""",
          "CREATE INDEX nodes_parent ON nodes (parent)",
          """
          CREATE TABLE pins (
            ord      INTEGER PRIMARY KEY,
            cluster  TEXT    NOT NULL REFERENCES nodes (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            key_name TEXT    NOT NULL,
            value    TEXT    NOT NULL,
            meta     TEXT    NOT NULL,
            UNIQUE (cluster, key_name)
          )""",
          """
          CREATE TABLE history (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,
            time      INTEGER NOT NULL,
            actor     TEXT,
            node      TEXT    NOT NULL,
            operation TEXT    NOT NULL,
            key_name  TEXT,
            old_value TEXT,
            new_value TEXT,
            outcome   TEXT    NOT NULL
          )""",
          """
          CREATE TABLE pending (
            ord       INTEGER PRIMARY KEY,
            instance  TEXT    NOT NULL REFERENCES nodes (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            seq       INTEGER NOT NULL,
            operation TEXT    NOT NULL,
            since     INTEGER NOT NULL,
            reason    TEXT    NOT NULL,
            UNIQUE (instance, seq)
          )""")),
      new SchemaMigrations.Step(2, "page the history of one node by index", List.of(
          "CREATE INDEX history_node_seq ON history (node, seq)")),
      new SchemaMigrations.Step(3, "the pins each history entry changed, as they were before (for rollback)", List.of(
          "ALTER TABLE history ADD COLUMN pins_before TEXT")),
      new SchemaMigrations.Step(4, "staged rollouts, kept after their cluster is gone", List.of(
          """
          CREATE TABLE rollouts (
            ord      INTEGER PRIMARY KEY,
            id       TEXT    NOT NULL UNIQUE,
            cluster  TEXT    NOT NULL,
            state    TEXT    NOT NULL,
            document TEXT    NOT NULL
          )""")));

  private static final SchemaMigrations SCHEMA = new SchemaMigrations(MIGRATIONS, new SchemaMigrations.VersionMark() {
    @Override
    public int read(Connection connection) throws SQLException {
      try (Statement statement = connection.createStatement();
           ResultSet rows = statement.executeQuery("PRAGMA user_version")) {
        return rows.next() ? rows.getInt(1) : 0;
      }
    }

    @Override
    public void write(Connection connection, int version) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("PRAGMA user_version = " + version);
      }
    }
  });

  /** The version this code writes and understands. */
  static final int LATEST = SCHEMA.latest();

  private Schema() { }

  static int version(Connection connection) throws SQLException {
    return SCHEMA.version(connection);
  }

  /**
   * Brings the schema from its current version up to {@code target} in one transaction.
   *
   * @param connection a connection in auto-commit mode; it is in auto-commit mode again on return
   * @return the version found before migrating
   * @throws IllegalStateException when the file is newer than {@code target}
   */
  static int migrate(Connection connection, int target) throws SQLException {
    return SCHEMA.migrate(connection, target, List.of());
  }
}

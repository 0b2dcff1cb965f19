package io.clusterd.core.store.postgresql;

import io.clusterd.core.internal.SchemaMigrations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The versioned schema of the PostgreSQL store, migrated by the same mechanism as the SQLite store
 * ({@link SchemaMigrations}). The version lives in the one row of {@code clusterd_schema}; daemons starting together
 * migrate one after the other under a transaction-level advisory lock. Never edit a released step: append one.
 *
 * <p>Tables as in the SQLite store ({@code ord} columns keep the order rows were first written, deferred foreign
 * keys, cascading deletes), plus what several daemons share: {@code counters} (the change sequence and the last
 * history number, both moved in the committing transaction, so a refused batch leaves no gap),
 * {@code leadership} (the lease: holder, epoch, expiry by the database's clock) and {@code members}.
 *
 * <p>Steps 2 and 3 bring the two SPI additions the SQLite store got as its steps 3 and 4: {@code history.pins_before}
 * (JSON, for rollback) and the {@code rollouts} table (no foreign key: a rollout outlives its cluster). Step 4
 * adds {@code sessions} (browser sessions of every daemon, times in epoch milliseconds); writing it moves no
 * counter and sends no notification.
 */
final class PgSchema {

  /** The key of the advisory lock held while migrating. */
  static final long MIGRATION_LOCK = 0x636c757374657264L; // "clusterd"

  static final List<SchemaMigrations.Step> STEPS = List.of(
      new SchemaMigrations.Step(1, "registry, counters, leadership and members", List.of(
          """
          CREATE TABLE nodes (
            ord         BIGSERIAL PRIMARY KEY,
            id          TEXT NOT NULL UNIQUE,
            kind        TEXT NOT NULL CHECK (kind IN ('cluster', 'instance')),
            name        TEXT NOT NULL,
            description TEXT NOT NULL,
            labels      TEXT NOT NULL,
            endpoint    TEXT,
            transport   TEXT,
            visibility  TEXT,
            parent      TEXT REFERENCES nodes (id) DEFERRABLE INITIALLY DEFERRED,
            CHECK ((kind = 'instance') = (endpoint IS NOT NULL))
          )""",
          "CREATE INDEX nodes_parent ON nodes (parent)",
          """
          CREATE TABLE pins (
            ord      BIGSERIAL PRIMARY KEY,
            cluster  TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            key_name TEXT NOT NULL,
            value    TEXT NOT NULL,
            meta     TEXT NOT NULL,
            UNIQUE (cluster, key_name)
          )""",
          """
          CREATE TABLE history (
            seq       BIGINT PRIMARY KEY,
            time      BIGINT NOT NULL,
            actor     TEXT,
            node      TEXT NOT NULL,
            operation TEXT NOT NULL,
            key_name  TEXT,
            old_value TEXT,
            new_value TEXT,
            outcome   TEXT NOT NULL
          )""",
          "CREATE INDEX history_node_seq ON history (node, seq)",
          """
          CREATE TABLE pending (
            ord       BIGSERIAL PRIMARY KEY,
            instance  TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            seq       BIGINT NOT NULL,
            operation TEXT NOT NULL,
            since     BIGINT NOT NULL,
            reason    TEXT NOT NULL,
            UNIQUE (instance, seq)
          )""",
          """
          CREATE TABLE counters (
            id          INT PRIMARY KEY CHECK (id = 1),
            change_seq  BIGINT NOT NULL,
            history_seq BIGINT NOT NULL
          )""",
          "INSERT INTO counters (id, change_seq, history_seq) VALUES (1, 0, 0)",
          """
          CREATE TABLE leadership (
            id      INT PRIMARY KEY CHECK (id = 1),
            epoch   BIGINT NOT NULL,
            holder  TEXT,
            expires TIMESTAMPTZ NOT NULL
          )""",
          "INSERT INTO leadership (id, epoch, holder, expires) VALUES (1, 0, NULL, '-infinity')",
          """
          CREATE TABLE members (
            id          TEXT PRIMARY KEY,
            address     TEXT NOT NULL,
            role        TEXT NOT NULL,
            applied_seq BIGINT NOT NULL,
            heartbeat   TIMESTAMPTZ NOT NULL
          )""")),
      new SchemaMigrations.Step(2, "the pins each history entry changed, as they were before (for rollback)", List.of(
          "ALTER TABLE history ADD COLUMN pins_before TEXT")),
      new SchemaMigrations.Step(3, "staged rollouts, kept after their cluster is gone", List.of(
          """
          CREATE TABLE rollouts (
            ord      BIGSERIAL PRIMARY KEY,
            id       TEXT NOT NULL UNIQUE,
            cluster  TEXT NOT NULL,
            state    TEXT NOT NULL,
            document TEXT NOT NULL
          )""")),
      new SchemaMigrations.Step(4, "browser sessions, by the SHA-256 of their id, outside the change sequence", List.of(
          """
          CREATE TABLE sessions (
            id_hash   TEXT PRIMARY KEY,
            principal TEXT NOT NULL,
            opened    BIGINT NOT NULL,
            used      BIGINT NOT NULL
          )""")));

  static final SchemaMigrations SCHEMA = new SchemaMigrations(STEPS, new SchemaMigrations.VersionMark() {
    @Override
    public int read(Connection connection) throws SQLException {
      try (Statement statement = connection.createStatement();
           ResultSet exists = statement.executeQuery("SELECT to_regclass('clusterd_schema') IS NOT NULL")) {
        exists.next();
        if (!exists.getBoolean(1)) {
          return 0;
        }
      }
      try (Statement statement = connection.createStatement();
           ResultSet rows = statement.executeQuery("SELECT version FROM clusterd_schema")) {
        return rows.next() ? rows.getInt(1) : 0;
      }
    }

    @Override
    public void write(Connection connection, int version) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("CREATE TABLE IF NOT EXISTS clusterd_schema (version INT NOT NULL)");
        statement.executeUpdate("DELETE FROM clusterd_schema");
        statement.executeUpdate("INSERT INTO clusterd_schema (version) VALUES (" + version + ")");
      }
    }
  });

  static final int LATEST = SCHEMA.latest();

  private PgSchema() { }

  /** Migrates to {@link #LATEST}; returns the version found. */
  static int migrate(Connection connection) throws SQLException {
    return SCHEMA.migrate(connection, LATEST, List.of("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")"));
  }
}

package io.clusterd.core.store.postgresql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.testing.LocalPostgres;
import io.clusterd.spi.SessionRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The browser sessions of the PostgreSQL store: what one daemon keeps, another daemon on the same database finds;
 * uses only move forward; deleting and cleaning up end sessions for all; none of it moves the change sequence.
 */
class PostgresSessionStoreTest {
  private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  private static final Instant OPENED = Instant.parse("2026-01-02T03:04:05.678Z");

  @Test
  void putSession_isFoundByAnotherDaemonOnTheSameDatabaseAndTouchOnlyMovesForward() {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore a = PostgresStore.open(url); PostgresStore b = PostgresStore.open(url)) {
      a.putSession(new SessionRecord(HASH, "alice", OPENED, OPENED));
      assertEquals(Optional.of(new SessionRecord(HASH, "alice", OPENED, OPENED)), b.session(HASH));

      b.touchSession(HASH, OPENED.plusSeconds(40));
      a.touchSession(HASH, OPENED.plusSeconds(10)); // a late, older use does not move it back
      assertEquals(OPENED.plusSeconds(40), a.session(HASH).orElseThrow().used());
      assertEquals(OPENED, a.session(HASH).orElseThrow().opened());
      b.touchSession("0".repeat(64), OPENED); // unknown: ignored
      assertEquals(Optional.empty(), a.session("0".repeat(64)));
    }
  }

  @Test
  void deleteSession_endsItForEveryDaemonAndSaysWhetherItWasThere() {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore a = PostgresStore.open(url); PostgresStore b = PostgresStore.open(url)) {
      a.putSession(new SessionRecord(HASH, "alice", OPENED, OPENED));
      assertTrue(b.deleteSession(HASH));
      assertEquals(Optional.empty(), a.session(HASH));
      assertFalse(a.deleteSession(HASH), "already gone");
    }
  }

  @Test
  void deleteSessionsBefore_removesTheIdleAndTheTooOldOnly() {
    try (PostgresStore store = PostgresStore.open(LocalPostgres.shared().newDatabase())) {
      store.putSession(new SessionRecord("idle", "alice", OPENED, OPENED));
      store.putSession(new SessionRecord("old", "alice", OPENED.minusSeconds(3600), OPENED.plusSeconds(100)));
      store.putSession(new SessionRecord("live", "bob", OPENED, OPENED.plusSeconds(100)));
      int deleted = store.deleteSessionsBefore(OPENED.plusSeconds(50), OPENED.minusSeconds(60));
      assertEquals(2, deleted);
      assertEquals(Optional.empty(), store.session("idle"));
      assertEquals(Optional.empty(), store.session("old"));
      assertEquals("bob", store.session("live").orElseThrow().principal());
    }
  }

  @Test
  void sessions_doNotMoveTheChangeSequenceNorWakeFollowers() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore store = PostgresStore.open(url)) {
      LinkedBlockingQueue<Long> seen = new LinkedBlockingQueue<>();
      long before = store.changeSeq();
      try (AutoCloseable watch = store.watch(seen::add, Duration.ofMinutes(1))) {
        seen.poll(5, TimeUnit.SECONDS); // the first call of the watch, if any, tells the current sequence
        seen.clear();
        store.putSession(new SessionRecord(HASH, "alice", OPENED, OPENED));
        store.touchSession(HASH, OPENED.plusSeconds(31));
        store.deleteSession(HASH);
        assertNull(seen.poll(1, TimeUnit.SECONDS), "no notification for sessions");
      }
      assertEquals(before, store.changeSeq());
    }
  }

  @Test
  void sessionsTable_holdsTheKeyTheDaemonGaveAndNothingElseOfTheId() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore store = PostgresStore.open(url)) {
      store.putSession(new SessionRecord(HASH, "alice", OPENED, OPENED));
    }
    String jdbc = "jdbc:" + url.replace("?user=clusterd", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "clusterd", "");
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT id_hash, principal, opened, used FROM sessions")) {
      assertTrue(rows.next());
      assertEquals(HASH, rows.getString(1));
      assertEquals("alice", rows.getString(2));
      assertEquals(OPENED.toEpochMilli(), rows.getLong(3));
      assertFalse(rows.next());
    }
  }
}

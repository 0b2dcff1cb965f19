package io.clusterd.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.store.postgresql.PostgresStore;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.testing.LocalPostgres;
import io.clusterd.http.ServerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Browser sessions of daemons that share a PostgreSQL store: two {@link Auth}s (two daemons) on one database and
 * one hand-driven clock. A session opened on one works on the other, a sign-out on either ends it on both, only
 * the hash of the id is stored, uses are written at most every 30 s, and a token dropped from the configuration
 * ends its sessions.
 */
class SharedSessionsTest {
  private static final ServerConfig.Token OPS = ServerConfig.Token.parse("ops:admin:ops-secret");
  private static final ServerConfig.Token EU = ServerConfig.Token.parse("eu:read:eu-secret:eu");
  private static final Duration IDLE = Duration.ofMinutes(30);
  private static final Duration MAX = Duration.ofHours(12);

  private final HandClock clock = new HandClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final List<PostgresStore> stores = new ArrayList<>();
  private String url;

  @BeforeEach
  void database() {
    url = LocalPostgres.shared().newDatabase();
  }

  @AfterEach
  void close() {
    stores.forEach(PostgresStore::close);
  }

  private PostgresStore store() {
    PostgresStore s = PostgresStore.open(url);
    stores.add(s);
    return s;
  }

  private Auth daemon(List<ServerConfig.Token> tokens) {
    return new Auth(tokens, Optional.empty(), IDLE, MAX, clock, Optional.of(store()));
  }

  @Test
  void openedOnOneDaemon_worksOnTheOther_andSignOutThereEndsItOnBoth() {
    Auth a = daemon(List.of(OPS, EU));
    Auth b = daemon(List.of(OPS, EU));
    String id = a.openSession(a.bySecret("eu-secret").orElseThrow());
    assertEquals(Optional.of(new Auth.Principal("eu", ServerConfig.Role.READ, List.of("eu"))), b.bySession(id));
    assertTrue(b.sessionOpen(id));
    List<String> heardOnB = new ArrayList<>();
    b.onSessionClosed(heardOnB::add);

    b.closeSession(id);
    assertEquals(List.of(id), heardOnB, "the daemon that signed out ends its own streams at once");
    assertEquals(Optional.empty(), a.bySession(id));
    assertFalse(a.sessionOpen(id), "what a's event streams check every 15 s");
    assertEquals(Optional.empty(), b.bySession("not-a-session"));
  }

  @Test
  void theStoreHoldsTheSha256OfTheIdNeverTheId() {
    Auth a = daemon(List.of(OPS));
    PostgresStore seen = store();
    String id = a.openSession(a.bySecret("ops-secret").orElseThrow());
    assertEquals(Optional.empty(), seen.session(id));
    String hash = SharedSessions.hash(id);
    assertNotEquals(id, hash);
    assertEquals(64, hash.length());
    assertEquals("ops", seen.session(hash).orElseThrow().principal());
  }

  @Test
  void uses_areWrittenAtMostEvery30Seconds_andIdleExpiryCountsFromTheLastWrittenUse() {
    Auth a = daemon(List.of(OPS));
    Auth b = daemon(List.of(OPS));
    PostgresStore seen = store();
    String id = a.openSession(a.bySecret("ops-secret").orElseThrow());
    String hash = SharedSessions.hash(id);
    Instant opened = clock.instant();

    clock.advance(Duration.ofSeconds(29));
    assertTrue(b.bySession(id).isPresent());
    assertEquals(opened, seen.session(hash).orElseThrow().used(), "29 s after the last write: not written");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(b.bySession(id).isPresent());
    Instant written = clock.instant();
    assertEquals(written, seen.session(hash).orElseThrow().used(), "30 s: written");
    clock.advance(Duration.ofSeconds(20));
    assertTrue(a.bySession(id).isPresent());
    assertEquals(written, seen.session(hash).orElseThrow().used(), "the other daemon's write counts too");
    assertTrue(a.sessionOpen(id));
    assertEquals(written, seen.session(hash).orElseThrow().used(), "asking whether it is open is not a use");

    // the last use (20 s after the last write) was not written: the session ends idle after the written one
    clock.set(written.plus(IDLE).minusMillis(1));
    assertTrue(b.sessionOpen(id));
    clock.set(written.plus(IDLE));
    assertFalse(b.sessionOpen(id));
    assertEquals(Optional.empty(), a.bySession(id));
  }

  @Test
  void maxLifetime_endsASessionInUse_andOpeningCleansUpExpiredSessionsOfEveryDaemon() {
    Auth a = daemon(List.of(OPS));
    Auth b = daemon(List.of(OPS));
    PostgresStore seen = store();
    String old = a.openSession(a.bySecret("ops-secret").orElseThrow());
    for (int i = 0; i < 12 * 2; i++) {
      clock.advance(Duration.ofMinutes(29));
      assertTrue(b.bySession(old).isPresent(), "used every 29 min, after " + (i + 1) * 29 + " min");
    }
    clock.advance(Duration.ofMinutes(25)); // 12 h 1 min after opening, 25 min after its last use
    assertEquals(Optional.empty(), b.bySession(old));
    assertTrue(seen.session(SharedSessions.hash(old)).isPresent(), "expired, not yet cleaned up");
    b.openSession(b.bySecret("ops-secret").orElseThrow());
    assertEquals(Optional.empty(), seen.session(SharedSessions.hash(old)), "cleaned up by the other daemon");
  }

  @Test
  void aTokenRemovedFromTheConfiguration_endsItsSessions() {
    Auth before = daemon(List.of(OPS, EU));
    String eu = before.openSession(before.bySecret("eu-secret").orElseThrow());
    String ops = before.openSession(before.bySecret("ops-secret").orElseThrow());
    Auth restarted = daemon(List.of(OPS)); // the same store, eu's token dropped
    assertEquals(Optional.empty(), restarted.bySession(eu));
    assertEquals(Optional.empty(), before.bySession(eu), "and it is gone from the store for every daemon");
    assertEquals("ops", restarted.bySession(ops).orElseThrow().name());
  }

  @Test
  void storeNotReached_requestsWithTheCookieFail_butOpenStreamsAreNotEnded() {
    PostgresStore lost = store();
    Auth a = new Auth(List.of(OPS), Optional.empty(), IDLE, MAX, clock, Optional.of(lost));
    String id = a.openSession(a.bySecret("ops-secret").orElseThrow());
    lost.close();
    io.clusterd.ClusterdException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.clusterd.ClusterdException.class, () -> a.bySession(id));
    assertEquals(io.clusterd.ErrorCode.STORE_FAILURE, e.code(), "a request gets the store's error, never a pass");
    assertTrue(a.sessionOpen(id), "the 15 s stream check does not end every stream while the store is away");
  }

  @Test
  void withoutASharedStore_sessionsStayInTheDaemonsMemory() {
    Auth a = new Auth(List.of(OPS), Optional.empty(), IDLE, MAX, clock);
    Auth b = new Auth(List.of(OPS), Optional.empty(), IDLE, MAX, clock);
    String id = a.openSession(a.bySecret("ops-secret").orElseThrow());
    assertTrue(a.bySession(id).isPresent());
    assertEquals(Optional.empty(), b.bySession(id));
  }
}

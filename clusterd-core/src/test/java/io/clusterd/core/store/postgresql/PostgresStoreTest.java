package io.clusterd.core.store.postgresql;

import io.clusterd.core.testing.LocalPostgres;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.Pin;
import io.clusterd.core.store.RegistryStoreContract;
import io.clusterd.spi.MemberRecord;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.SequencedSnapshot;
import io.clusterd.spi.StoreChanges;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store keeps the registry store contract on a real server the test starts, and adds what several
 * daemons share: fencing by the leadership lease, the change sequence and its notifications, the member list.
 */
class PostgresStoreTest extends RegistryStoreContract {
  private static final Duration LONG_LEASE = Duration.ofHours(1);

  @Override
  protected RegistryStore newStore() {
    PostgresStore store = PostgresStore.open(LocalPostgres.shared().newDatabase());
    store.lead("contract", LONG_LEASE);
    return store;
  }

  private static StoreChanges clusterBatch(String id) {
    return batch().putNode(top(RegistryStoreContract.cluster(id))).build();
  }

  @Test
  void apply_withoutLease_isRefusedAsUnavailableAndChangesNothing() {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore store = PostgresStore.open(url)) {
      ClusterdException e = assertThrows(ClusterdException.class, () -> store.apply(clusterBatch("prod")));
      assertEquals(ErrorCode.UNAVAILABLE, e.code());
      assertTrue(e.getMessage().contains("leadership lease"), e.getMessage());
      assertEquals(List.of(), store.load().nodes());
    }
  }

  @Test
  void lead_secondMember_waitsForTheLeaseThenTakesOverWithANewEpochAndFencesTheOld() {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore a = PostgresStore.open(url); PostgresStore b = PostgresStore.open(url)) {
      OptionalLong first = a.lead("a", LONG_LEASE);
      assertTrue(first.isPresent());
      assertEquals(OptionalLong.empty(), b.lead("b", LONG_LEASE), "a holds an unexpired lease");
      assertEquals(first, a.lead("a", LONG_LEASE), "renewing keeps the epoch");
      a.apply(clusterBatch("one"));

      // a's lease runs out (a daemon that stopped renewing): b takes over, a can no longer commit
      a.lead("a", Duration.ofMillis(1));
      OptionalLong second = awaitLead(b, "b");
      assertEquals(first.getAsLong() + 1, second.getAsLong());
      ClusterdException fenced = assertThrows(ClusterdException.class, () -> a.apply(clusterBatch("two")));
      assertEquals(ErrorCode.UNAVAILABLE, fenced.code());
      b.apply(clusterBatch("three"));
      assertEquals(List.of("one", "three"), b.load().nodes().stream().map(n -> n.id()).toList());
    }
  }

  private static OptionalLong awaitLead(PostgresStore store, String member) {
    for (int i = 0; i < 200; i++) {
      OptionalLong epoch = store.lead(member, LONG_LEASE);
      if (epoch.isPresent()) {
        return epoch;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError(member + " never got the lease");
  }

  @Test
  void resign_letsAnotherMemberLeadAtOnce() {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore a = PostgresStore.open(url); PostgresStore b = PostgresStore.open(url)) {
      a.lead("a", LONG_LEASE);
      a.resign("a");
      assertTrue(b.lead("b", LONG_LEASE).isPresent());
      assertThrows(ClusterdException.class, () -> a.apply(clusterBatch("x")));
    }
  }

  @Test
  void changeSeq_movesWithNodePinAndRolloutBatchesOnly_andLoadSequencedMatchesIt() {
    PostgresStore store = (PostgresStore) store();
    assertEquals(0, store.changeSeq());
    store.apply(clusterBatch("prod"));
    store.apply(batch().putPin("prod", Pin.of(KeyName.parse("user:/a"), "1")).build());
    assertEquals(2, store.changeSeq());
    store.apply(batch().history(entry("prod", "pin")).build());
    assertEquals(2, store.changeSeq(), "history alone does not change a follower's tree");
    assertEquals(2, store.loadSequenced().seq());
    assertEquals(1, store.loadSequenced().snapshot().pins().size());
    store.apply(batch().putRollout(new RolloutRecord("r1", "prod", "running", "{\"wave\":1}")).build());
    assertEquals(3, store.changeSeq(), "a follower lists rollouts, so their progress moves the sequence");
    store.apply(batch().putRollout(new RolloutRecord("r1", "prod", "paused", "{\"wave\":2}")).build());
    SequencedSnapshot after = store.loadSequenced();
    assertEquals(4, after.seq());
    assertEquals(List.of(new RolloutRecord("r1", "prod", "paused", "{\"wave\":2}")), after.snapshot().rollouts());
  }

  @Test
  void watch_tellsAnotherStoreOfEachCommitWithoutWaitingForThePoll() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    try (PostgresStore leader = PostgresStore.open(url); PostgresStore follower = PostgresStore.open(url)) {
      leader.lead("leader", LONG_LEASE);
      LinkedBlockingQueue<Long> seen = new LinkedBlockingQueue<>();
      try (AutoCloseable watch = follower.watch(seen::add, Duration.ofMinutes(1))) {
        assertEquals(0L, seen.poll(10, TimeUnit.SECONDS), "the current sequence first");
        leader.apply(clusterBatch("prod"));
        assertEquals(1L, seen.poll(10, TimeUnit.SECONDS), "a notification, long before the one-minute poll");
      }
    }
  }

  @Test
  void heartbeat_listsMembersWithTheLeaseHolderAsLeader() {
    PostgresStore store = (PostgresStore) store();
    store.heartbeat(new MemberRecord("contract", "http://127.0.0.1:1", MemberRecord.LEADER, 3, Instant.EPOCH));
    store.heartbeat(new MemberRecord("other", "http://127.0.0.1:2", MemberRecord.LEADER, 2, Instant.EPOCH));
    List<MemberRecord> members = store.members();
    assertEquals(List.of("contract", "other"), members.stream().map(MemberRecord::id).toList());
    assertEquals(List.of(MemberRecord.LEADER, MemberRecord.FOLLOWER), members.stream().map(MemberRecord::role).toList(),
        "the role comes from the lease, not from what a member claims");
    assertEquals(3, members.get(0).appliedSeq());
    assertTrue(members.get(0).heartbeat().isAfter(Instant.now().minusSeconds(60)));
  }

  @Test
  void open_unreachableDatabase_isUnavailableNamingItWithoutThePassword() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String url = "postgresql://127.0.0.1:" + closedPort + "/clusterd?user=clusterd&password=hunter2";
    ClusterdException e = assertThrows(ClusterdException.class, () -> PostgresStore.open(url));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort + "/clusterd"), e.getMessage());
    assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void open_notAPostgresUrl_saysHowToWriteOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PostgresStore.open("postgresql://nohost"));
    assertTrue(e.getMessage().contains("postgresql://host:5432/database"), e.getMessage());
  }

  @Test
  void open_schemaOfANewerClusterd_isRefusedAndLeftAlone() throws SQLException {
    String url = LocalPostgres.shared().newDatabase();
    PostgresStore.open(url).close();
    String jdbc = "jdbc:" + url.replace("?user=clusterd", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "clusterd", "");
         Statement statement = connection.createStatement()) {
      statement.executeUpdate("UPDATE clusterd_schema SET version = " + (PgSchema.LATEST + 1));
    }
    ClusterdException e = assertThrows(ClusterdException.class, () -> PostgresStore.open(url));
    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertTrue(e.getMessage().contains("newer clusterd"), e.getMessage());
  }

  @Test
  void open_storeOfTheFirstSchema_migratesKeepingHistoryAndGainsRollouts() throws SQLException {
    String url = LocalPostgres.shared().newDatabase();
    String jdbc = "jdbc:" + url.replace("?user=clusterd", "");
    try (Connection connection = DriverManager.getConnection(jdbc, "clusterd", "")) {
      PgSchema.SCHEMA.migrate(connection, 1, List.of());
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("INSERT INTO history (seq, time, actor, node, operation, key_name, old_value,"
            + " new_value, outcome) VALUES (1, 5, NULL, 'prod', 'pin', 'user:/a', NULL, '1', 'ok')");
        statement.executeUpdate("UPDATE counters SET history_seq = 1");
      }
    }
    try (PostgresStore store = PostgresStore.open(url)) {
      store.lead("a", LONG_LEASE);
      var old = store.history(java.util.Optional.empty(), Long.MAX_VALUE, 10);
      assertEquals(1, old.size());
      assertEquals(List.of(), old.get(0).pinsBefore(), "entries written before rollback existed restore nothing");
      store.apply(clusterBatch("prod"));
      store.apply(batch().putRollout(new RolloutRecord("r1", "prod", "running", "{}")).build());
      assertEquals(List.of(new RolloutRecord("r1", "prod", "running", "{}")), store.load().rollouts());
    }
    try (Connection connection = DriverManager.getConnection(jdbc, "clusterd", "")) {
      assertEquals(PgSchema.LATEST, PgSchema.SCHEMA.version(connection));
    }
  }

  @Test
  void open_twoDaemonsAtOnce_migrateOnceAndBothWork() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var a = two.submit(() -> PostgresStore.open(url));
      var b = two.submit(() -> PostgresStore.open(url));
      try (PostgresStore first = a.get(30, TimeUnit.SECONDS); PostgresStore second = b.get(30, TimeUnit.SECONDS)) {
        first.lead("a", LONG_LEASE);
        first.apply(clusterBatch("prod"));
        assertEquals(1, second.load().nodes().size());
      }
    } finally {
      two.shutdownNow();
    }
  }
}

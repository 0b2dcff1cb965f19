package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.core.store.postgresql.PostgresStore;
import io.clusterd.core.testing.LocalPostgres;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.MemberRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engines in one JVM on one PostgreSQL database, as two daemons: the first leads, the second follows the
 * change sequence and refuses to commit; when the leader goes, the follower takes over with the outbox.
 */
class ClusterMemberTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final MemTransportFactory hosts = new MemTransportFactory();
  private final List<Clusterd> engines = new ArrayList<>();

  private Clusterd member(String url, String id) {
    Clusterd c = Clusterd.builder().store(PostgresStore.open(url)).transport(hosts).member(id, "http://" + id)
        .reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5)).maxAttempts(1).build();
    engines.add(c);
    return c;
  }

  @AfterEach
  void closeAll() {
    engines.forEach(Clusterd::close);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within 10 s");
      Thread.sleep(10);
    }
  }

  @Test
  void follower_seesTheLeadersCommitsAndRefusesToCommitItself() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    Clusterd leader = member(url, "a");
    Clusterd follower = member(url, "b");
    assertTrue(leader.membership().orElseThrow().isLeader(), "the first daemon leads at once");
    assertFalse(follower.membership().orElseThrow().isLeader());

    leader.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
    leader.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    leader.pin("prod", PORT, "8080");

    await("the follower's tree holds the pin", () -> follower.pins("prod").size() == 1);
    assertEquals("8080", follower.pins("prod").get(0).value());
    assertEquals(List.of("web-1"), follower.targets("prod").stream().map(i -> i.id()).toList());
    ClusterdException refused = assertThrows(ClusterdException.class,
        () -> follower.apply(new Change.WriteCluster("prod", io.clusterd.KeyOperation.set(PORT, "1"), false)));
    assertEquals(ErrorCode.UNAVAILABLE, refused.code());
    assertTrue(refused.getMessage().contains("follower"), refused.getMessage());
    MemberStatus status = follower.membership().orElseThrow().status();
    assertEquals(MemberRecord.FOLLOWER, status.role());
    assertEquals(0, status.lagChanges());
    assertEquals(Optional.of("http://a"), status.leaderAddress());
  }

  @Test
  void leaderGone_followerTakesOverAndDeliversTheOutboxInOrder() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    Clusterd leader = member(url, "a");
    Clusterd follower = member(url, "b");
    leader.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
    leader.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    hosts.stop("web-1");
    leader.pin("prod", PORT, "1");
    leader.pin("prod", PORT, "2");
    assertEquals(2, leader.pendingDeliveries("web-1"), "both writes wait in the outbox");

    leader.close(); // gives the lease up
    await("the follower leads", () -> follower.membership().orElseThrow().isLeader());
    assertEquals(2, follower.pendingDeliveries("web-1"), "the new leader loaded the outbox");
    hosts.start("web-1");
    follower.reconcile().get(10, TimeUnit.SECONDS);
    await("the outbox delivered", () -> follower.pendingDeliveries("web-1") == 0);
    assertEquals("2", hosts.database("web-1").get(PORT).orElseThrow().value(), "delivered in order: 2 last");
    assertTrue(follower.membership().orElseThrow().status().epoch() >= 2);
    follower.pin("prod", PORT, "3");
    assertEquals("3", hosts.database("web-1").get(PORT).orElseThrow().value());
  }
}

package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
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
 * change sequence and refuses to commit; when the leader goes, the follower takes over with the outbox and with
 * the rollouts where they were.
 */
class ClusterMemberTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final MemTransportFactory hosts = new MemTransportFactory();
  private final List<Clusterd> engines = new ArrayList<>();

  private Clusterd member(String url, String id) {
    return member(Clusterd.builder().retryBackoff(Duration.ofMillis(5)).maxAttempts(1), url, id);
  }

  private Clusterd member(Clusterd.Builder b, String url, String id) {
    Clusterd c = b.store(PostgresStore.open(url)).transport(hosts).member(id, "http://" + id)
        .reconcileEvery(Duration.ZERO).build();
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

    // the follower may have caught up with only some of the three commits yet: "prod" may still be unknown to it
    await("the follower's tree holds the pin", () -> follower.forest().stream().anyMatch(n -> n.id().equals("prod"))
        && follower.pins("prod").size() == 1);
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

  // ------------------------------------------------------------------------------------------- rollouts

  /** prod: eu (web-1, web-2) and web-3 directly; port pinned to 80. */
  private static void rolloutTree(Clusterd c) {
    for (String id : List.of("web-1", "web-2", "web-3")) {
      c.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    }
    c.createCluster(ClusterSpec.of("prod").withId("prod"));
    c.createCluster(ClusterSpec.of("eu").withId("eu").withParent("prod").withMembers(List.of("web-1", "web-2")));
    c.attach("prod", "web-3");
    c.pin("prod", PORT, "80");
  }

  /** eu first, then the rest, with a pause by hand between. */
  private static Rollout startEuThenRest(Clusterd c) {
    RolloutPlan plan = RolloutPlan.of(List.of(new RolloutPlan.Nodes(List.of("eu")),
        new RolloutPlan.Nodes(List.of("*")))).withPause(Optional.empty());
    return c.startRollout(new Change.StartRollout(new Change.WriteCluster("prod", KeyOperation.set(PORT, "8080"),
        false), plan, Optional.of("r1")), Optional.of("alice"));
  }

  private static Optional<Rollout.State> stateOf(Clusterd c, String rollout) {
    return c.rollouts().stream().filter(r -> r.id().equals(rollout)).map(Rollout::state).findFirst();
  }

  private String value(String host) {
    return hosts.database(host).get(PORT).map(e -> e.value()).orElse("<missing>");
  }

  @Test
  void rolloutPausedByHand_followerListsIt_newLeaderResumesItToTheEnd() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    Clusterd leader = member(url, "a");
    Clusterd follower = member(url, "b");
    rolloutTree(leader);
    startEuThenRest(leader);
    await("the first wave is done and the rollout waits for a resume",
        () -> stateOf(leader, "r1").equals(Optional.of(Rollout.State.PAUSED)));

    await("the follower lists the paused rollout", () -> stateOf(follower, "r1").equals(
        Optional.of(Rollout.State.PAUSED)));
    Rollout seen = follower.rollout("r1");
    assertEquals(0, seen.wave());
    assertTrue(seen.waves().get(0).instances().stream().allMatch(t -> t.outcome() == Rollout.Outcome.DONE),
        "the follower sees the outcomes of the first wave: " + seen);
    follower.resumeDueRollouts(); // a follower's background step does nothing, and does not fail
    ClusterdException refused = assertThrows(ClusterdException.class,
        () -> follower.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)));
    assertEquals(ErrorCode.UNAVAILABLE, refused.code());
    assertEquals(List.of("8080", "8080", "80"), List.of(value("web-1"), value("web-2"), value("web-3")));

    leader.close();
    await("the follower leads", () -> follower.membership().orElseThrow().isLeader());
    assertEquals(Rollout.State.PAUSED, follower.rollout("r1").state(), "a paused rollout stays paused on takeover");
    assertEquals("80", value("web-3"), "the second wave waits for the resume");
    follower.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).get(10, TimeUnit.SECONDS);
    await("the rollout completes on the new leader",
        () -> stateOf(follower, "r1").equals(Optional.of(Rollout.State.COMPLETED)));
    assertEquals(List.of("8080", "8080", "8080"), List.of(value("web-1"), value("web-2"), value("web-3")));
    assertEquals("8080", follower.pins("prod").get(0).value(), "the cluster's pin holds the target");
    follower.pin("prod", PORT, "9090"); // the key is no longer locked by the rollout
    assertEquals("9090", value("web-3"));
  }

  @Test
  void waveInFlightWhenTheLeaderGoes_newLeaderSendsItAgainAndRecordsItsOutcomes() throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    // the old leader keeps retrying the wave (long backoff), so its outcome is still open when it goes
    Clusterd leader = member(Clusterd.builder().maxAttempts(50).retryBackoff(Duration.ofSeconds(10)), url, "a");
    Clusterd follower = member(url, "b");
    rolloutTree(leader);
    hosts.stop("web-1");
    hosts.stop("web-2");
    startEuThenRest(leader);
    assertEquals(Rollout.State.RUNNING, leader.rollout("r1").state());
    await("the follower lists the running rollout", () -> stateOf(follower, "r1").equals(
        Optional.of(Rollout.State.RUNNING)));

    leader.close();
    hosts.start("web-1");
    hosts.start("web-2");
    await("the follower leads", () -> follower.membership().orElseThrow().isLeader());
    await("the new leader finished the wave in flight and paused",
        () -> stateOf(follower, "r1").equals(Optional.of(Rollout.State.PAUSED)));
    Rollout resumed = follower.rollout("r1");
    assertEquals(0, resumed.wave());
    assertTrue(resumed.waves().get(0).instances().stream().allMatch(t -> t.outcome() == Rollout.Outcome.DONE),
        "the outcomes of the first wave are on record: " + resumed);
    assertEquals(List.of("8080", "8080", "80"), List.of(value("web-1"), value("web-2"), value("web-3")));
    follower.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).get(10, TimeUnit.SECONDS);
    await("the rollout completes", () -> stateOf(follower, "r1").equals(Optional.of(Rollout.State.COMPLETED)));
    assertEquals("8080", value("web-3"));
  }
}

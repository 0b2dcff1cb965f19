package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.testing.HandScheduler;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rollbacks next to rollouts: a rollback that would change a key an unfinished rollout writes (in the cluster,
 * above or below) is refused {@code ROLLOUT_IN_PROGRESS} and its dry run says so; a rollback across a completed
 * rollout restores the value from before it, on the pins and on the hosts.
 */
class RollbackAndRolloutsTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");
  private static final KeyName FRESH = KeyName.parse("user:/fresh");
  private static final KeyName OTHER = KeyName.parse("user:/other");

  private final HandClock clock = new HandClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final MemTransportFactory hosts = new MemTransportFactory();
  private Clusterd clusterd;

  @BeforeEach
  void setUp() {
    clusterd = Clusterd.builder().transport(hosts).clock(clock).scheduler(new HandScheduler())
        .reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(1)).maxAttempts(1).build();
    for (String id : List.of("web-1", "web-2", "web-3")) {
      clusterd.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    }
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod"));
    clusterd.createCluster(ClusterSpec.of("eu").withId("eu").withParent("prod").withMembers(List.of("web-1", "web-2")));
    clusterd.attach("prod", "web-3");
  }

  @AfterEach
  void tearDown() {
    clusterd.close();
  }

  private long newest() {
    return clusterd.history(Optional.empty(), Long.MAX_VALUE, 1).get(0).seq();
  }

  private void startRollout(String cluster, KeyOperation op) {
    RolloutPlan plan = RolloutPlan.of(List.of(new RolloutPlan.Nodes(List.of("eu")), new RolloutPlan.Nodes(
        List.of("*")))).withPause(Optional.empty());
    clusterd.startRollout(new Change.StartRollout(new Change.WriteCluster(cluster, op, false), plan,
        Optional.of("r1")), Optional.of("alice"));
  }

  private void await(Rollout.State state) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (clusterd.rollout("r1").state() != state) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + state + ": " + clusterd.rollout("r1"));
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static Change.Rollback rollback(String cluster, long to, boolean subtree, List<KeyName> keys) {
    return new Change.Rollback(cluster, new Change.Rollback.Sequence(to), subtree, keys, false);
  }

  private Optional<String> pin(String cluster, KeyName key) {
    return clusterd.pins(cluster).stream().filter(p -> p.key().equals(key)).map(Pin::value).findFirst();
  }

  private String value(String host, KeyName key) {
    return hosts.database(host).get(key).map(KeyDatabase.Entry::value).orElse("<missing>");
  }

  private static List<ErrorCode> codes(List<Conflict> conflicts) {
    return conflicts.stream().map(Conflict::code).toList();
  }

  @Test
  void rollbackOfTheKeyBeingRolledOutInTheCluster_isRefusedAndItsDryRunSaysSo() {
    clusterd.pin("prod", PORT, "80");
    long at80 = newest();
    clusterd.pin("prod", PORT, "81");
    clusterd.pin("prod", OTHER, "b");
    startRollout("prod", KeyOperation.set(PORT, "8080"));
    await(Rollout.State.PAUSED);
    long before = newest();

    Plan dry = clusterd.plan(rollback("prod", at80, false, List.of()));
    assertFalse(dry.accepted());
    assertEquals(List.of(ErrorCode.ROLLOUT_IN_PROGRESS), codes(dry.conflicts()), dry.conflicts().toString());
    assertEquals("r1", dry.conflicts().get(0).details().get("rollout"));
    ClusterdException refused = assertThrows(ClusterdException.class,
        () -> clusterd.apply(rollback("prod", at80, false, List.of())));
    assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, refused.code());
    assertEquals(409, refused.code().httpStatus());
    assertEquals(before, newest(), "nothing recorded");
    assertEquals(Optional.of("81"), pin("prod", PORT));
    assertEquals(Optional.of("b"), pin("prod", OTHER), "the other key is not rolled back either: one change");
    assertEquals("8080", value("web-1", PORT), "the rollout's first wave is untouched");
    assertEquals("81", value("web-3", PORT));

    // the keys the rollout does not write can be rolled back
    clusterd.apply(rollback("prod", at80, false, List.of(OTHER))).join();
    assertEquals(Optional.empty(), pin("prod", OTHER));
    assertEquals(Rollout.State.PAUSED, clusterd.rollout("r1").state());
  }

  @Test
  void rollbackBelowOrAboveTheRollingOutCluster_isRefused_andAcceptedOnceAborted() {
    clusterd.pin("eu", KeyName.parse("user:/fresh/x"), "1");
    long pinnedBelow = newest();
    clusterd.apply(new Change.WriteCluster("eu", KeyOperation.delete(KeyName.parse("user:/fresh/x")), false))
        .join();
    startRollout("prod", KeyOperation.set(FRESH, "v"));
    await(Rollout.State.PAUSED);

    // below: eu's earlier pin of a key under the one prod rolls out
    Plan below = clusterd.plan(rollback("eu", pinnedBelow, false, List.of()));
    assertEquals(List.of(ErrorCode.ROLLOUT_IN_PROGRESS), codes(below.conflicts()), below.conflicts().toString());
    // above: prod's subtree rolled back, which reaches eu
    Plan subtree = clusterd.plan(rollback("prod", pinnedBelow, true, List.of()));
    assertTrue(codes(subtree.conflicts()).contains(ErrorCode.ROLLOUT_IN_PROGRESS), subtree.conflicts().toString());

    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.ABORT)).join();
    clusterd.apply(rollback("eu", pinnedBelow, false, List.of())).join();
    assertEquals(Optional.of("1"), pin("eu", KeyName.parse("user:/fresh/x")));
    assertEquals("1", value("web-1", KeyName.parse("user:/fresh/x")));
  }

  @Test
  void rollbackAcrossACompletedRollout_restoresThePinAndTheHosts() {
    clusterd.pin("prod", PORT, "80");
    long beforeStart = newest();
    startRollout("prod", KeyOperation.set(PORT, "8080"));
    await(Rollout.State.PAUSED);
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);
    assertEquals(Optional.of("8080"), pin("prod", PORT));

    clusterd.apply(rollback("prod", beforeStart, false, List.of())).join();
    assertEquals(Optional.of("80"), pin("prod", PORT));
    assertEquals(List.of("80", "80", "80"), List.of(value("web-1", PORT), value("web-2", PORT),
        value("web-3", PORT)));
  }

  @Test
  void movingAClusterThatPinsTheRolledOutKeyBelowTheRollout_isRefused_untilTheRolloutEnds() {
    clusterd.createCluster(ClusterSpec.of("side").withId("side"));
    clusterd.pin("side", FRESH, "s");
    long beforeStart = newest();
    startRollout("prod", KeyOperation.set(FRESH, "v"));
    await(Rollout.State.PAUSED);
    // side would hold a pin below the rollout's target (I4): refused, with or without force, nothing changes
    for (boolean force : List.of(false, true)) {
      ClusterdException refused = assertThrows(ClusterdException.class,
          () -> clusterd.apply(new Change.Move("side", Optional.of("prod"), force)));
      assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, refused.code(), refused.getMessage());
      assertEquals(Optional.of("s"), pin("side", FRESH));
    }
    assertEquals(Optional.empty(), clusterd.parentOf("side"));
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);
    assertEquals(Optional.of("v"), pin("prod", FRESH));
    // once the rollout is over, the ordinary rule (C6) decides
    ClusterdException pinnedBelow = assertThrows(ClusterdException.class,
        () -> clusterd.apply(new Change.Move("side", Optional.of("prod"), false)));
    assertEquals(ErrorCode.KEY_PINNED_BELOW, pinnedBelow.code(), pinnedBelow.getMessage());

    HistoryEntry pinned = clusterd.history(Optional.of("prod"), Long.MAX_VALUE, 10).stream()
        .filter(e -> e.operation().equals("pin")).findFirst().orElseThrow();
    assertEquals(List.of(new HistoryEntry.PinBefore(FRESH, Optional.empty())), pinned.pinsBefore());
    clusterd.apply(rollback("prod", beforeStart, false, List.of())).join();
    assertEquals(Optional.empty(), pin("prod", FRESH), "unpinned again, as before the rollout");
    assertEquals(Optional.of("s"), pin("side", FRESH));
  }
}

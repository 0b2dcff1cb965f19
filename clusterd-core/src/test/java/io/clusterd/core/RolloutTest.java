package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.testing.HandScheduler;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged rollouts in the engine, against in-memory hosts: waves in order, what each instance has as desired state
 * meanwhile (drift, sync, the reconciler, joining instances), locks, halts, pauses driven by a hand clock, abort,
 * and a rollout that continues after the store is reopened.
 */
class RolloutTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final HandClock clock = new HandClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final HandScheduler scheduler = new HandScheduler();
  private MemTransportFactory hosts;
  private Clusterd clusterd;

  @BeforeEach
  void setUp() {
    hosts = new MemTransportFactory();
    clusterd = build(Clusterd.builder());
    tree(clusterd);
  }

  @AfterEach
  void tearDown() {
    clusterd.close();
  }

  private Clusterd build(Clusterd.Builder b) {
    return b.transport(hosts).clock(clock).scheduler(scheduler).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(1)).maxAttempts(1).build();
  }

  /** prod: eu (web-1, web-2), us (web-3), web-4 directly; port pinned to 80. */
  private static void tree(Clusterd c) {
    for (String id : List.of("web-1", "web-2", "web-3", "web-4")) {
      c.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    }
    c.createCluster(ClusterSpec.of("prod").withId("prod"));
    c.createCluster(ClusterSpec.of("eu").withId("eu").withParent("prod").withMembers(List.of("web-1", "web-2")));
    c.createCluster(ClusterSpec.of("us").withId("us").withParent("prod").withMembers(List.of("web-3")));
    c.attach("prod", "web-4");
    c.pin("prod", PORT, "80");
  }

  private String value(String host) {
    return hosts.database(host).get(PORT).map(KeyDatabase.Entry::value).orElse("<missing>");
  }

  private Rollout start(RolloutPlan plan, String value) {
    return clusterd.startRollout(new Change.StartRollout(
        new Change.WriteCluster("prod", KeyOperation.set(PORT, value), false), plan, Optional.of("r1")),
        Optional.of("alice"));
  }

  private Rollout await(Rollout.State state) {
    awaitTrue(() -> clusterd.rollout("r1").state() == state, () -> "rollout r1 is " + clusterd.rollout("r1"));
    return clusterd.rollout("r1");
  }

  private static void awaitTrue(BooleanSupplier condition, java.util.function.Supplier<String> what) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting: " + what.get());
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static RolloutPlan euThenRest() {
    return RolloutPlan.of(List.of(new RolloutPlan.Nodes(List.of("eu")), new RolloutPlan.Nodes(List.of("*"))))
        .withPause(Optional.empty());
  }

  private Optional<String> effective(String instance) {
    return clusterd.effectivePins(instance).stream().map(EffectivePin::pin).filter(p -> p.key().equals(PORT))
        .map(io.clusterd.Pin::value).findFirst();
  }

  @Test
  void manualPause_firstWaveOnly_hasNewValueAndTheRestKeepsThePrevious() {
    Rollout started = start(euThenRest(), "8080");
    assertEquals(List.of("web-1", "web-2"), started.waves().get(0).instances().stream()
        .map(Rollout.Target::instance).toList());
    assertEquals(List.of("web-4", "web-3"), started.waves().get(1).instances().stream()
        .map(Rollout.Target::instance).toList());

    Rollout paused = await(Rollout.State.PAUSED);
    assertEquals(0, paused.wave());
    assertEquals(List.of("8080", "8080", "80", "80"), List.of(value("web-1"), value("web-2"), value("web-3"),
        value("web-4")));
    assertEquals(Optional.of("8080"), effective("web-1"));
    assertEquals(Optional.of("80"), effective("web-3"));
    assertEquals("80", clusterd.pins("prod").get(0).value(), "the cluster's pin changes only on completion");
    assertTrue(paused.waves().get(0).instances().stream().allMatch(t -> t.outcome() == Rollout.Outcome.DONE));

    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    Rollout done = await(Rollout.State.COMPLETED);
    assertEquals(1, done.wave());
    assertEquals(List.of("8080", "8080", "8080", "8080"), List.of(value("web-1"), value("web-2"), value("web-3"),
        value("web-4")));
    assertEquals("8080", clusterd.pins("prod").get(0).value());
    List<String> history = clusterd.history(Optional.of("prod"), Long.MAX_VALUE, 20).stream()
        .map(HistoryEntry::operation).toList();
    assertEquals(List.of("rollout-complete", "pin", "rollout-wave-done", "rollout-wave", "rollout-wave-done",
        "rollout-wave", "rollout-start"), history.subList(0, 7));
  }

  @Test
  void runningRollout_keyStaysLockedAndSecondWriteIsRefused() {
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    ClusterdException second = assertThrows(ClusterdException.class, () -> clusterd.pin("prod", PORT, "9090"));
    assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, second.code());
    ClusterdException below = assertThrows(ClusterdException.class, () -> clusterd.apply(
        new Change.WriteCluster("eu", KeyOperation.set(PORT, "1"), true)));
    assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, below.conflicts().get(0).code());
    ClusterdException instance = assertThrows(ClusterdException.class, () -> clusterd.setInstanceKey("web-3", PORT,
        "1"));
    assertEquals(ErrorCode.KEY_LOCKED, instance.code());
    assertEquals(Optional.of("prod"), clusterd.lockOf("web-1", PORT));
    ClusterdException delete = assertThrows(ClusterdException.class, () -> clusterd.apply(
        new Change.DeleteCluster("prod", Cascade.DETACH)));
    assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, delete.code());
  }

  @Test
  void stateDocument_changingTheKeyBeingRolledOut_isRefused() {
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    DesiredState now = clusterd.exportState();
    DesiredState.ClusterEntry prod = now.clusters().get(0);
    DesiredState.ClusterEntry changed = new DesiredState.ClusterEntry(prod.id(), prod.name(), prod.description(),
        prod.labels(), List.of(new DesiredState.PinEntry(PORT.toString(), "9090", java.util.Map.of())),
        prod.instances(), prod.clusters());
    ClusterdException refused = assertThrows(ClusterdException.class, () -> clusterd.apply(new Change.ApplyState(
        new DesiredState(List.of(changed), now.instances()), false, Optional.empty())));
    assertEquals(ErrorCode.ROLLOUT_IN_PROGRESS, refused.code());
    assertEquals("80", clusterd.pins("prod").get(0).value());
  }

  @Test
  void newKey_lockedWhileRollingOutAndDroppedOnAbort() {
    KeyName fresh = KeyName.parse("user:/app/fresh");
    clusterd.startRollout(new Change.StartRollout(new Change.WriteCluster("prod", KeyOperation.set(fresh, "x"),
        false), euThenRest(), Optional.of("r1")), Optional.empty());
    await(Rollout.State.PAUSED);
    assertEquals(Optional.of("prod"), clusterd.lockOf("web-3", fresh), "locked on instances of later waves too");
    assertEquals("x", hosts.database("web-1").get(fresh).orElseThrow().value());
    ChangeResult aborted = clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.ABORT)).join();
    assertEquals(200, aborted.fanOut().status());
    assertEquals(Optional.empty(), hosts.database("web-1").get(fresh));
    assertEquals(Optional.empty(), clusterd.lockOf("web-3", fresh));
    assertEquals(Rollout.State.ABORTED, clusterd.rollout("r1").state());
  }

  @Test
  void abort_restoresPreviousValueOnStartedInstancesAndKeepsThePin() {
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    ChangeResult aborted = clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.ABORT)).join();
    assertEquals(List.of("web-1", "web-2"), aborted.fanOut().results().stream().map(o -> o.instance()).toList());
    assertEquals(List.of("80", "80", "80", "80"), List.of(value("web-1"), value("web-2"), value("web-3"),
        value("web-4")));
    assertEquals(Optional.of("80"), effective("web-1"));
    assertEquals("80", clusterd.pins("prod").get(0).value());
    clusterd.pin("prod", PORT, "9090");
    assertEquals("9090", value("web-4"), "after the end of a rollout the key can be written again");
    ClusterdException again = assertThrows(ClusterdException.class, () -> clusterd.apply(
        new Change.ControlRollout("r1", Change.RolloutControl.RESUME)));
    assertEquals(ErrorCode.ROLLOUT_FINISHED, again.code());
  }

  @Test
  void downInstance_haltsTheRolloutWithItsErrorAndResumeGoesOn() {
    hosts.stop("web-3");
    start(euThenRest().withPause(Optional.of(Duration.ZERO)), "8080");
    Rollout halted = await(Rollout.State.HALTED);
    assertEquals(1, halted.wave());
    Rollout.Target failed = halted.waves().get(1).instances().get(1);
    assertEquals("web-3", failed.instance());
    assertEquals(Rollout.Outcome.FAILED, failed.outcome());
    assertTrue(failed.error().orElseThrow().startsWith("INSTANCE_UNREACHABLE"), failed.error().toString());
    assertEquals(Rollout.Outcome.DONE, halted.waves().get(1).instances().get(0).outcome());
    assertEquals("80", clusterd.pins("prod").get(0).value());
    assertEquals(Optional.of("8080"), effective("web-3"), "the halted wave's instances keep the target");

    hosts.start("web-3");
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);
    assertEquals("8080", clusterd.pins("prod").get(0).value());
  }

  @Test
  void maxFailuresPercent_waveWithOneOfTwoDown_goesOn() {
    hosts.stop("web-3");
    start(euThenRest().withPause(Optional.of(Duration.ZERO)).withMaxFailures(RolloutPlan.FailureLimit.percent(50)),
        "8080");
    Rollout done = await(Rollout.State.COMPLETED);
    assertEquals(1, done.waves().get(1).failures());
  }

  @Test
  void timedPause_nextWaveStartsOnlyOnceTheHandClockPassedIt() {
    start(euThenRest().withPause(Optional.of(Duration.ofMinutes(5))), "8080");
    Rollout paused = await(Rollout.State.PAUSED);
    assertEquals(Optional.of(clock.instant().plus(Duration.ofMinutes(5))), paused.resumeAt());
    clock.advance(Duration.ofMinutes(4));
    scheduler.tick();
    assertEquals(Rollout.State.PAUSED, clusterd.rollout("r1").state());
    assertEquals("80", value("web-3"));
    clock.advance(Duration.ofMinutes(1));
    scheduler.tick();
    await(Rollout.State.COMPLETED);
    assertEquals("8080", value("web-3"));
  }

  @Test
  void userPause_whileWaveInFlight_stopsBeforeTheNextWave() {
    start(euThenRest().withPause(Optional.of(Duration.ofMinutes(5))), "8080");
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.PAUSE)).join();
    Rollout paused = await(Rollout.State.PAUSED);
    awaitTrue(() -> clusterd.rollout("r1").waves().get(0).answered(), () -> "wave 1 answered");
    assertEquals(Optional.empty(), clusterd.rollout("r1").resumeAt(), "a user's pause waits for resume");
    clock.advance(Duration.ofHours(1));
    scheduler.tick();
    assertEquals(Rollout.State.PAUSED, clusterd.rollout("r1").state());
    assertEquals(0, paused.wave());
  }

  @Test
  void reconciler_duringPartialRollout_restoresEachInstanceToItsOwnWave() {
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    hosts.database("web-1").set(PORT, "1");
    hosts.database("web-3").set(PORT, "3");
    clusterd.reconcile().join();
    assertEquals("8080", value("web-1"), "a started wave's instance is brought back to the target");
    assertEquals("80", value("web-3"), "a later wave's instance is brought back to the previous value");
    assertEquals(List.of(), clusterd.drift("prod").join().values().stream().flatMap(List::stream).toList());
  }

  @Test
  void joiningInstance_afterTheFirstWave_getsTheTarget() {
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    clusterd.registerInstance(InstanceSpec.of("web-5", "mem://web-5").withId("web-5"));
    clusterd.attach("us", "web-5");
    assertEquals("8080", value("web-5"));
    assertEquals(Optional.of("8080"), effective("web-5"));
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.ABORT)).join();
    assertEquals("80", value("web-5"), "abort restores every instance that received the change");
  }

  @Test
  void dryRun_listsTheWavesAndChangesNothing() {
    Rollout planned = clusterd.previewRollout(new Change.StartRollout(new Change.WriteCluster("prod",
        KeyOperation.set(PORT, "8080"), false), RolloutPlan.perChild(), Optional.empty()));
    assertEquals(Rollout.State.PLANNED, planned.state());
    assertEquals(List.of("web-4", "eu", "us"), planned.waves().stream().map(Rollout.Wave::label).toList());
    assertEquals(List.of(), clusterd.rollouts());
    assertEquals("80", value("web-1"));
  }

  @Test
  void badPlans_areRefusedWithWhatToFix() {
    ClusterdException notBelow = assertThrows(ClusterdException.class, () -> start(RolloutPlan.of(List.of(
        new RolloutPlan.Nodes(List.of("web-9")), new RolloutPlan.Nodes(List.of("*")))), "1"));
    assertEquals(ErrorCode.INVALID_BODY, notBelow.code());
    assertTrue(notBelow.getMessage().contains("web-9"), notBelow.getMessage());
    ClusterdException uncovered = assertThrows(ClusterdException.class, () -> start(RolloutPlan.of(List.of(
        new RolloutPlan.Nodes(List.of("eu")))), "1"));
    assertTrue(uncovered.getMessage().contains("in no wave"), uncovered.getMessage());
    ClusterdException shares = assertThrows(ClusterdException.class, () -> start(RolloutPlan.of(List.of(
        new RolloutPlan.Share(50), new RolloutPlan.Share(20))), "1"));
    assertTrue(shares.getMessage().contains("must grow"), shares.getMessage());
    ClusterdException missing = assertThrows(ClusterdException.class, () -> clusterd.apply(
        new Change.ControlRollout("nope", Change.RolloutControl.PAUSE)));
    assertEquals(ErrorCode.ROLLOUT_NOT_FOUND, missing.code());
    assertEquals(List.of(), clusterd.rollouts());
    assertEquals("80", value("web-1"));
  }

  @Test
  void shares_areCumulativeDisjointAndSpreadOverSubClusters() {
    Rollout planned = clusterd.previewRollout(new Change.StartRollout(new Change.WriteCluster("prod",
        KeyOperation.set(PORT, "8080"), false), RolloutPlan.of(List.of(new RolloutPlan.Share(25),
        new RolloutPlan.Share(75), new RolloutPlan.Share(100))), Optional.empty()));
    assertEquals(List.of(1, 2, 1), planned.waves().stream().map(w -> w.instances().size()).toList());
    assertEquals(List.of("25%", "75%", "100%"), planned.waves().stream().map(Rollout.Wave::label).toList());
  }

  @Test
  void unpin_rolledOut_removesTheKeyWaveByWaveAndThePinAtTheEnd() {
    clusterd.startRollout(new Change.StartRollout(new Change.WriteCluster("prod", KeyOperation.delete(PORT), false),
        euThenRest(), Optional.of("r1")), Optional.empty());
    await(Rollout.State.PAUSED);
    assertEquals("<missing>", value("web-1"));
    assertEquals("80", value("web-3"));
    assertEquals(Optional.of("prod"), clusterd.lockOf("web-1", PORT), "an unpin in progress keeps the lock");
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);
    assertEquals("<missing>", value("web-4"));
    assertEquals(List.of(), clusterd.pins("prod"));
  }

  @Test
  void metadata_rolledOutWithVerify_readsBackAndCompletes() {
    clusterd.startRollout(new Change.StartRollout(new Change.WriteClusterMeta("prod", PORT,
        java.util.Map.of("check/type", "long"), false), RolloutPlan.perChild().withVerify(true), Optional.of("r1")),
        Optional.empty());
    await(Rollout.State.COMPLETED);
    assertEquals("long", hosts.database("web-4").get(PORT).orElseThrow().meta().get("check/type"));
    assertEquals("long", clusterd.pins("prod").get(0).meta().get("check/type"));
  }

  @Test
  void reopenedStore_continuesAPausedRolloutWhereItWas(@TempDir Path dir) {
    clusterd.close();
    clusterd = build(Clusterd.builder().store(SqliteStore.open(dir)));
    tree(clusterd);
    start(euThenRest(), "8080");
    await(Rollout.State.PAUSED);
    clusterd.close();

    clusterd = build(Clusterd.builder().store(SqliteStore.open(dir)));
    Rollout reopened = clusterd.rollout("r1");
    assertEquals(Rollout.State.PAUSED, reopened.state());
    assertEquals(Optional.of("8080"), effective("web-1"));
    assertEquals(Optional.of("80"), effective("web-3"));
    assertThrows(ClusterdException.class, () -> clusterd.pin("prod", PORT, "1"));
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);
    assertEquals("8080", value("web-4"));
  }

  @Test
  void reopenedStore_waveInFlight_isSentAgainAndFinished(@TempDir Path dir) {
    clusterd.close();
    clusterd = build(Clusterd.builder().store(SqliteStore.open(dir)));
    tree(clusterd);
    hosts.stop("web-1");
    hosts.stop("web-2");
    // the wave cannot be answered before the daemon stops: its outcome is still waiting in the store
    clusterd.close();
    clusterd = Clusterd.builder().store(SqliteStore.open(dir)).transport(hosts).clock(clock).scheduler(scheduler)
        .reconcileEvery(Duration.ZERO).maxAttempts(50).retryBackoff(Duration.ofSeconds(10)).build();
    start(euThenRest(), "8080");
    assertEquals(Rollout.State.RUNNING, clusterd.rollout("r1").state());
    clusterd.close();

    hosts.start("web-1");
    hosts.start("web-2");
    clusterd = build(Clusterd.builder().store(SqliteStore.open(dir)));
    Rollout resumed = await(Rollout.State.PAUSED);
    assertEquals(0, resumed.wave());
    assertEquals("8080", value("web-1"));
    assertEquals("80", value("web-3"));
    assertFalse(resumed.waves().get(0).instances().stream().anyMatch(t -> t.outcome() != Rollout.Outcome.DONE));
  }
}

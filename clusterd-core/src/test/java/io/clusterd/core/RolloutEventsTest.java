package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.testing.HandScheduler;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The steps of a rollout as live events: one {@code rollout} event per step (never a {@code pin.changed}), with
 * the rollout's progress, numbered as their history entries, so that a subscriber that resumes is replayed them.
 */
class RolloutEventsTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

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
    clusterd.pin("prod", PORT, "80");
  }

  @AfterEach
  void tearDown() {
    clusterd.close();
  }

  private void start(RolloutPlan plan) {
    clusterd.startRollout(new Change.StartRollout(new Change.WriteCluster("prod", KeyOperation.set(PORT, "8080"),
        false), plan, Optional.of("r1")), Optional.of("alice"));
  }

  private static RolloutPlan euThenRest() {
    return RolloutPlan.of(List.of(new RolloutPlan.Nodes(List.of("eu")), new RolloutPlan.Nodes(List.of("*"))))
        .withPause(Optional.empty());
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

  private static List<Event.Rollout> rollouts(List<Event> events) {
    return events.stream().filter(e -> e instanceof Event.Rollout).map(e -> (Event.Rollout) e).toList();
  }

  private static List<String> steps(List<Event.Rollout> events) {
    return events.stream().map(e -> (String) e.progress().get("step")).toList();
  }

  /** state, wave, done, failed of an event. */
  private static List<Object> progress(Event.Rollout e) {
    Map<String, Object> p = e.progress();
    return List.of(p.get("state"), p.get("wave"), p.get("waves"), p.get("done"), p.get("failed"));
  }

  @Test
  void pausedAndResumedRollout_everyStepIsARolloutEventWithItsProgress() {
    EventSubscription s = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    start(euThenRest());
    await(Rollout.State.PAUSED);
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.RESUME)).join();
    await(Rollout.State.COMPLETED);

    List<Event> events = EventProperties.drain(s);
    List<Event.Rollout> steps = rollouts(events);
    assertEquals(List.of("start", "wave", "wave-done", "wave", "wave-done", "complete"), steps(steps),
        events.toString());
    for (Event.Rollout e : steps) {
      assertEquals("r1", e.rollout());
      assertEquals("prod", e.cluster());
      assertEquals(Event.ROLLOUT, e.type());
      assertEquals(0, e.id().sub(), "a step is numbered as its history entry: " + e.id());
      assertEquals(e.id().seq(), ((Number) e.progress().get("seq")).longValue());
      assertTrue(e.nodes().contains("prod"), e.nodes().toString());
    }
    assertEquals("alice", steps.get(0).progress().get("actor"));
    // each step as its commit left the rollout: the start and its first wave are one commit
    assertEquals(List.of("running", 1, 2, 0L, 0L), progress(steps.get(1)));
    assertEquals(List.of("paused", 1, 2, 2L, 0L), progress(steps.get(2)));
    assertEquals(List.of("running", 2, 2, 2L, 0L), progress(steps.get(3)));
    assertEquals(List.of("completed", 2, 2, 3L, 0L), progress(steps.get(5)));
    List<Event.Change> pins = events.stream().filter(e -> e instanceof Event.Change c
        && c.type().equals(Event.PIN_CHANGED)).map(e -> (Event.Change) e).toList();
    assertEquals(List.of("pin"), pins.stream().map(c -> c.entry().operation()).distinct().toList(),
        "only the completion's pin is a pin change: " + pins);
    assertEquals(Optional.of("8080"), pins.get(pins.size() - 1).entry().newValue());
  }

  @Test
  void resumedSubscriber_isReplayedTheStepsItMissed() {
    EventId before = clusterd.events().lastId();
    EventSubscription live = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    start(euThenRest());
    await(Rollout.State.PAUSED);
    clusterd.apply(new Change.ControlRollout("r1", Change.RolloutControl.ABORT)).join();
    List<Event.Rollout> seen = rollouts(EventProperties.drain(live));

    EventSubscription resumed = clusterd.events().subscribe(Optional.of(before), e -> true, () -> { });
    List<Event.Rollout> replayed = rollouts(EventProperties.drain(resumed));
    assertEquals(List.of("start", "wave", "wave-done", "abort"), steps(replayed));
    assertEquals(seen.stream().map(Event::id).toList(), replayed.stream().map(Event::id).toList(),
        "the same ids live and replayed");
    assertEquals("aborted", replayed.get(3).progress().get("state"));
    assertEquals("r1", replayed.get(0).rollout());
  }

  @Test
  void haltedRollout_saysHowManyFailed() {
    hosts.stop("web-3");
    EventSubscription s = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    start(euThenRest().withPause(Optional.of(Duration.ZERO)));
    await(Rollout.State.HALTED);
    List<Event.Rollout> steps = rollouts(EventProperties.drain(s));
    assertEquals(List.of("start", "wave", "wave-done", "wave", "halt"), steps(steps));
    assertEquals(List.of("halted", 2, 2, 2L, 1L), progress(steps.get(4)));
    assertTrue(((String) steps.get(4).progress().get("detail")).contains("1 of 1 failed"),
        steps.get(4).progress().toString());
  }
}

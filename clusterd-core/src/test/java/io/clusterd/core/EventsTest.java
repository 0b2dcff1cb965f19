package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.InstanceState;
import io.clusterd.KeyName;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.StoreChanges;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live events of the engine: their types and ids, the subscriber bound, dropping a subscriber whose queue is
 * full without holding up writes, resets for ids the stream cannot replay, resuming across a restart on SQLite, and
 * status and delivery events when an instance goes down and comes back.
 */
class EventsTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final MemTransportFactory mem = new MemTransportFactory();
  private Clusterd clusterd;

  private Clusterd open(Clusterd.Builder b) {
    clusterd = b.transport(mem).reconcileEvery(Duration.ZERO).maxAttempts(1).build();
    return clusterd;
  }

  @AfterEach
  void close() {
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private static List<Event> drain(EventSubscription s) {
    return EventProperties.drain(s);
  }

  private static List<String> types(List<Event> events) {
    return events.stream().map(Event::type).toList();
  }

  @Test
  void changes_carryTheirTypeAndSeq_deliveriesFollowTheirCommit() {
    open(Clusterd.builder());
    EventSubscription s = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    clusterd.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    clusterd.pin("prod", PORT, "8080");
    clusterd.setInstanceKey("web-1", KeyName.parse("user:/other"), "x");
    clusterd.apply(new Change.DeleteCluster("prod", Cascade.DETACH)).join();

    List<Event> events = drain(s);
    List<String> changes = events.stream().filter(e -> e instanceof Event.Change).map(Event::type).toList();
    assertEquals(List.of("node.created", "node.created", "node.changed", "pin.changed", "key.changed",
        "node.removed", "node.changed"), changes, events.toString());
    int pin = types(events).indexOf("pin.changed");
    Event.Delivery delivered = (Event.Delivery) events.get(types(events).indexOf("delivery"));
    assertTrue(types(events).indexOf("delivery") > pin, "the pin's delivery comes after its commit: " + events);
    assertEquals("web-1", delivered.outcome().instance());
    assertEquals(200, delivered.outcome().status());
    assertTrue(delivered.seq() > 0, "desired state has an outbox seq");
    assertTrue(delivered.nodes().containsAll(List.of("web-1", "prod")), "the instance's clusters: " + delivered);
    Event.Change pinned = (Event.Change) events.get(pin);
    assertEquals(PORT.toString(), pinned.entry().key().orElseThrow());
    assertEquals(new EventId(pinned.entry().seq(), 0), pinned.id());
  }

  @Test
  void subscribers_areBounded() {
    open(Clusterd.builder().maxSubscribers(2));
    EventSubscription a = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    ClusterdException e = assertThrows(ClusterdException.class,
        () -> clusterd.events().subscribe(Optional.empty(), x -> true, () -> { }));
    assertEquals(ErrorCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("2 subscribers"), e.getMessage());
    a.close();
    clusterd.events().subscribe(Optional.empty(), x -> true, () -> { }).close();
    assertEquals(1, clusterd.events().subscribers());
  }

  @Test
  void aSubscriberThatDoesNotKeepUp_isDroppedAndWritesGoOn() {
    open(Clusterd.builder().subscriberQueue(8));
    AtomicInteger wakes = new AtomicInteger();
    EventSubscription slow = clusterd.events().subscribe(Optional.empty(), e -> true, wakes::incrementAndGet);
    EventSubscription fast = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    int fastSeen = 0;
    for (int i = 0; i < 50; i++) {
      clusterd.registerInstance(InstanceSpec.of("i" + i, "mem://i" + i).withId("i" + i));
      fastSeen += drain(fast).size();
    }
    assertTrue(slow.dropped());
    assertFalse(fast.dropped());
    assertEquals(50, fastSeen);
    assertEquals(1, clusterd.events().subscribers());
    assertEquals(1, clusterd.events().dropped());
    assertEquals(8, drain(slow).size(), "what was queued before the drop can still be read");
    assertTrue(wakes.get() >= 9, "woken for each event and for the drop");
  }

  @Test
  void anIdAheadOfTheStream_getsAReset() {
    open(Clusterd.builder());
    clusterd.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
    List<Event> events = drain(clusterd.events().subscribe(Optional.of(new EventId(99, 0)), e -> true, () -> { }));
    assertEquals(1, events.size());
    Event.Reset reset = (Event.Reset) events.get(0);
    assertEquals(clusterd.events().lastId(), reset.id());
    assertTrue(reset.reason().contains("ahead"), reset.reason());
  }

  @Test
  void anIdTooFarBehind_getsAReset() {
    MemoryStore store = new MemoryStore();
    StoreChanges.Builder b = StoreChanges.builder();
    for (int i = 0; i <= io.clusterd.core.internal.EventHub.MAX_REPLAY + 1; i++) {
      b.history(new HistoryEntry(0, Instant.EPOCH, Optional.empty(), "n" + i, "update-cluster", Optional.empty(),
          Optional.empty(), Optional.empty(), "accepted"));
    }
    store.apply(b.build());
    open(Clusterd.builder().store(store));
    List<Event> tooOld = drain(clusterd.events().subscribe(Optional.of(EventId.ORIGIN), e -> true, () -> { }));
    assertEquals(List.of("reset"), types(tooOld));
    List<Event> recent = drain(clusterd.events().subscribe(Optional.of(new EventId(2, 0)), e -> true, () -> { }));
    assertEquals(io.clusterd.core.internal.EventHub.MAX_REPLAY, recent.size(), "exactly the bound is replayed");
  }

  @Test
  void resumeAfterARestart_replaysFromTheSqliteHistory(@TempDir Path dir) {
    open(Clusterd.builder().store(SqliteStore.open(dir)));
    clusterd.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
    EventId seen = clusterd.events().lastId();
    clusterd.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a")));
    clusterd.pin("c", PORT, "1");
    clusterd.close();

    open(Clusterd.builder().store(SqliteStore.open(dir)));
    List<Event> missed = drain(clusterd.events().subscribe(Optional.of(seen), e -> true, () -> { }));
    assertEquals(List.of("node.created", "node.changed", "pin.changed", "status"), types(missed));
    assertEquals(new EventId(seen.seq() + 3, 0), missed.get(2).id());
  }

  @Test
  void anInstanceGoingDownAndBack_publishesItsStatusAndTheDeliveries() {
    open(Clusterd.builder());
    clusterd.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
    clusterd.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a")));
    EventSubscription s = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { });
    mem.stop("a");
    clusterd.pin("c", PORT, "1");
    List<Event> down = drain(s);
    Event.Delivery failed = (Event.Delivery) down.stream().filter(e -> e instanceof Event.Delivery).findFirst()
        .orElseThrow();
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failed.outcome().error().orElseThrow().code());
    Event.Status pending = (Event.Status) down.stream().filter(e -> e instanceof Event.Status).findFirst()
        .orElseThrow();
    assertEquals(InstanceState.Status.PENDING, pending.state().status());
    assertEquals(1, pending.pending());

    mem.start("a");
    clusterd.reconcile().join();
    List<Event> back = drain(s);
    assertTrue(back.stream().anyMatch(e -> e instanceof Event.Delivery d && d.outcome().succeeded()), back.toString());
    Event.Status last = (Event.Status) back.stream().filter(e -> e instanceof Event.Status)
        .reduce((x, y) -> y).orElseThrow();
    assertEquals(InstanceState.Status.IN_SYNC, last.state().status());
  }

  @Test
  void aFilter_keepsOutWhatASubscriberMayNotSee() {
    open(Clusterd.builder());
    EventSubscription onlyProd = clusterd.events().subscribe(Optional.empty(), e -> e.nodes().isEmpty()
        || e.nodes().contains("prod"), () -> { });
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod"));
    clusterd.createCluster(ClusterSpec.of("test").withId("test"));
    clusterd.pin("test", PORT, "1");
    clusterd.pin("prod", PORT, "2");
    List<Event> seen = drain(onlyProd);
    assertEquals(List.of("node.created", "pin.changed"), types(seen));
  }

  @Test
  void eventIds_parseAndPrintAsTheStreamSendsThem() {
    assertEquals(Optional.of(new EventId(42, 0)), EventId.parse("42"));
    assertEquals(Optional.of(new EventId(42, 3)), EventId.parse("42.3"));
    assertEquals("42.3", new EventId(42, 3).toString());
    assertEquals("42", new EventId(42, 0).toString());
    for (String bad : new String[] {"", "-1", "4.2.1", "x", "1e3", "99999999999999999999"}) {
      assertEquals(Optional.empty(), EventId.parse(bad), bad);
    }
    assertTrue(new EventId(42, 3).compareTo(new EventId(43, 0)) < 0);
  }
}

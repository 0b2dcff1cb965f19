package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.RegistryStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change history: every accepted mutation is recorded with the time of the injected clock, the actor, the
 * node, the operation, the key and the old and new value; refused changes and dry runs record nothing; reads
 * come newest first, globally or per node, and page by sequence number.
 */
class HistoryTest {

  private static final Instant T0 = Instant.parse("2030-01-02T03:04:05.678Z");
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final HandClock clock = new HandClock(T0);
  private final MemTransportFactory mem = new MemTransportFactory();
  private final List<HistoryEntry> expected = new ArrayList<>();
  private Clusterd clusterd;

  private Clusterd open(RegistryStore store) {
    clusterd = Clusterd.builder().store(store).transport(mem).clock(clock).reconcileEvery(Duration.ZERO).build();
    return clusterd;
  }

  @AfterEach
  void close() {
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private void apply(int second, String actor, Change change) {
    clock.set(T0.plusSeconds(second));
    clusterd.apply(change, Optional.ofNullable(actor)).join();
  }

  /** Expects one entry, stamped with the clock's time as it was when the change was applied. */
  private void expect(String actor, String node, String operation, String key, String oldValue, String newValue) {
    expected.add(new HistoryEntry(0, clock.instant(), Optional.ofNullable(actor), node, operation,
        Optional.ofNullable(key), Optional.ofNullable(oldValue), Optional.ofNullable(newValue), "accepted"));
  }

  private List<HistoryEntry> all() {
    return clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000);
  }

  private static List<HistoryEntry> withoutSeq(List<HistoryEntry> entries) {
    // the pins an entry changed, as they were, are RollbackTest's to check
    return entries.stream().map(e -> new HistoryEntry(0, e.time(), e.actor(), e.node(), e.operation(), e.key(),
        e.oldValue(), e.newValue(), e.outcome())).toList();
  }

  private static List<HistoryEntry> newestFirst(List<HistoryEntry> entries) {
    List<HistoryEntry> out = new ArrayList<>(entries);
    java.util.Collections.reverse(out);
    return out;
  }

  private static void assertDescendingSeq(List<HistoryEntry> entries) {
    for (int i = 1; i < entries.size(); i++) {
      assertTrue(entries.get(i - 1).seq() > entries.get(i).seq(), "newest first: " + entries);
    }
  }

  /** Applies one change of every kind, in this order, and lists what each must record. */
  private void everyKindOfChange() {
    apply(1, "alice", new Change.RegisterInstance(InstanceSpec.of("web 1", "MEM://Web-1/").withId("web-1")));
    expect("alice", "web-1", "register-instance", null, null, "mem://web-1");
    apply(2, "alice", new Change.RegisterInstance(InstanceSpec.of("web 2", "mem://web-2").withId("web-2")));
    expect("alice", "web-2", "register-instance", null, null, "mem://web-2");
    apply(3, "bob", new Change.CreateCluster(ClusterSpec.of("Production").withId("prod")
        .withMembers(List.of("web-1"))));
    expect("bob", "prod", "create-cluster", null, null, "Production");
    expect("bob", "web-1", "attach", null, null, "prod");
    apply(4, "bob", new Change.CreateCluster(ClusterSpec.of("Europe").withId("eu").withParent("prod")));
    expect("bob", "eu", "create-cluster", null, null, "Europe");
    apply(5, null, new Change.Attach("eu", "web-2", false));
    expect(null, "web-2", "attach", null, null, "eu");
    apply(6, "carol", new Change.WriteCluster("prod", KeyOperation.set(PORT, "80"), false));
    expect("carol", "prod", "pin", PORT.toString(), null, "80");
    apply(7, "carol", new Change.WriteCluster("prod", KeyOperation.set(PORT, "8080"), false));
    expect("carol", "prod", "pin", PORT.toString(), "80", "8080");
    apply(7, "carol", new Change.WriteCluster("prod", KeyOperation.setMeta(PORT, "check/type", "long"), false));
    expect("carol", "prod", "set-meta", PORT.toString(), null, "check/type=long");
    apply(7, "carol", new Change.WriteCluster("prod", KeyOperation.setMeta(PORT, "check/type", "short"), false));
    expect("carol", "prod", "set-meta", PORT.toString(), "check/type=long", "check/type=short");
    apply(7, "carol", new Change.WriteCluster("prod", KeyOperation.deleteMeta(PORT, "check/type"), false));
    expect("carol", "prod", "delete-meta", PORT.toString(), "check/type=short", null);
    apply(8, "carol", new Change.WriteCluster("eu", KeyOperation.set(KeyName.parse("user:/eu/x"), "1"), false));
    expect("carol", "eu", "pin", "user:/eu/x", null, "1");
    apply(9, "dave", new Change.WriteCluster("prod", KeyOperation.set(KeyName.parse("user:/eu/x"), "2"), true));
    expect("dave", "eu", "unpin-forced", "user:/eu/x", "1", null);
    expect("dave", "prod", "pin", "user:/eu/x", null, "2");
    apply(10, "dave", new Change.WriteCluster("prod", KeyOperation.delete(KeyName.parse("user:/eu")), false));
    expect("dave", "prod", "unpin", "user:/eu/x", "2", null);
    apply(11, "erin", new Change.WriteInstance("web-2", KeyOperation.set(KeyName.parse("user:/own"), "v")));
    expect("erin", "web-2", "set", "user:/own", null, "v");
    apply(12, "erin", new Change.WriteInstance("web-2", KeyOperation.delete(KeyName.parse("user:/own"))));
    expect("erin", "web-2", "delete", "user:/own", null, null);
    apply(13, "frank", new Change.Move("web-1", Optional.of("eu"), false));
    expect("frank", "web-1", "move", null, "prod", "eu");
    apply(14, "frank", new Change.Detach("eu", "web-1"));
    expect("frank", "web-1", "detach", null, "eu", null);
    apply(15, "frank", new Change.UpdateInstance("web-1", new NodeUpdate(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.of("mem://web-1b"))));
    expect("frank", "web-1", "update-instance", null, "mem://web-1", "mem://web-1b");
    apply(16, "grace", new Change.UpdateCluster("eu", NodeUpdate.rename("EU")));
    expect("grace", "eu", "update-cluster", null, "Europe", "EU");
    apply(17, "grace", new Change.Sync("prod"));
    expect("grace", "prod", "sync", null, null, null);
    apply(18, "heidi", new Change.DeleteCluster("eu", Cascade.DETACH));
    expect("heidi", "eu", "delete-cluster", null, "EU", "cascade=detach");
    expect("heidi", "web-2", "move", null, "eu", "prod");
    apply(19, "heidi", new Change.UnregisterInstance("web-1"));
    expect("heidi", "web-1", "unregister-instance", null, "mem://web-1b", null);
  }

  @Test
  void history_everyKindOfChange_recordedWithClockActorNodeOperationKeyAndValuesNewestFirst() {
    open(new MemoryStore());

    everyKindOfChange();

    List<HistoryEntry> history = all();
    assertEquals(newestFirst(expected), withoutSeq(history));
    assertDescendingSeq(history);
    assertTrue(history.stream().allMatch(e -> e.seq() > 0));
  }

  @Test
  void history_ofOneNode_onlyItsEntriesNewestFirst() {
    open(new MemoryStore());
    everyKindOfChange();

    for (String node : List.of("web-1", "web-2", "prod", "eu")) {
      List<HistoryEntry> mine = clusterd.history(Optional.of(node), Long.MAX_VALUE, 1000);

      assertEquals(newestFirst(expected.stream().filter(e -> e.node().equals(node)).toList()), withoutSeq(mine), node);
      assertDescendingSeq(mine);
    }
    assertEquals(List.of(), clusterd.history(Optional.of("nobody"), Long.MAX_VALUE, 1000));
  }

  @Test
  void history_paged_pagesJoinToTheWholeHistoryWithoutGapsOrOverlap() {
    open(new MemoryStore());
    everyKindOfChange();
    List<HistoryEntry> whole = all();

    for (Optional<String> node : List.of(Optional.<String>empty(), Optional.of("web-1"))) {
      List<HistoryEntry> joined = new ArrayList<>();
      long before = Long.MAX_VALUE;
      List<HistoryEntry> page;
      int pages = 0;
      do {
        page = clusterd.history(node, before, 3);
        assertTrue(page.size() <= 3);
        joined.addAll(page);
        if (!page.isEmpty()) {
          before = page.get(page.size() - 1).seq();
        }
        pages++;
      } while (!page.isEmpty());

      List<HistoryEntry> wholeOfNode = node.isEmpty() ? whole
          : whole.stream().filter(e -> e.node().equals(node.get())).toList();
      assertEquals(wholeOfNode, joined, node.toString());
      assertEquals((wholeOfNode.size() + 2) / 3 + 1, pages, node.toString());
    }
  }

  @Test
  void history_refusedChangesAndDryRuns_recordNothing() {
    open(new MemoryStore());
    everyKindOfChange();
    List<HistoryEntry> before = all();

    clock.set(T0.plusSeconds(100));
    clusterd.plan(new Change.WriteCluster("prod", KeyOperation.set(KeyName.parse("user:/new"), "1"), false));
    clusterd.plan(new Change.DeleteCluster("prod", Cascade.DELETE));
    assertThrows(ClusterdException.class,
        () -> clusterd.apply(new Change.WriteInstance("web-2", KeyOperation.set(PORT, "1")), Optional.of("mallory")));
    assertThrows(ClusterdException.class,
        () -> clusterd.apply(new Change.RegisterInstance(InstanceSpec.of("again", "mem://web-2").withId("x"))));

    assertEquals(before, all());
  }

  @Test
  void history_cascadeDelete_everyRemovedNodeHasItsEntry() {
    open(new MemoryStore());
    apply(1, "ops", new Change.CreateCluster(ClusterSpec.of("Root").withId("root")));
    apply(2, "ops", new Change.CreateCluster(ClusterSpec.of("Rack").withId("rack").withParent("root")));
    apply(3, "ops", new Change.RegisterInstance(InstanceSpec.of("web", "mem://web").withId("web")));
    apply(4, "ops", new Change.Attach("rack", "web", false));
    apply(5, "ops", new Change.WriteCluster("rack", KeyOperation.set(PORT, "1"), false));

    apply(6, "root-admin", new Change.DeleteCluster("root", Cascade.DELETE));

    List<HistoryEntry> last = withoutSeq(clusterd.history(Optional.empty(), Long.MAX_VALUE, 3));
    expect("root-admin", "root", "delete-cluster", null, "Root", "cascade=delete");
    expect("root-admin", "rack", "delete-cluster", null, "Rack", "cascade=delete");
    expect("root-admin", "web", "unregister-instance", null, "mem://web", null);
    assertEquals(newestFirst(expected), last);
    assertEquals(expected.get(2), withoutSeq(clusterd.history(Optional.of("web"), Long.MAX_VALUE, 1)).get(0));
  }

  @Test
  void history_reconcilerRepairingDrift_recordedAsSyncByTheReconciler() {
    open(new MemoryStore());
    apply(1, "ops", new Change.RegisterInstance(InstanceSpec.of("web", "mem://web").withId("web")));
    apply(2, "ops", new Change.CreateCluster(ClusterSpec.of("Prod").withId("prod").withMembers(List.of("web"))));
    apply(3, "ops", new Change.WriteCluster("prod", KeyOperation.set(PORT, "80"), false));
    mem.database("web").set(PORT, "drifted");

    clock.set(T0.plusSeconds(4));
    clusterd.reconcile().join();

    expect("reconciler", "web", "sync", null, null, null);
    assertEquals(expected, withoutSeq(clusterd.history(Optional.empty(), Long.MAX_VALUE, 1)));
    assertEquals("80", mem.database("web").get(PORT).orElseThrow().value());
  }

  @Test
  void history_sqliteStore_survivesAReopenUnchanged(@TempDir Path dir) {
    open(SqliteStore.open(dir));
    everyKindOfChange();
    List<HistoryEntry> before = all();
    clusterd.close();

    open(SqliteStore.open(dir));

    assertEquals(before, all());
    assertEquals(newestFirst(expected), withoutSeq(all()));
  }
}

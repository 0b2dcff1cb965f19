package io.clusterd.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Namespace;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RegistryStore} must keep: extend it, implement {@link #newStore()}, and every test
 * here runs against your store. It pins down the behaviour the core relies on: batch order (deletions, then
 * writes), replace-in-place, cascading deletes, referential integrity checked per batch, all-or-nothing batches,
 * history numbering and paging, and exact preservation of every string.
 *
 * <p>The atomicity tests use the one real way a well-formed batch can fail in every store: a reference to a node
 * that does not exist after the batch (a pin's cluster, a pending delivery's instance, a node's parent), which the
 * durable store enforces with deferred foreign keys and the in-memory store with the same check before applying.
 */
public abstract class RegistryStoreContract {

  protected static final Instant T0 = Instant.parse("2025-01-02T03:04:05.678Z");

  private RegistryStore store;

  /** A new, empty store; the contract closes it after each test. */
  protected abstract RegistryStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  protected final RegistryStore store() {
    return store;
  }

  // ------------------------------------------------------------------ fixtures shared with the store tests

  protected static Cluster cluster(String id) {
    return new Cluster(id, "Cluster " + id, "", Map.of(), List.of());
  }

  protected static Instance instance(String id) {
    return Instance.of(id, "Instance " + id, Endpoint.parse("http://" + id + ".example:33333"));
  }

  protected static NodeRecord top(Node node) {
    return new NodeRecord(node, Optional.empty());
  }

  protected static NodeRecord under(String parent, Node node) {
    return new NodeRecord(node, Optional.of(parent));
  }

  protected static KeyName key(String name) {
    return KeyName.parse(name);
  }

  protected static HistoryEntry entry(String node, String operation) {
    return new HistoryEntry(0, T0, Optional.of("alice"), node, operation, Optional.of("user:/a"), Optional.empty(),
        Optional.of("v"), "ok");
  }

  protected static PendingDelivery pending(String instance, long seq) {
    return new PendingDelivery(instance, seq, KeyOperation.set(key("user:/app/port"), "80" + seq), T0, "unreachable");
  }

  protected static StoreChanges.Builder batch() {
    return StoreChanges.builder();
  }

  private static List<String> ids(StoreSnapshot snapshot) {
    return snapshot.nodes().stream().map(NodeRecord::id).toList();
  }

  private static List<Long> seqs(List<HistoryEntry> entries) {
    return entries.stream().map(HistoryEntry::seq).toList();
  }

  private void assertRefused(StoreChanges changes) {
    StoreSnapshot before = store.load();
    List<HistoryEntry> historyBefore = store.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE);
    ClusterdException e = assertThrows(ClusterdException.class, () -> store.apply(changes));
    assertEquals(ErrorCode.STORE_FAILURE, e.code());
    assertEquals(before, store.load(), "a refused batch must change nothing");
    assertEquals(historyBefore, store.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE));
  }

  // ------------------------------------------------------------------ rollouts

  @Test
  void putRollout_newAndExisting_replacesStateAndDocumentInPlaceAndKeepsWriteOrder() {
    store.apply(batch().putNode(top(cluster("prod"))).putNode(top(cluster("qa")))
        .putRollout(new RolloutRecord("r1", "prod", "running", "{\"wave\":0}"))
        .putRollout(new RolloutRecord("r2", "qa", "paused", "{}")).build());
    store.apply(batch().putRollout(new RolloutRecord("r1", "prod", "completed", "{\"wave\":3,\"text\":\"\u00e9\\n\"}"))
        .build());
    assertEquals(List.of(new RolloutRecord("r1", "prod", "completed", "{\"wave\":3,\"text\":\"\u00e9\\n\"}"),
        new RolloutRecord("r2", "qa", "paused", "{}")), store.load().rollouts());
  }

  @Test
  void putRollout_clusterDeletedLater_rolloutIsKept() {
    store.apply(batch().putNode(top(cluster("prod"))).putRollout(new RolloutRecord("r1", "prod", "aborted", "{}"))
        .build());
    store.apply(batch().deleteNode("prod").build());
    assertEquals(List.of(new RolloutRecord("r1", "prod", "aborted", "{}")), store.load().rollouts());
  }

  @Test
  void putRollout_inRefusedBatch_isNotStored() {
    assertRefused(batch().putRollout(new RolloutRecord("r1", "prod", "running", "{}"))
        .putPin("missing", Pin.of(key("user:/a"), "1")).build());
    assertEquals(List.of(), store.load().rollouts());
  }

  // ------------------------------------------------------------------ nodes

  @Test
  void load_newStore_isEmpty() {
    assertEquals(new StoreSnapshot(List.of(), List.of(), List.of()), store.load());
    assertEquals(List.of(), store.history(Optional.empty(), Long.MAX_VALUE, 10));
  }

  @Test
  void putNode_severalNodes_loadReturnsThemInWriteOrderWithParents() {
    store.apply(batch().putNode(top(cluster("prod"))).putNode(under("prod", instance("web-1"))).build());
    store.apply(batch().putNode(under("prod", cluster("eu"))).putNode(under("eu", instance("web-2"))).build());

    StoreSnapshot snapshot = store.load();

    assertEquals(List.of(top(cluster("prod")), under("prod", instance("web-1")), under("prod", cluster("eu")),
        under("eu", instance("web-2"))), snapshot.nodes());
  }

  @Test
  void putNode_existingId_replacesFieldsAndKeepsPosition() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(top(cluster("b"))).putNode(top(cluster("c"))).build());
    Cluster renamed = new Cluster("a", "Renamed", "now with text", Map.of("env", "prod"), List.of());

    store.apply(batch().putNode(top(renamed)).build());

    assertEquals(List.of(top(renamed), top(cluster("b")), top(cluster("c"))), store.load().nodes());
  }

  @Test
  void putNode_deletedThenWrittenAgain_movesToTheEnd() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(top(cluster("b"))).build());

    store.apply(batch().deleteNode("a").putNode(top(cluster("a"))).build());

    assertEquals(List.of("b", "a"), ids(store.load()));
  }

  @Test
  void putNode_clusterBecomesInstanceWithSameId_isReplaced() {
    store.apply(batch().putNode(top(cluster("x"))).build());

    store.apply(batch().putNode(top(instance("x"))).build());

    assertEquals(List.of(top(instance("x"))), store.load().nodes());
  }

  @Test
  void putNode_reparent_movesNodeAndDetachesToTopLevel() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(top(cluster("b")))
        .putNode(under("a", instance("web-1"))).build());

    store.apply(batch().putNode(under("b", instance("web-1"))).build());
    assertEquals(Optional.of("b"), store.load().nodes().get(2).parent());

    store.apply(batch().putNode(top(instance("web-1"))).build());
    assertEquals(Optional.empty(), store.load().nodes().get(2).parent());
  }

  @Test
  void putNode_clusterWithChildren_isStoredWithoutThem() {
    Cluster withChildren = cluster("a").withChildren(List.of(instance("web-1")));

    store.apply(batch().putNode(new NodeRecord(withChildren, Optional.empty())).build());

    assertEquals(List.of(top(cluster("a"))), store.load().nodes());
  }

  @Test
  void deleteNode_missingId_isNoOp() {
    store.apply(batch().putNode(top(cluster("a"))).build());

    store.apply(batch().deleteNode("nope").build());

    assertEquals(List.of("a"), ids(store.load()));
  }

  @Test
  void deleteNode_clusterAndItsChildrenInOneBatch_removesAll() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(under("a", cluster("b")))
        .putNode(under("b", instance("web-1"))).putNode(top(cluster("z"))).build());

    store.apply(batch().deleteNode("a").deleteNode("web-1").deleteNode("b").build());

    assertEquals(List.of("z"), ids(store.load()));
  }

  @Test
  void deleteNode_clusterWhileMovingItsChildrenUp_detachesThem() {
    store.apply(batch().putNode(top(cluster("root"))).putNode(under("root", cluster("mid")))
        .putNode(under("mid", instance("web-1"))).build());

    store.apply(batch().deleteNode("mid").putNode(under("root", instance("web-1"))).build());

    assertEquals(List.of(top(cluster("root")), under("root", instance("web-1"))), store.load().nodes());
  }

  @Test
  void deleteNode_withPinsAndPendingDeliveries_deletesThemToo() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(top(cluster("b"))).putNode(top(instance("web-1")))
        .putPin("a", Pin.of(key("user:/x"), "1")).putPin("b", Pin.of(key("user:/x"), "2"))
        .putPending(pending("web-1", 1)).build());

    store.apply(batch().deleteNode("a").deleteNode("web-1").build());

    StoreSnapshot snapshot = store.load();
    assertEquals(List.of(new PinRecord("b", Pin.of(key("user:/x"), "2"))), snapshot.pins());
    assertEquals(List.of(), snapshot.pending());
  }

  @Test
  void deleteNode_thenWrittenAgainInSameBatch_losesItsOldPins() {
    store.apply(batch().putNode(top(cluster("a"))).putPin("a", Pin.of(key("user:/x"), "1")).build());

    store.apply(batch().deleteNode("a").putNode(top(cluster("a"))).build());

    assertEquals(List.of(), store.load().pins());
  }

  // ------------------------------------------------------------------ pins

  @Test
  void putPin_newAndExisting_replacesValueAndMetaInPlace() {
    store.apply(batch().putNode(top(cluster("a")))
        .putPin("a", Pin.of(key("user:/app/port"), "80"))
        .putPin("a", Pin.of(key("user:/app/host"), "h")).build());

    store.apply(batch().putPin("a", new Pin(key("user:/app/port"), "8080", Map.of("type", "long"))).build());

    assertEquals(List.of(new PinRecord("a", new Pin(key("user:/app/port"), "8080", Map.of("type", "long"))),
        new PinRecord("a", Pin.of(key("user:/app/host"), "h"))), store.load().pins());
  }

  @Test
  void deletePin_sameKeyInTwoClusters_removesOnlyTheNamedOne() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(top(cluster("b")))
        .putPin("a", Pin.of(key("user:/k"), "1")).putPin("b", Pin.of(key("user:/k"), "2")).build());

    store.apply(batch().deletePin("a", key("user:/k")).deletePin("a", key("user:/missing")).build());

    assertEquals(List.of(new PinRecord("b", Pin.of(key("user:/k"), "2"))), store.load().pins());
  }

  @Test
  void putPin_keyGivenInNonCanonicalForm_isStoredCanonicallyAndDeletableByEitherForm() {
    store.apply(batch().putNode(top(cluster("a"))).putPin("a", Pin.of(key("user:/app//x/./y/../#10"), "1")).build());

    assertEquals(key("user:/app/x/#_10"), store.load().pins().get(0).pin().key());
    store.apply(batch().deletePin("a", key("user:/app/x/#_10")).build());
    assertEquals(List.of(), store.load().pins());
  }

  // ------------------------------------------------------------------ history

  @Test
  void history_appended_getsIncreasingSeqFromOneAndIgnoresGivenSeq() {
    store.apply(batch().putNode(top(cluster("a"))).history(entry("a", "create").withSeq(99)).build());
    store.apply(batch().history(entry("a", "pin")).history(entry("b", "create")).build());

    List<HistoryEntry> all = store.history(Optional.empty(), Long.MAX_VALUE, 10);

    assertEquals(List.of(3L, 2L, 1L), seqs(all));
    assertEquals(entry("a", "create").withSeq(1), all.get(2));
    assertEquals(List.of("b", "a", "a"), all.stream().map(HistoryEntry::node).toList());
  }

  @Test
  void history_ofNodeNobodyKnows_isAccepted() {
    // history outlives nodes: entries may name nodes that were deleted or never stored
    store.apply(batch().history(entry("gone", "delete")).build());

    assertEquals(1, store.history(Optional.of("gone"), Long.MAX_VALUE, 10).size());
  }

  @Test
  void history_paging_returnsNewestFirstBelowBeforeSeq() {
    for (int i = 0; i < 10; i++) {
      store.apply(batch().history(entry(i % 2 == 0 ? "even" : "odd", "op" + i)).build());
    }

    assertEquals(List.of(10L, 9L, 8L), seqs(store.history(Optional.empty(), Long.MAX_VALUE, 3)));
    assertEquals(List.of(7L, 6L, 5L), seqs(store.history(Optional.empty(), 8, 3)));
    assertEquals(List.of(2L, 1L), seqs(store.history(Optional.empty(), 3, 3)));
    assertEquals(List.of(), seqs(store.history(Optional.empty(), 1, 3)));
    assertEquals(List.of(), seqs(store.history(Optional.empty(), Long.MIN_VALUE, 3)));
  }

  @Test
  void history_ofOneNode_returnsOnlyItsEntriesNewestFirst() {
    for (int i = 0; i < 10; i++) {
      store.apply(batch().history(entry(i % 2 == 0 ? "even" : "odd", "op" + i)).build());
    }

    assertEquals(List.of(10L, 8L, 6L, 4L, 2L), seqs(store.history(Optional.of("odd"), Long.MAX_VALUE, 100)));
    assertEquals(List.of(5L, 3L), seqs(store.history(Optional.of("even"), 7, 2)));
    assertEquals(List.of(), store.history(Optional.of("nobody"), Long.MAX_VALUE, 100));
  }

  @Test
  void history_limitZero_isEmptyAndNegativeLimitIsRefused() {
    store.apply(batch().history(entry("a", "op")).build());

    assertEquals(List.of(), store.history(Optional.empty(), Long.MAX_VALUE, 0));
    assertThrows(IllegalArgumentException.class, () -> store.history(Optional.empty(), Long.MAX_VALUE, -1));
  }

  @Test
  void history_timeWithNanos_isKeptToTheMillisecond() {
    Instant precise = Instant.parse("2025-01-02T03:04:05.678999999Z");
    Instant beforeEpoch = Instant.parse("1969-12-31T23:59:59.999500Z");
    store.apply(batch()
        .history(new HistoryEntry(0, precise, Optional.empty(), "a", "op", Optional.empty(), Optional.empty(),
            Optional.empty(), ""))
        .history(new HistoryEntry(0, beforeEpoch, Optional.empty(), "a", "op", Optional.empty(), Optional.empty(),
            Optional.empty(), "")).build());

    List<HistoryEntry> all = store.history(Optional.empty(), Long.MAX_VALUE, 10);

    assertEquals(Instant.parse("2025-01-02T03:04:05.678Z"), all.get(1).time());
    assertEquals(Instant.parse("1969-12-31T23:59:59.999Z"), all.get(0).time());
  }

  @Test
  void history_emptyAndAbsentOptionals_stayDistinct() {
    HistoryEntry absent = new HistoryEntry(0, T0, Optional.empty(), "a", "op", Optional.empty(), Optional.empty(),
        Optional.empty(), "");
    HistoryEntry empty = new HistoryEntry(0, T0, Optional.of(""), "a", "op", Optional.of(""), Optional.of(""),
        Optional.of(""), "");

    store.apply(batch().history(absent).history(empty).build());

    assertEquals(List.of(empty.withSeq(2), absent.withSeq(1)), store.history(Optional.empty(), Long.MAX_VALUE, 10));
  }

  @Test
  void history_pinsBefore_roundTripWithValueMetadataAndAbsence() {
    KeyName port = KeyName.parse("user:/app/port");
    KeyName host = KeyName.parse("user:/app/host");
    HistoryEntry moved = new HistoryEntry(0, T0, Optional.empty(), "a", "move", Optional.of("user:/app/port"),
        Optional.empty(), Optional.of("user:/app/host"), "accepted", List.of(
            HistoryEntry.PinBefore.of(new Pin(port, "", Map.of("check/type", "long", "description", "the \"port\""))),
            HistoryEntry.PinBefore.absent(host)));
    HistoryEntry plain = new HistoryEntry(0, T0, Optional.empty(), "a", "sync", Optional.empty(), Optional.empty(),
        Optional.empty(), "accepted");

    store.apply(batch().history(moved).history(plain).build());

    assertEquals(List.of(plain.withSeq(2), moved.withSeq(1)), store.history(Optional.empty(), Long.MAX_VALUE, 10));
  }

  // ------------------------------------------------------------------ pending deliveries

  @Test
  void putPending_addReplaceAndDelete_keepsOrderOfFirstWrite() {
    store.apply(batch().putNode(top(instance("web-1"))).putNode(top(instance("web-2")))
        .putPending(pending("web-1", 1)).putPending(pending("web-2", 1)).putPending(pending("web-1", 2)).build());
    PendingDelivery retried = new PendingDelivery("web-1", 1, KeyOperation.delete(key("user:/old")), T0.plusSeconds(5),
        "timeout");

    store.apply(batch().putPending(retried).deletePending("web-2", 1).deletePending("web-2", 99).build());

    assertEquals(List.of(retried, pending("web-1", 2)), store.load().pending());
  }

  @Test
  void putPending_everyKindOfOperation_roundTrips() {
    List<KeyOperation> operations = List.of(
        KeyOperation.set(key("user:/a"), "1"),
        KeyOperation.set(key("system:/a"), ""),
        KeyOperation.delete(key("dir:/a/b")),
        KeyOperation.move(key("user:/from"), key("user:/to/x")),
        KeyOperation.copy(key("spec:/from"), key("spec:/to")),
        KeyOperation.setMeta(key("user:/a"), "check/type", "long"),
        KeyOperation.deleteMeta(key("user:/a"), "order"),
        KeyOperation.set(KeyName.of(Namespace.USER, List.of("with/slash", "back\\slash", "#1", "%", ".", "ünï")),
            "x"));
    StoreChanges.Builder changes = batch().putNode(top(instance("web-1")));
    List<PendingDelivery> expected = new ArrayList<>();
    for (int i = 0; i < operations.size(); i++) {
      PendingDelivery delivery = new PendingDelivery("web-1", i, operations.get(i), T0, "reason " + i);
      expected.add(delivery);
      changes.putPending(delivery);
    }

    store.apply(changes.build());

    assertEquals(expected, store.load().pending());
  }

  // ------------------------------------------------------------------ atomicity and integrity

  @Test
  void apply_pinOfMissingCluster_refusesWholeBatch() {
    store.apply(batch().putNode(top(cluster("a"))).history(entry("a", "create")).build());

    assertRefused(batch().putNode(top(cluster("b"))).deleteNode("a").history(entry("b", "create"))
        .putPin("nope", Pin.of(key("user:/x"), "1")).build());
  }

  @Test
  void apply_pendingForMissingInstance_refusesWholeBatch() {
    store.apply(batch().putNode(top(instance("web-1"))).build());

    assertRefused(batch().putPending(pending("web-1", 1)).putPending(pending("web-9", 1)).build());
  }

  @Test
  void apply_nodeWithMissingParent_refusesWholeBatch() {
    store.apply(batch().putNode(top(cluster("a"))).build());

    assertRefused(batch().putNode(top(cluster("b"))).putNode(under("nope", instance("web-1"))).build());
  }

  @Test
  void apply_deletingClusterThatKeepsAChild_refusesWholeBatch() {
    store.apply(batch().putNode(top(cluster("a"))).putNode(under("a", instance("web-1"))).build());

    assertRefused(batch().deleteNode("a").history(entry("a", "delete")).build());
  }

  @Test
  void apply_pinOfClusterDeletedInSameBatch_refusesWholeBatch() {
    store.apply(batch().putNode(top(cluster("a"))).build());

    assertRefused(batch().deleteNode("a").putPin("a", Pin.of(key("user:/x"), "1")).build());
  }

  @Test
  void apply_unpairedSurrogate_refusesWholeBatch() {
    store.apply(batch().putNode(top(cluster("a"))).build());

    assertRefused(batch().putNode(top(cluster("b"))).putPin("a", Pin.of(key("user:/x"), "bad \ud800 value")).build());
    assertRefused(batch().putNode(top(new Cluster("c", "C", "", Map.of("k", "\udc00"), List.of()))).build());
  }

  @Test
  void apply_afterRefusedBatch_continuesNumberingWithoutGaps() {
    store.apply(batch().putNode(top(cluster("a"))).history(entry("a", "create")).build());
    assertThrows(ClusterdException.class, () -> store.apply(batch().history(entry("a", "x"))
        .putPin("nope", Pin.of(key("user:/x"), "1")).build()));

    store.apply(batch().history(entry("a", "pin")).build());

    assertEquals(List.of(2L, 1L), seqs(store.history(Optional.empty(), Long.MAX_VALUE, 10)));
  }

  @Test
  void apply_emptyBatch_changesNothing() {
    store.apply(batch().build());

    assertEquals(new StoreSnapshot(List.of(), List.of(), List.of()), store.load());
  }

  // ------------------------------------------------------------------ exact values

  @Test
  void apply_unusualStrings_arePreservedExactly() {
    String[] texts = {"", " ", "  padded  ", "ünïcødé ✓", "emoji 😀👍🏽", "日本語", "nul\u0000inside", "line\nbreak\ttab",
        "{\"json\":\"looking\"}", "{}", "null", "'quotes' \"double\" \\back\\", "\u202eright-to-left", "%s %n"};
    Map<String, String> labels = new java.util.HashMap<>();
    for (int i = 0; i < texts.length; i++) {
      labels.put(i == 0 ? "" : texts[i] + "#" + i, texts[i]);
    }
    Cluster cluster = new Cluster("c", "Ünïcødé 😀 name", "", labels, List.of());
    Instance instance = new Instance("web-1", "web", "desc \u0000 😀", Map.of("", ""),
        Endpoint.parse("https://GW.example/elektrad/web-1/"), "http", "advanced");
    StoreChanges.Builder changes = batch().putNode(top(cluster)).putNode(under("c", instance));
    List<PinRecord> pins = new ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      Pin pin = new Pin(KeyName.of(Namespace.SYSTEM, List.of("app", texts[i].replace("\u0000", ""), "k" + i)), texts[i],
          Map.of(texts[i].isEmpty() ? "empty" : texts[i], texts[texts.length - 1 - i]));
      pins.add(new PinRecord("c", pin));
      changes.putPin("c", pin);
    }
    HistoryEntry unusual = new HistoryEntry(0, T0, Optional.of("ünï 😀"), "c", "set", Optional.of("user:/ü"),
        Optional.of("nul\u0000inside"), Optional.of(""), "{}");

    store.apply(changes.history(unusual).putPending(new PendingDelivery("web-1", 7,
        KeyOperation.setMeta(key("user:/ü"), "meta 😀", "nul\u0000inside"), T0, "")).build());

    StoreSnapshot snapshot = store.load();
    assertEquals(List.of(top(cluster), under("c", instance)), snapshot.nodes());
    assertEquals(pins, snapshot.pins());
    assertEquals(List.of(unusual.withSeq(1)), store.history(Optional.empty(), Long.MAX_VALUE, 10));
    assertEquals("", snapshot.pending().get(0).reason());
    assertEquals("nul\u0000inside", snapshot.pending().get(0).operation().value().orElseThrow());
  }

  @Test
  void apply_instanceFields_arePreserved() {
    Instance custom = new Instance("i1", "Custom", "a host", Map.of("rack", "r1"),
        Endpoint.parse("mem://demo/i1"), "mem", "user");
    Instance defaults = Instance.of("i2", "Defaults", Endpoint.parse("http://10.0.0.5"));

    store.apply(batch().putNode(top(custom)).putNode(top(defaults)).build());

    assertEquals(List.of(top(custom), top(defaults)), store.load().nodes());
    assertEquals("http://10.0.0.5:80", ((Instance) store.load().nodes().get(1).node()).endpoint().toString());
  }

  // ------------------------------------------------------------------ lifecycle and threads

  @Test
  void close_thenAnyCall_failsWithStoreFailureAndCloseIsIdempotent() {
    store.close();
    store.close();

    assertEquals(ErrorCode.STORE_FAILURE, assertThrows(ClusterdException.class, () -> store.load()).code());
    assertEquals(ErrorCode.STORE_FAILURE,
        assertThrows(ClusterdException.class, () -> store.apply(batch().deleteNode("a").build())).code());
    assertEquals(ErrorCode.STORE_FAILURE,
        assertThrows(ClusterdException.class, () -> store.history(Optional.empty(), Long.MAX_VALUE, 1)).code());
  }

  @Test
  void history_readWhileAnotherThreadApplies_alwaysSeesConsistentNewestFirstPages() throws Exception {
    int batches = 300;
    AtomicBoolean done = new AtomicBoolean();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread writer = new Thread(() -> {
      try {
        store.apply(batch().putNode(top(cluster("a"))).build());
        for (int i = 0; i < batches; i++) {
          store.apply(batch().putPin("a", Pin.of(key("user:/k/" + i), "v")).history(entry("a", "pin"))
              .history(entry("b", "other")).build());
        }
      } catch (Throwable t) {
        failures.add(t);
      } finally {
        done.set(true);
      }
    });
    writer.start();
    long lastNewest = 0;
    while (!done.get()) {
      List<HistoryEntry> page = store.history(Optional.of("a"), Long.MAX_VALUE, 20);
      for (int i = 1; i < page.size(); i++) {
        assertTrue(page.get(i - 1).seq() > page.get(i).seq(), "newest first");
      }
      if (!page.isEmpty()) {
        assertTrue(page.get(0).seq() >= lastNewest, "history never goes back in time");
        lastNewest = page.get(0).seq();
      }
      StoreSnapshot snapshot = store.load();
      assertTrue(snapshot.pins().size() <= batches);
    }
    writer.join();
    assertEquals(List.of(), failures);
    assertEquals(batches, store.history(Optional.of("a"), Long.MAX_VALUE, Integer.MAX_VALUE).size());
    assertEquals(2L * batches, store.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE).size());
  }
}

package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.FanOutResult;
import io.clusterd.HistoryEntry;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreSnapshot;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conflict rules C0-C8 of docs/semantics.md section 3 on a tree five levels deep, with instances at several levels,
 * whose writes really reach in-memory hosts:
 *
 * <pre>
 * root                      pins user:/app/port=80
 * ├─ eu                     (region)
 * │  ├─ eu-a                (zone)   pins user:/app/log=info
 * │  │  ├─ rack-1                    pins user:/db/host=db-eu-1
 * │  │  │  ├─ web-1
 * │  │  │  └─ web-2
 * │  │  └─ rack-2
 * │  │     └─ web-3
 * │  └─ edge-1              (instance directly under the region)
 * ├─ us
 * │  └─ us-a
 * │     └─ rack-3                    pins user:/db/host=db-us
 * │        └─ web-4
 * └─ ops                    (instance directly under the root)
 * lone                      (top-level instance)
 * </pre>
 *
 * <p>Every refused change is checked to leave the registry, the pins, the store and the hosts unchanged, and to
 * be reported identically by a dry run.
 */
class ConflictRulesTest {

  private static final KeyName APP_PORT = KeyName.parse("user:/app/port");
  private static final KeyName APP_LOG = KeyName.parse("user:/app/log");
  private static final KeyName DB_HOST = KeyName.parse("user:/db/host");
  private static final List<String> INSTANCES = List.of("web-1", "web-2", "web-3", "edge-1", "web-4", "ops", "lone");

  private final MemTransportFactory mem = new MemTransportFactory();
  private MemoryStore store;
  private Clusterd clusterd;

  @BeforeEach
  void buildTree() {
    store = new MemoryStore();
    clusterd = Clusterd.builder().store(store).transport(mem).reconcileEvery(Duration.ZERO).maxAttempts(1).build();
    cluster("root", null);
    cluster("eu", "root");
    cluster("eu-a", "eu");
    cluster("rack-1", "eu-a");
    cluster("rack-2", "eu-a");
    cluster("us", "root");
    cluster("us-a", "us");
    cluster("rack-3", "us-a");
    instance("web-1", "rack-1");
    instance("web-2", "rack-1");
    instance("web-3", "rack-2");
    instance("edge-1", "eu");
    instance("web-4", "rack-3");
    instance("ops", "root");
    instance("lone", null);
    pin("root", APP_PORT, "80");
    pin("eu-a", APP_LOG, "info");
    pin("rack-1", DB_HOST, "db-eu-1");
    pin("rack-3", DB_HOST, "db-us");
    assertEquals(List.of(), clusterd.checkInvariants());
  }

  @AfterEach
  void close() {
    clusterd.close();
  }

  // ------------------------------------------------------------------------------------------- helpers

  private void cluster(String id, String parent) {
    ClusterSpec spec = ClusterSpec.of(id).withId(id);
    clusterd.createCluster(parent == null ? spec : spec.withParent(parent));
  }

  private void instance(String id, String parent) {
    clusterd.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
    if (parent != null) {
      clusterd.attach(parent, id);
    }
  }

  private FanOutResult pin(String cluster, KeyName key, String value) {
    return ok(new Change.WriteCluster(cluster, KeyOperation.set(key, value), false)).fanOut();
  }

  private ChangeResult ok(Change change) {
    ChangeResult result = clusterd.apply(change).join();
    assertTrue(result.plan().accepted());
    assertEquals(List.of(), clusterd.checkInvariants());
    return result;
  }

  private Optional<String> hostValue(String host, KeyName key) {
    return mem.database(host).get(key).map(KeyDatabase.Entry::value);
  }

  private static Set<String> ids(List<? extends Node> nodes) {
    return nodes.stream().map(Node::id).collect(Collectors.toSet());
  }

  private Set<String> childrenOf(String cluster) {
    return ids(clusterd.cluster(cluster).children());
  }

  private Map<String, String> locks(String instance) {
    Map<String, String> out = new TreeMap<>();
    for (EffectivePin p : clusterd.effectivePins(instance)) {
      out.put(p.key() + "=" + p.pin().value(), p.lockedBy());
    }
    return out;
  }

  /** Everything a refused change must leave as it was. */
  private record State(List<Node> forest, Map<String, List<Pin>> pins, StoreSnapshot stored,
      List<HistoryEntry> history, Map<String, SortedMap<KeyName, KeyDatabase.Entry>> hosts) { }

  private State state() {
    Map<String, List<Pin>> pins = new TreeMap<>();
    for (Cluster c : clusterd.clusters()) {
      pins.put(c.id(), clusterd.pins(c.id()));
    }
    Map<String, SortedMap<KeyName, KeyDatabase.Entry>> hosts = new TreeMap<>();
    for (String host : INSTANCES) {
      hosts.put(host, mem.database(host).snapshot());
    }
    return new State(clusterd.forest(), pins, store.load(), clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000),
        hosts);
  }

  /**
   * Applies a change that must be refused; checks that the dry run reports the same conflicts and that nothing
   * changed anywhere.
   */
  private ClusterdException refused(Change change) {
    State before = state();
    Plan plan = clusterd.plan(change);
    ClusterdException e = assertThrows(ClusterdException.class, () -> clusterd.apply(change));
    assertFalse(plan.accepted());
    assertEquals(e.conflicts(), plan.conflicts(), "the dry run reports what apply reports");
    assertEquals(e.code(), e.conflicts().get(0).code());
    assertEquals(before, state(), "a refused change changes nothing");
    assertEquals(List.of(), clusterd.checkInvariants());
    return e;
  }

  private static Set<ErrorCode> codes(ClusterdException e) {
    return e.conflicts().stream().map(Conflict::code).collect(Collectors.toSet());
  }

  private static Set<Map<String, Object>> details(ClusterdException e) {
    return e.conflicts().stream().map(Conflict::details).collect(Collectors.toSet());
  }

  private static Map<String, Object> lockedBy(KeyName key, String cluster) {
    return Map.of("key", key.toString(), "lockedBy", cluster);
  }

  // ------------------------------------------------------------------------------------------- C0

  @Nested
  class C0NamespaceNotWritable {

    @Test
    void writeCluster_cascadingKey_namespaceNotWritableNamingTheWritableNamespaces() {
      ClusterdException e = refused(new Change.WriteCluster("root",
          KeyOperation.set(KeyName.parse("/app/port"), "1"), false));

      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
      assertEquals(400, e.httpStatus());
      assertEquals(1, e.conflicts().size());
      assertEquals(Map.of("key", "/app/port", "namespace", "cascading"), e.details());
      for (String ns : List.of("user:/", "system:/", "dir:/", "spec:/")) {
        assertTrue(e.getMessage().contains(ns), e.getMessage());
      }
    }

    @ParameterizedTest
    @CsvSource({"proc:/app/x, proc", "default:/app/x, default", "meta:/app/x, meta", "/app/x, cascading"})
    void writeInstance_unwritableNamespace_namespaceNotWritable(String key, String namespace) {
      ClusterdException e = refused(new Change.WriteInstance("lone", KeyOperation.set(KeyName.parse(key), "1")));

      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
      assertEquals(Map.of("key", KeyName.parse(key).toString(), "namespace", namespace), e.details());
    }

    @Test
    void writeInstance_moveIntoProc_namespaceNotWritable() {
      mem.database("lone").set(KeyName.parse("user:/tmp/x"), "1");

      ClusterdException e = refused(new Change.WriteInstance("lone",
          KeyOperation.move(KeyName.parse("user:/tmp"), KeyName.parse("proc:/tmp"))));

      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
      assertEquals("proc:/tmp", e.details().get("key"));
    }

    @Test
    void writeCluster_cascadingKeyWithForce_stillRefused() {
      ClusterdException e = refused(new Change.WriteCluster("rack-2",
          KeyOperation.delete(KeyName.parse("/db")), true));

      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
    }

    @Test
    void writeCluster_writableNamespaces_acceptedAndReachTheHosts() {
      for (String key : List.of("user:/n/x", "system:/n/x", "dir:/n/x", "spec:/n/x")) {
        FanOutResult r = pin("rack-2", KeyName.parse(key), "v");

        assertEquals(200, r.status());
        assertEquals(Optional.of("v"), hostValue("web-3", KeyName.parse(key)));
      }
    }
  }

  // ------------------------------------------------------------------------------------------- C1

  @Nested
  class C1InstanceWriteOnLockedKey {

    @Test
    void setInstanceKey_lockedAtEveryLevel_keyLockedNamingTheLockingCluster() {
      Map<KeyName, String> expected = Map.of(DB_HOST, "rack-1", APP_LOG, "eu-a", APP_PORT, "root");
      for (Map.Entry<KeyName, String> lock : expected.entrySet()) {
        ClusterdException e = refused(new Change.WriteInstance("web-1", KeyOperation.set(lock.getKey(), "mine")));

        assertEquals(ErrorCode.KEY_LOCKED, e.code());
        assertEquals(409, e.httpStatus());
        assertEquals(lockedBy(lock.getKey(), lock.getValue()), e.details());
        assertTrue(e.getMessage().contains(lock.getValue()), e.getMessage());
        assertEquals(Optional.of(lock.getValue()), clusterd.lockOf("web-1", lock.getKey()));
      }
    }

    @Test
    void setInstanceKey_instanceDirectlyUnderRegion_lockedByRoot() {
      ClusterdException e = refused(new Change.WriteInstance("edge-1", KeyOperation.set(APP_PORT, "81")));

      assertEquals(lockedBy(APP_PORT, "root"), e.details());
    }

    @Test
    void setInstanceKey_unlockedKey_reachesTheHost() {
      ChangeResult r = ok(new Change.WriteInstance("web-1", KeyOperation.set(KeyName.parse("user:/app/free"), "1")));

      assertEquals(200, r.fanOut().status());
      assertEquals(Optional.of("1"), hostValue("web-1", KeyName.parse("user:/app/free")));
    }

    @Test
    void setInstanceKey_parentOrSiblingOfLockedKey_accepted() {
      ok(new Change.WriteInstance("web-1", KeyOperation.set(KeyName.parse("user:/app"), "parent")));
      ok(new Change.WriteInstance("web-1", KeyOperation.set(KeyName.parse("user:/app/portal"), "sibling")));

      assertEquals(Optional.of("parent"), hostValue("web-1", KeyName.parse("user:/app")));
      assertEquals(Optional.of("80"), hostValue("web-1", APP_PORT));
    }

    @Test
    void deleteInstanceKey_lockedKeysBelow_keyLockedListsEveryLock() {
      ClusterdException e = refused(new Change.WriteInstance("web-1", KeyOperation.delete(KeyName.parse("user:/"))));

      assertEquals(Set.of(ErrorCode.KEY_LOCKED), codes(e));
      assertEquals(Set.of(lockedBy(APP_LOG, "eu-a"), lockedBy(APP_PORT, "root"), lockedBy(DB_HOST, "rack-1")),
          details(e));
    }

    @Test
    void moveInstanceKey_outOfSubtreeWithLockedKey_keyLocked() {
      ClusterdException e = refused(new Change.WriteInstance("web-3",
          KeyOperation.move(KeyName.parse("user:/app"), KeyName.parse("user:/old"))));

      assertEquals(Set.of(lockedBy(APP_LOG, "eu-a"), lockedBy(APP_PORT, "root")), details(e));
    }

    @Test
    void moveInstanceKey_intoSubtreeWithLockedKey_keyLocked() {
      mem.database("web-1").set(KeyName.parse("user:/tmp/host"), "x");

      ClusterdException e = refused(new Change.WriteInstance("web-1",
          KeyOperation.move(KeyName.parse("user:/tmp"), KeyName.parse("user:/db"))));

      assertEquals(ErrorCode.KEY_LOCKED, e.code());
      assertEquals(lockedBy(DB_HOST, "rack-1"), e.details());
    }

    @Test
    void copyInstanceKey_ontoLockedKey_keyLocked() {
      ClusterdException e = refused(new Change.WriteInstance("web-4",
          KeyOperation.copy(KeyName.parse("user:/tmp/host"), DB_HOST)));

      assertEquals(lockedBy(DB_HOST, "rack-3"), e.details());
    }

    @Test
    void setMetaInstanceKey_lockedKey_keyLocked() {
      ClusterdException e = refused(new Change.WriteInstance("web-2",
          KeyOperation.setMeta(APP_PORT, "check/type", "long")));

      assertEquals(lockedBy(APP_PORT, "root"), e.details());
    }

    @Test
    void setInstanceKey_topLevelInstance_neverLocked() {
      ok(new Change.WriteInstance("lone", KeyOperation.set(APP_PORT, "8080")));

      assertEquals(Optional.empty(), clusterd.lockOf("lone", APP_PORT));
      assertEquals(Optional.of("8080"), hostValue("lone", APP_PORT));
    }

    @Test
    void setInstanceKey_afterDetach_unlockedAndPinnedValuesStayOnTheHost() {
      ok(new Change.Detach("rack-1", "web-1"));

      assertEquals(List.of(), clusterd.effectivePins("web-1"));
      assertEquals(Optional.of("db-eu-1"), hostValue("web-1", DB_HOST));
      assertEquals(Optional.of("80"), hostValue("web-1", APP_PORT));
      ok(new Change.WriteInstance("web-1", KeyOperation.set(DB_HOST, "local")));
      assertEquals(Optional.of("local"), hostValue("web-1", DB_HOST));
    }
  }

  // ------------------------------------------------------------------------------------------- C2

  @Nested
  class C2ClusterPinLockedAbove {

    @Test
    void pin_ancestorThreeLevelsUpLocksKey_keyLockedNamingAncestor() {
      ClusterdException e = refused(new Change.WriteCluster("rack-1", KeyOperation.set(APP_PORT, "81"), false));

      assertEquals(ErrorCode.KEY_LOCKED, e.code());
      assertEquals(1, e.conflicts().size());
      assertEquals(lockedBy(APP_PORT, "root"), e.details());
    }

    @Test
    void pin_ancestorLocksKey_forceDoesNotOverrideALockAbove() {
      ClusterdException e = refused(new Change.WriteCluster("rack-2", KeyOperation.set(APP_LOG, "debug"), true));

      assertEquals(ErrorCode.KEY_LOCKED, e.code());
      assertEquals(lockedBy(APP_LOG, "eu-a"), e.details());
    }

    @Test
    void setMetaOnCluster_ancestorLocksKey_keyLocked() {
      ClusterdException e = refused(new Change.WriteCluster("us-a",
          KeyOperation.setMeta(APP_PORT, "check/type", "long"), false));

      assertEquals(lockedBy(APP_PORT, "root"), e.details());
    }

    @Test
    void deleteMetaOnCluster_ancestorLocksKey_keyLockedLikeSetMeta() {
      ClusterdException e = refused(new Change.WriteCluster("us-a",
          KeyOperation.deleteMeta(APP_PORT, "check/type"), false));

      assertEquals(ErrorCode.KEY_LOCKED, e.code());
      assertEquals(lockedBy(APP_PORT, "root"), e.details());
    }

    @Test
    void unpinSubtree_ancestorLocksKeyBelow_keyLocked() {
      ClusterdException e = refused(new Change.WriteCluster("eu-a",
          KeyOperation.delete(KeyName.parse("user:/app")), false));

      assertEquals(Set.of(lockedBy(APP_PORT, "root")), details(e));
    }

    @Test
    void pin_siblingBranchPinsSameKey_accepted() {
      ok(new Change.WriteCluster("rack-2", KeyOperation.set(DB_HOST, "db-eu-2"), false));

      assertEquals("rack-2", locks("web-3").get("user:/db/host=db-eu-2"));
      assertEquals("rack-1", locks("web-1").get("user:/db/host=db-eu-1"));
      assertEquals(Optional.of("db-eu-2"), hostValue("web-3", DB_HOST));
      assertEquals(Optional.of("db-eu-1"), hostValue("web-1", DB_HOST));
    }
  }

  // ------------------------------------------------------------------------------------------- C3

  @Nested
  class C3ClusterPinPinnedBelow {

    @BeforeEach
    void rack2PinsDbHost() {
      pin("rack-2", DB_HOST, "db-eu-2");
    }

    @Test
    void pin_descendantsAtSeveralDepthsPinKey_keyPinnedBelowListsThem() {
      ClusterdException e = refused(new Change.WriteCluster("root", KeyOperation.set(DB_HOST, "db"), false));

      assertEquals(ErrorCode.KEY_PINNED_BELOW, e.code());
      assertEquals(409, e.httpStatus());
      assertEquals(1, e.conflicts().size());
      assertEquals(Map.of("key", DB_HOST.toString(), "cluster", "root",
          "clusters", List.of("rack-1", "rack-2", "rack-3")), e.details());
    }

    @Test
    void pin_keyPinnedInAnotherBranch_onlyDescendantsListed() {
      ClusterdException e = refused(new Change.WriteCluster("eu", KeyOperation.set(DB_HOST, "db"), false));

      assertEquals(List.of("rack-1", "rack-2"), e.details().get("clusters"));
    }

    @Test
    void pin_descendantsPinKeyWithForce_lowerPinsRemovedAndOwnershipTaken() {
      FanOutResult r = ok(new Change.WriteCluster("root", KeyOperation.set(DB_HOST, "db"), true)).fanOut();

      assertEquals(200, r.status());
      assertEquals(new FanOutResult.Summary(6, 6, 0), r.summary());
      for (String rack : List.of("rack-1", "rack-2", "rack-3")) {
        assertTrue(clusterd.pins(rack).stream().noneMatch(p -> p.key().equals(DB_HOST)), rack);
      }
      assertEquals(List.of(Pin.of(DB_HOST, "db")),
          clusterd.pins("root").stream().filter(p -> p.key().equals(DB_HOST)).toList());
      for (String i : List.of("web-1", "web-2", "web-3", "edge-1", "web-4", "ops")) {
        assertEquals(Optional.of("root"), clusterd.lockOf(i, DB_HOST), i);
        assertEquals(Optional.of("db"), hostValue(i, DB_HOST), i);
      }
      Set<String> storedPinners = store.load().pins().stream()
          .filter(p -> p.pin().key().equals(DB_HOST)).map(StoreChanges.PinRecord::cluster).collect(Collectors.toSet());
      assertEquals(Set.of("root"), storedPinners);
    }

    @Test
    void unpinSubtree_descendantPinsKeyBelow_keyPinnedBelow() {
      ClusterdException e = refused(new Change.WriteCluster("eu", KeyOperation.delete(KeyName.parse("user:/db")),
          false));

      assertEquals(Map.of("key", DB_HOST.toString(), "cluster", "eu", "clusters", List.of("rack-1", "rack-2")),
          e.details());
    }

    @Test
    void unpinSubtree_descendantPinsKeyBelowWithForce_lowerPinsRemovedAndKeysDeletedOnHosts() {
      ok(new Change.WriteCluster("eu", KeyOperation.delete(KeyName.parse("user:/db")), true));

      assertEquals(List.of(), clusterd.pins("rack-1"));
      assertEquals(List.of(), clusterd.pins("rack-2"));
      assertEquals(Optional.empty(), hostValue("web-1", DB_HOST));
      assertEquals(Optional.empty(), hostValue("web-3", DB_HOST));
      assertEquals(Optional.of("db-us"), hostValue("web-4", DB_HOST), "outside the cluster nothing changes");
      assertEquals(List.of(Pin.of(DB_HOST, "db-us")), clusterd.pins("rack-3"));
    }

    @Test
    void writeCluster_lockedAboveOrPinnedBelow_everyConflictReported() {
      pin("us-a", APP_LOG, "warn");

      ClusterdException e = refused(new Change.WriteCluster("us", KeyOperation.set(APP_PORT, "1"), false));
      assertEquals(Set.of(ErrorCode.KEY_LOCKED), codes(e));

      ClusterdException both = refused(new Change.WriteCluster("eu", KeyOperation.set(APP_LOG, "x"), false));
      assertEquals(Set.of(ErrorCode.KEY_PINNED_BELOW), codes(both));

      pin("rack-1", KeyName.parse("user:/app/y"), "1");
      ClusterdException two = refused(new Change.WriteCluster("eu-a",
          KeyOperation.delete(KeyName.parse("user:/app")), false));
      assertEquals(Set.of(ErrorCode.KEY_LOCKED, ErrorCode.KEY_PINNED_BELOW), codes(two));
      assertEquals(Set.of(lockedBy(APP_PORT, "root"), Map.of("key", "user:/app/y", "cluster", "eu-a",
          "clusters", List.of("rack-1"))), details(two));
    }
  }

  // ------------------------------------------------------------------------------------------- C4

  @Nested
  class C4Cycle {

    @Test
    void attach_rootUnderItsRack_cycle() {
      ClusterdException e = refused(new Change.Attach("rack-1", "root", false));

      assertEquals(ErrorCode.CYCLE, e.code());
      assertEquals(409, e.httpStatus());
      assertEquals(List.of(Conflict.of(ErrorCode.CYCLE, e.getMessage(), Map.of("id", "root", "parent", "rack-1"))),
          e.conflicts());
    }

    @Test
    void attach_clusterUnderItself_cycle() {
      cluster("solo", null);

      ClusterdException e = refused(new Change.Attach("solo", "solo", false));

      assertEquals(Map.of("id", "solo", "parent", "solo"), e.details());
    }

    @Test
    void move_regionUnderItsOwnRack_cycleAndRegionStays() {
      ClusterdException e = refused(new Change.Move("eu", Optional.of("rack-2"), true));

      assertEquals(Set.of(ErrorCode.CYCLE), codes(e));
      assertEquals(Optional.of("root"), clusterd.parentOf("eu"));
    }

    @Test
    void createCluster_memberIsAncestorOfParent_cycleAndNotCreated() {
      ClusterdException e = refused(new Change.CreateCluster(
          ClusterSpec.of("x").withId("x").withParent("rack-3").withMembers(List.of("root"))));

      assertEquals(Map.of("id", "root", "parent", "x"), e.details());
      assertEquals(Optional.empty(), clusterd.node("x"));
    }

    @Test
    void attach_nodeWithParentUnderItsDescendant_cycleAndAlreadyInClusterBothReported() {
      ClusterdException e = refused(new Change.Attach("rack-1", "eu", false));

      assertEquals(Set.of(ErrorCode.ALREADY_IN_CLUSTER, ErrorCode.CYCLE), codes(e));
    }
  }

  // ------------------------------------------------------------------------------------------- C5

  @Nested
  class C5AlreadyInCluster {

    @Test
    void attach_instanceWithParent_alreadyInClusterNamingTheParent() {
      ClusterdException e = refused(new Change.Attach("rack-2", "web-1", false));

      assertEquals(ErrorCode.ALREADY_IN_CLUSTER, e.code());
      assertEquals(409, e.httpStatus());
      assertEquals(Map.of("id", "web-1", "cluster", "rack-1"), e.details());
    }

    @Test
    void attach_clusterWithParent_alreadyInCluster() {
      ClusterdException e = refused(new Change.Attach("us", "eu-a", false));

      assertEquals(Map.of("id", "eu-a", "cluster", "eu"), e.details());
    }

    @Test
    void move_instanceWithParent_movedAtomicallyWithTheNewLocks() {
      pin("rack-2", DB_HOST, "db-eu-2");

      ChangeResult r = ok(new Change.Move("web-1", Optional.of("rack-2"), false));

      assertEquals(200, r.fanOut().status());
      assertEquals(Optional.of("rack-2"), clusterd.parentOf("web-1"));
      assertEquals(Set.of("web-2"), childrenOf("rack-1"));
      assertEquals(Set.of("web-1", "web-3"), childrenOf("rack-2"));
      assertEquals(Optional.of("rack-2"), clusterd.lockOf("web-1", DB_HOST));
      assertEquals(Optional.of("db-eu-2"), hostValue("web-1", DB_HOST));
      assertEquals(Optional.of(new NodeRecord(clusterd.instance("web-1"), Optional.of("rack-2"))),
          store.load().nodes().stream().filter(n -> n.id().equals("web-1")).findFirst());
    }

    @Test
    void move_toTopLevel_detachedAndUnlocked() {
      ok(new Change.Move("rack-1", Optional.empty(), false));

      assertEquals(Optional.empty(), clusterd.parentOf("rack-1"));
      assertTrue(ids(clusterd.forest()).contains("rack-1"));
      assertEquals(Map.of("user:/db/host=db-eu-1", "rack-1"), locks("web-1"));
    }

    @Test
    void createCluster_memberAlreadyInCluster_refusedAndNotCreated() {
      ClusterdException e = refused(new Change.CreateCluster(
          ClusterSpec.of("x").withId("x").withMembers(List.of("lone", "web-4"))));

      assertEquals(List.of(ErrorCode.ALREADY_IN_CLUSTER), e.conflicts().stream().map(Conflict::code).toList());
      assertEquals(Map.of("id", "web-4", "cluster", "rack-3"), e.details());
      assertEquals(Optional.empty(), clusterd.parentOf("lone"));
    }

    @Test
    void createCluster_freeMembersUnderParent_membersJoinAndGetTheLocksAbove() {
      ok(new Change.CreateCluster(ClusterSpec.of("x").withId("x").withParent("eu-a").withMembers(List.of("lone"))));

      assertEquals(Optional.of("x"), clusterd.parentOf("lone"));
      assertEquals(Map.of("user:/app/log=info", "eu-a", "user:/app/port=80", "root"), locks("lone"));
      assertEquals(Optional.of("info"), hostValue("lone", APP_LOG));
      assertEquals(Optional.of("80"), hostValue("lone", APP_PORT));
    }
  }

  // ------------------------------------------------------------------------------------------- C6

  @Nested
  class C6SubtreePinsLockedAbove {

    /** A free subtree: rack-x (pins user:/app/port) above shelf (pins user:/app/log) above web-x. */
    @BeforeEach
    void freeSubtree() {
      cluster("rack-x", null);
      cluster("shelf", "rack-x");
      instance("web-x", "shelf");
      pin("rack-x", APP_PORT, "8080");
      pin("shelf", APP_LOG, "trace");
      pin("shelf", KeyName.parse("user:/shelf/own"), "1");
    }

    @Test
    void attach_subtreePinsKeysLockedAbove_keyPinnedBelowPerKey() {
      ClusterdException e = refused(new Change.Attach("eu-a", "rack-x", false));

      assertEquals(List.of(ErrorCode.KEY_PINNED_BELOW, ErrorCode.KEY_PINNED_BELOW),
          e.conflicts().stream().map(Conflict::code).toList());
      assertEquals(Set.of(
          Map.of("key", APP_LOG.toString(), "lockedBy", "eu-a", "clusters", List.of("shelf")),
          Map.of("key", APP_PORT.toString(), "lockedBy", "root", "clusters", List.of("rack-x"))), details(e));
      assertEquals(Optional.empty(), clusterd.parentOf("rack-x"));
    }

    @Test
    void attach_subtreePinsKeysLockedAboveWithForce_lowerPinsDroppedAndJoiningInstancesGetTheLocks() {
      ChangeResult r = ok(new Change.Attach("eu-a", "rack-x", true));

      assertEquals(200, r.fanOut().status());
      assertEquals(List.of(), clusterd.pins("rack-x"));
      assertEquals(List.of(Pin.of(KeyName.parse("user:/shelf/own"), "1")), clusterd.pins("shelf"));
      assertEquals(Map.of("user:/app/log=info", "eu-a", "user:/app/port=80", "root", "user:/shelf/own=1", "shelf"),
          locks("web-x"));
      assertEquals(Optional.of("info"), hostValue("web-x", APP_LOG));
      assertEquals(Optional.of("80"), hostValue("web-x", APP_PORT));
    }

    @Test
    void createCluster_withMemberPinningKeysLockedAbove_refusedUnlessForced() {
      ClusterSpec x = ClusterSpec.of("x").withId("x").withParent("eu-a").withMembers(List.of("rack-x"));
      ClusterdException e = refused(new Change.CreateCluster(x));
      assertEquals(Set.of(ErrorCode.KEY_PINNED_BELOW), codes(e));
      assertEquals(Optional.empty(), clusterd.node("x"));

      ChangeResult r = ok(new Change.CreateCluster(x, true));

      assertEquals(200, r.fanOut().status());
      assertEquals(Optional.of("x"), clusterd.parentOf("rack-x"));
      assertEquals(List.of(), clusterd.pins("rack-x"));
      assertEquals(Map.of("user:/app/log=info", "eu-a", "user:/app/port=80", "root", "user:/shelf/own=1", "shelf"),
          locks("web-x"));
      assertEquals(Optional.of("info"), hostValue("web-x", APP_LOG));
      assertEquals(Optional.of("80"), hostValue("web-x", APP_PORT));
    }

    @Test
    void move_rackIntoZoneLockingItsPin_keyPinnedBelowAndRackStays() {
      pin("rack-3", APP_LOG, "debug");

      ClusterdException e = refused(new Change.Move("rack-3", Optional.of("eu-a"), false));

      assertEquals(Map.of("key", APP_LOG.toString(), "lockedBy", "eu-a", "clusters", List.of("rack-3")),
          e.details());
      assertEquals(Optional.of("us-a"), clusterd.parentOf("rack-3"));
      assertEquals(Optional.of("debug"), hostValue("web-4", APP_LOG));
    }

    @Test
    void move_rackIntoZoneLockingItsPinWithForce_movedAndPinDropped() {
      pin("rack-3", APP_LOG, "debug");

      ok(new Change.Move("rack-3", Optional.of("eu-a"), true));

      assertEquals(Optional.of("eu-a"), clusterd.parentOf("rack-3"));
      assertEquals(List.of(Pin.of(DB_HOST, "db-us")), clusterd.pins("rack-3"));
      assertEquals(Optional.of("eu-a"), clusterd.lockOf("web-4", APP_LOG));
      assertEquals(Optional.of("info"), hostValue("web-4", APP_LOG));
    }

    @Test
    void move_subtreeWithKeyPinnedBelowTargetsLock_refusedEvenWhenNotPinnedAtItsTop() {
      ClusterdException e = refused(new Change.Move("shelf", Optional.of("rack-2"), false));

      assertEquals(Map.of("key", APP_LOG.toString(), "lockedBy", "eu-a", "clusters", List.of("shelf")),
          e.details());
      assertEquals(Optional.of("rack-x"), clusterd.parentOf("shelf"));
    }

    @Test
    void attach_instance_neverConflictsAndGetsEveryLockAbove() {
      ok(new Change.Attach("rack-1", "lone", false));

      assertEquals(Map.of("user:/app/log=info", "eu-a", "user:/app/port=80", "root",
          "user:/db/host=db-eu-1", "rack-1"), locks("lone"));
      assertEquals(Optional.of("db-eu-1"), hostValue("lone", DB_HOST));
    }
  }

  // ------------------------------------------------------------------------------------------- C7

  @Nested
  class C7HostDoesAlreadyExist {

    @Test
    void register_endpointEqualAfterNormalization_hostDoesAlreadyExist() {
      clusterd.registerInstance(InstanceSpec.of("a", "http://host").withId("a"));

      ClusterdException e = refused(new Change.RegisterInstance(InstanceSpec.of("b", "HTTP://Host:80/").withId("b")));

      assertEquals(ErrorCode.HOST_DOES_ALREADY_EXIST, e.code());
      assertEquals(422, e.httpStatus());
      assertEquals(Map.of("host", "http://host:80", "instance", "a"), e.details());
      assertEquals(Optional.empty(), clusterd.node("b"));
    }

    @Test
    void register_idAndHostTaken_bothReported() {
      ClusterdException e = refused(new Change.RegisterInstance(InstanceSpec.of("again", "MEM://Web-1/").withId("web-1")));

      assertEquals(Set.of(ErrorCode.ID_ALREADY_EXISTS, ErrorCode.HOST_DOES_ALREADY_EXIST), codes(e));
    }

    @Test
    void register_samHostOtherPortOrPath_accepted() {
      clusterd.registerInstance(InstanceSpec.of("a", "http://host").withId("a"));
      clusterd.registerInstance(InstanceSpec.of("b", "http://host:8080").withId("b"));
      clusterd.registerInstance(InstanceSpec.of("c", "http://host/elektrad/c").withId("c"));

      assertEquals("http://host:80/elektrad/c", clusterd.instance("c").endpoint().toString());
      assertEquals(List.of(), clusterd.checkInvariants());
    }

    @Test
    void updateInstance_hostOfAnotherInstance_hostDoesAlreadyExist() {
      ClusterdException e = refused(new Change.UpdateInstance("web-2",
          new NodeUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("MEM://web-1"))));

      assertEquals(Map.of("host", "mem://web-1", "instance", "web-1"), e.details());
    }

    @Test
    void unregister_memberInstance_endpointFreedAndHostUntouched() {
      SortedMap<KeyName, KeyDatabase.Entry> before = mem.database("web-1").snapshot();

      ok(new Change.UnregisterInstance("web-1"));
      clusterd.registerInstance(InstanceSpec.of("again", "mem://web-1").withId("web-1b"));

      assertEquals(before, mem.database("web-1").snapshot());
      assertEquals(Set.of("web-2"), childrenOf("rack-1"));
      assertEquals(Optional.empty(), clusterd.parentOf("web-1b"));
    }
  }

  // ------------------------------------------------------------------------------------------- C8

  @Nested
  class C8ClusterNotEmpty {

    @Test
    void deleteCluster_withChildren_clusterNotEmptyListingThem() {
      ClusterdException e = refused(new Change.DeleteCluster("eu-a", Cascade.NONE));

      assertEquals(ErrorCode.CLUSTER_NOT_EMPTY, e.code());
      assertEquals(409, e.httpStatus());
      assertEquals(Map.of("cluster", "eu-a", "children", List.of("rack-1", "rack-2")), e.details());
    }

    @Test
    void deleteCluster_empty_deletedWithoutCascade() {
      cluster("empty", "rack-2");

      ok(new Change.DeleteCluster("empty", Cascade.NONE));

      assertEquals(Optional.empty(), clusterd.node("empty"));
      assertEquals(Set.of("web-3"), childrenOf("rack-2"));
    }

    @Test
    void deleteCluster_cascadeDetach_childrenHandedToParentAndLocksGone() {
      ok(new Change.DeleteCluster("eu-a", Cascade.DETACH));

      assertEquals(Optional.empty(), clusterd.node("eu-a"));
      assertEquals(Set.of("rack-1", "rack-2", "edge-1"), childrenOf("eu"));
      assertEquals(Optional.of("eu"), clusterd.parentOf("rack-1"));
      assertEquals(Optional.empty(), clusterd.lockOf("web-1", APP_LOG));
      assertEquals(Optional.of("info"), hostValue("web-1", APP_LOG), "values stay on the hosts");
      assertEquals(Map.of("user:/app/port=80", "root", "user:/db/host=db-eu-1", "rack-1"), locks("web-1"));
      StoreSnapshot stored = store.load();
      assertTrue(stored.nodes().stream().noneMatch(n -> n.id().equals("eu-a")));
      assertTrue(stored.pins().stream().noneMatch(p -> p.cluster().equals("eu-a")));
      assertTrue(stored.nodes().stream().anyMatch(n -> n.id().equals("rack-2") && n.parent().equals(Optional.of("eu"))));
    }

    @Test
    void deleteCluster_topLevelCascadeDetach_childrenBecomeTopLevel() {
      ok(new Change.DeleteCluster("root", Cascade.DETACH));

      assertEquals(Set.of("eu", "us", "ops", "lone"), ids(clusterd.forest()));
      assertEquals(List.of(), clusterd.effectivePins("ops"));
    }

    @Test
    void deleteCluster_cascadeDelete_wholeSubtreeGoneFromRegistryAndStoreButHostsUntouched() {
      SortedMap<KeyName, KeyDatabase.Entry> web1 = mem.database("web-1").snapshot();

      ok(new Change.DeleteCluster("eu", Cascade.DELETE));

      Set<String> gone = Set.of("eu", "eu-a", "rack-1", "rack-2", "web-1", "web-2", "web-3", "edge-1");
      for (String id : gone) {
        assertEquals(Optional.empty(), clusterd.node(id), id);
      }
      assertEquals(Set.of("us", "ops"), childrenOf("root"));
      assertEquals(Set.of("lone", "ops", "web-4"), ids(clusterd.instances()));
      StoreSnapshot stored = store.load();
      assertTrue(stored.nodes().stream().noneMatch(n -> gone.contains(n.id())));
      assertTrue(stored.pins().stream().noneMatch(p -> gone.contains(p.cluster())));
      assertEquals(web1, mem.database("web-1").snapshot());
      clusterd.registerInstance(InstanceSpec.of("web 1 again", "mem://web-1").withId("web-1"));
      assertEquals(List.of(), clusterd.checkInvariants());
    }

    @Test
    void deleteCluster_cascadeDelete_undeliveredWritesNeverReachANewInstanceWithTheSameId() {
      mem.stop("web-1");
      FanOutResult missed = pin("rack-1", KeyName.parse("user:/stale"), "old");
      assertEquals(207, missed.status());

      ok(new Change.DeleteCluster("root", Cascade.DELETE));
      mem.start("web-1");
      clusterd.registerInstance(InstanceSpec.of("fresh", "mem://fresh").withId("web-1"));
      cluster("new", null);
      clusterd.attach("new", "web-1");
      FanOutResult r = pin("new", KeyName.parse("user:/fresh"), "1");
      clusterd.reconcile().join();

      assertEquals(200, r.status());
      assertEquals(Optional.of("1"), hostValue("fresh", KeyName.parse("user:/fresh")));
      assertEquals(Optional.empty(), hostValue("fresh", KeyName.parse("user:/stale")));
      assertEquals(Optional.empty(), hostValue("web-1", KeyName.parse("user:/stale")),
          "a deleted instance's host is never changed");
      assertTrue(store.load().pending().isEmpty());
    }
  }

  // ------------------------------------------------------------------------------------------- pin moves

  @Nested
  class ClusterKeyMoveAndCopy {

    @Test
    void moveClusterKey_targetLockedAbove_keyLocked() {
      pin("rack-2", KeyName.parse("user:/tmp/port"), "1");

      ClusterdException e = refused(new Change.WriteCluster("rack-2",
          KeyOperation.move(KeyName.parse("user:/tmp"), KeyName.parse("user:/app")), false));

      assertEquals(Set.of(lockedBy(APP_LOG, "eu-a"), lockedBy(APP_PORT, "root")), details(e));
    }

    @Test
    void moveClusterKey_ontoItsOwnAncestor_registryStoreAndHostsAgree() {
      cluster("solo", null);
      instance("solo-1", "solo");
      pin("solo", KeyName.parse("user:/a/b/b/x"), "1");
      pin("solo", KeyName.parse("user:/a/b/x"), "2");

      ok(new Change.WriteCluster("solo",
          KeyOperation.move(KeyName.parse("user:/a/b"), KeyName.parse("user:/a")), false));

      List<Pin> expected = List.of(Pin.of(KeyName.parse("user:/a/b/x"), "1"), Pin.of(KeyName.parse("user:/a/x"), "2"));
      assertEquals(expected, clusterd.pins("solo"));
      assertEquals(Optional.of("1"), hostValue("solo-1", KeyName.parse("user:/a/b/x")));
      assertEquals(Optional.of("2"), hostValue("solo-1", KeyName.parse("user:/a/x")));
      List<Pin> stored = store.load().pins().stream().filter(p -> p.cluster().equals("solo"))
          .map(StoreChanges.PinRecord::pin).sorted((a, b) -> a.key().compareTo(b.key())).toList();
      assertEquals(expected, stored);
    }

    @Test
    void copyClusterKey_subtree_pinsCopiedAndSent() {
      ok(new Change.WriteCluster("rack-1",
          KeyOperation.copy(KeyName.parse("user:/db"), KeyName.parse("user:/db2")), false));

      assertEquals(List.of(Pin.of(DB_HOST, "db-eu-1"), Pin.of(KeyName.parse("user:/db2/host"), "db-eu-1")),
          clusterd.pins("rack-1"));
      assertEquals(Optional.of("db-eu-1"), hostValue("web-2", KeyName.parse("user:/db2/host")));
      assertEquals(Optional.of("rack-1"), clusterd.lockOf("web-2", KeyName.parse("user:/db2/host")));
    }
  }

  // ------------------------------------------------------------------------------------------- fan-out

  @Nested
  class FanOut {

    @Test
    void pin_root_reachesEveryInstanceBelowWith200() {
      FanOutResult r = pin("root", KeyName.parse("user:/all"), "yes");

      assertEquals(200, r.status());
      assertEquals(new FanOutResult.Summary(6, 6, 0), r.summary());
      assertEquals(Set.of("web-1", "web-2", "web-3", "edge-1", "web-4", "ops"),
          r.results().stream().map(InstanceOutcome::instance).collect(Collectors.toSet()));
      for (InstanceOutcome o : r.results()) {
        assertEquals(200, o.status());
        assertEquals("mem://" + o.instance(), o.host());
        assertEquals(Optional.of("yes"), hostValue(o.instance(), KeyName.parse("user:/all")));
      }
      assertEquals(Optional.empty(), hostValue("lone", KeyName.parse("user:/all")));
    }

    @Test
    void pin_oneInstanceStopped_207AndDeliveredOnceItAnswers() {
      mem.stop("web-2");

      FanOutResult r = pin("rack-1", KeyName.parse("user:/x"), "1");

      assertEquals(207, r.status());
      assertEquals(new FanOutResult.Summary(2, 1, 1), r.summary());
      Map<String, InstanceOutcome> byId = new LinkedHashMap<>();
      r.results().forEach(o -> byId.put(o.instance(), o));
      assertEquals(200, byId.get("web-1").status());
      assertEquals(502, byId.get("web-2").status());
      assertEquals(ErrorCode.INSTANCE_UNREACHABLE, byId.get("web-2").error().orElseThrow().code());
      assertEquals(List.of(Pin.of(DB_HOST, "db-eu-1"), Pin.of(KeyName.parse("user:/x"), "1")), clusterd.pins("rack-1"),
          "the desired state is kept although a host missed it");
      assertFalse(store.load().pending().isEmpty());

      mem.start("web-2");
      clusterd.reconcile().join();

      assertEquals(Optional.of("1"), hostValue("web-2", KeyName.parse("user:/x")));
      assertTrue(store.load().pending().isEmpty());
    }

    @Test
    void pin_everyInstanceStopped_502() {
      mem.stop("web-1");
      mem.stop("web-2");

      FanOutResult r = pin("rack-1", KeyName.parse("user:/x"), "1");

      assertEquals(502, r.status());
      assertEquals(new FanOutResult.Summary(2, 0, 2), r.summary());
    }

    @Test
    void writeInstance_stoppedInstance_502() {
      mem.stop("lone");

      FanOutResult r = clusterd.apply(new Change.WriteInstance("lone", KeyOperation.set(APP_PORT, "1"))).join().fanOut();

      assertEquals(502, r.status());
      assertEquals(ErrorCode.INSTANCE_UNREACHABLE, r.results().get(0).error().orElseThrow().code());
    }

    @Test
    void pin_emptyCluster_200WithNoTargets() {
      cluster("empty", "rack-2");

      FanOutResult r = pin("empty", KeyName.parse("user:/x"), "1");

      assertEquals(200, r.status());
      assertEquals(new FanOutResult.Summary(0, 0, 0), r.summary());
      assertEquals(List.of(), r.results());
    }
  }

  // ------------------------------------------------------------------------------------------- dry runs

  @Nested
  class DryRun {

    @Test
    void plan_attach_listsTheEffectivePinsEachJoiningInstanceWouldGetAndChangesNothing() {
      cluster("new-rack", null);
      instance("n-1", "new-rack");
      instance("n-2", "new-rack");
      State before = state();
      Map<String, SortedMap<KeyName, KeyDatabase.Entry>> newHosts =
          Map.of("n-1", mem.database("n-1").snapshot(), "n-2", mem.database("n-2").snapshot());

      Plan plan = clusterd.plan(new Change.Attach("eu-a", "new-rack", false));

      assertTrue(plan.accepted());
      List<KeyOperation> expected = List.of(KeyOperation.set(APP_LOG, "info"), KeyOperation.set(APP_PORT, "80"));
      assertEquals(List.of(new Plan.InstanceChanges("n-1", "mem://n-1", expected),
          new Plan.InstanceChanges("n-2", "mem://n-2", expected)), plan.changes());
      assertEquals(before, state());
      assertEquals(newHosts, Map.of("n-1", mem.database("n-1").snapshot(), "n-2", mem.database("n-2").snapshot()));
      assertEquals(Optional.empty(), clusterd.parentOf("new-rack"));
    }

    @Test
    void plan_pin_listsEveryInstanceBelowAndApplyCarriesTheSamePlan() {
      Change change = new Change.WriteCluster("eu", KeyOperation.set(KeyName.parse("user:/x"), "1"), false);
      State before = state();

      Plan plan = clusterd.plan(change);

      assertEquals(before, state());
      assertEquals(Set.of("web-1", "web-2", "web-3", "edge-1"),
          plan.changes().stream().map(Plan.InstanceChanges::instance).collect(Collectors.toSet()));
      for (Plan.InstanceChanges c : plan.changes()) {
        assertEquals(List.of(KeyOperation.set(KeyName.parse("user:/x"), "1")), c.operations());
      }
      assertEquals(plan, clusterd.apply(change).join().plan());
    }

    @Test
    void plan_refusedChange_reportsEveryConflictApplyReports() {
      cluster("rack-x", null);
      pin("rack-x", APP_PORT, "1");
      pin("rack-x", APP_LOG, "1");

      ClusterdException e = refused(new Change.Attach("rack-1", "rack-x", false));

      assertEquals(2, e.conflicts().size());
    }

    @Test
    void plan_deleteWithCascade_sendsNothingAndChangesNothing() {
      State before = state();

      Plan plan = clusterd.plan(new Change.DeleteCluster("eu", Cascade.DELETE));

      assertTrue(plan.accepted());
      assertEquals(List.of(), plan.changes());
      assertEquals(before, state());
    }
  }
}

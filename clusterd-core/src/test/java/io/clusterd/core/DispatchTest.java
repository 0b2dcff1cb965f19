package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.FanOutResult;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.testing.HandScheduler;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery to instances: retries, order, pending writes that survive a restart. */
class DispatchTest {
  private static final KeyName KEY = KeyName.parse("user:/app/x");

  @TempDir
  Path dir;

  /**
   * A fake host (scheme {@code flaky}) over a real in-memory key database that answers the first {@code failures}
   * requests of each instance with an instance-side 503, and counts every attempt.
   */
  static final class FlakyFactory implements TransportFactory {
    final Map<String, KeyDatabase> dbs = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    volatile int failures;
    /** How the failing requests fail: an instance-side 503 unless a test says otherwise. */
    volatile java.util.function.Function<String, ClusterdException> failure = name -> ClusterdException.of(
        ErrorCode.INSTANCE_ERROR, "flaky host " + name + " answered 503", Map.of("status", 503));

    @Override
    public Set<String> schemes() {
      return Set.of("flaky");
    }

    @Override
    public Transport create(TransportConfig config) {
      String name = config.endpoint().host();
      KeyDatabase db = dbs.computeIfAbsent(name, n -> new KeyDatabase());
      AtomicInteger count = attempts.computeIfAbsent(name, n -> new AtomicInteger());
      return new Transport() {
        private <T> CompletableFuture<T> attempt(java.util.function.Supplier<T> op) {
          if (count.incrementAndGet() <= failures) {
            return CompletableFuture.failedFuture(failure.apply(name));
          }
          return CompletableFuture.completedFuture(op.get());
        }

        @Override
        public CompletableFuture<InstanceVersion> version() {
          return attempt(db::version);
        }

        @Override
        public CompletableFuture<LookupResult> lookup(KeyName key, int preload) {
          return attempt(() -> db.lookup(key, preload));
        }

        @Override
        public CompletableFuture<Void> set(KeyName key, String value) {
          return attempt(() -> {
            db.set(key, value);
            return null;
          });
        }

        @Override
        public CompletableFuture<Void> delete(KeyName key) {
          return attempt(() -> {
            db.delete(key);
            return null;
          });
        }

        @Override
        public CompletableFuture<Void> move(KeyName from, KeyName to) {
          return attempt(() -> {
            db.move(from, to);
            return null;
          });
        }

        @Override
        public CompletableFuture<Void> copy(KeyName from, KeyName to) {
          return attempt(() -> {
            db.copy(from, to);
            return null;
          });
        }

        @Override
        public CompletableFuture<Void> setMeta(KeyName key, String metaName, String value) {
          return attempt(() -> {
            db.setMeta(key, metaName, value);
            return null;
          });
        }

        @Override
        public CompletableFuture<Void> deleteMeta(KeyName key, String metaName) {
          return attempt(() -> {
            db.deleteMeta(key, metaName);
            return null;
          });
        }

        @Override
        public CompletableFuture<List<String>> find(String regex) {
          return attempt(() -> db.find(regex));
        }

        @Override
        public void close() {
        }
      };
    }
  }

  private static Clusterd flaky(FlakyFactory f) {
    Clusterd c = Clusterd.builder().transport(f).retryBackoff(Duration.ofMillis(2)).maxAttempts(3)
        .reconcileEvery(Duration.ZERO).build();
    c.registerInstance(InstanceSpec.of("h", "flaky://h").withId("h"));
    c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("h")));
    return c;
  }

  @Test
  void idempotentWrite_failingTwiceWith5xx_isRetriedAndSucceeds() {
    FlakyFactory f = new FlakyFactory();
    try (Clusterd c = flaky(f)) {
      f.failures = 2;
      f.attempts.computeIfAbsent("h", n -> new AtomicInteger()).set(0);
      FanOutResult r = c.pin("c", KEY, "v");
      assertEquals(200, r.status());
      assertEquals(3, f.attempts.get("h").get());
      assertEquals("v", f.dbs.get("h").lookup(KEY, 0).value());
    }
  }

  @Test
  void idempotentWrite_failingMoreThanAttempts_failsWithTheInstanceStatus() {
    FlakyFactory f = new FlakyFactory();
    try (Clusterd c = flaky(f)) {
      f.failures = 100;
      f.attempts.computeIfAbsent("h", n -> new AtomicInteger()).set(0);
      FanOutResult r = c.pin("c", KEY, "v");
      assertEquals(503, r.status());
      assertEquals(3, f.attempts.get("h").get());
      assertEquals(InstanceState.Status.PENDING, c.status("h").status());
    }
  }

  @Test
  void move_failingWith5xx_isNeverResent() {
    FlakyFactory f = new FlakyFactory();
    try (Clusterd c = flaky(f)) {
      c.setInstanceKey("h", KeyName.parse("user:/free/a"), "1");
      f.failures = 1;
      f.attempts.computeIfAbsent("h", n -> new AtomicInteger()).set(0);
      InstanceOutcome o = c.apply(new Change.WriteInstance("h",
          KeyOperation.move(KeyName.parse("user:/free"), KeyName.parse("user:/moved")))).join().fanOut().results().get(0);
      assertFalse(o.succeeded());
      assertEquals(1, f.attempts.get("h").get());
    }
  }

  @Test
  void pendingWrite_ofAnInstanceGivenANewAddress_goesToTheNewAddress() {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(1)).build()) {
      c.registerInstance(InstanceSpec.of("a", "mem://old").withId("a"));
      c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a")));
      mem.stop("old");
      assertEquals(502, c.pin("c", KEY, "v").status());
      assertEquals(InstanceState.Status.PENDING, c.status("a").status());
      c.apply(new Change.UpdateInstance("a", new NodeUpdate(java.util.Optional.empty(), java.util.Optional.empty(),
          java.util.Optional.empty(), java.util.Optional.of("mem://new")))).join();
      c.reconcile().join();
      assertEquals("v", mem.database("new").lookup(KEY, 0).value());
      assertEquals(InstanceState.Status.IN_SYNC, c.status("a").status());
    }
  }

  @Test
  void metadataName_writtenLoosely_isPinnedAsHostsStoreIt_soNoDrift() {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = oneInstanceCluster(mem)) {
      c.pin("c", KEY, "8080");
      FanOutResult r = c.apply(new Change.WriteCluster("c", KeyOperation.setMeta(KEY, "check//type/", "long"), false))
          .join().fanOut();
      assertEquals(200, r.status());
      assertEquals(Map.of("check/type", "long"), c.pins("c").get(0).meta());
      assertEquals("long", mem.database("a").lookup(KEY, 0).meta().get("check/type"));
      assertTrue(c.drift("c").join().getOrDefault("a", List.of()).isEmpty(), c.drift("c").join().toString());
      ClusterdException bad = org.junit.jupiter.api.Assertions.assertThrows(ClusterdException.class,
          () -> c.apply(new Change.WriteCluster("c", KeyOperation.setMeta(KEY, "check/\\", "x"), false)));
      assertEquals(ErrorCode.INVALID_BODY, bad.code());
    }
  }

  @Test
  void writeClusterMeta_severalEntries_oneChangeStoredAndSentInOrder() {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = oneInstanceCluster(mem)) {
      c.pin("c", KEY, "8080");
      Map<String, String> meta = new java.util.LinkedHashMap<>();
      meta.put("check/type", "long");
      meta.put("check//range/", "1-9999");
      Change bulk = new Change.WriteClusterMeta("c", KEY, meta, false);
      Plan plan = c.plan(bulk);
      assertEquals(List.of("set-meta", "set-meta"), plan.changes().get(0).operations().stream()
          .map(op -> op.kind().label()).toList());
      assertEquals(Map.of(), c.pins("c").get(0).meta(), "a plan changes nothing");
      assertEquals(200, c.apply(bulk).join().fanOut().status());
      assertEquals(Map.of("check/type", "long", "check/range", "1-9999"), c.pins("c").get(0).meta());
      assertEquals("8080", c.pins("c").get(0).value());
      assertEquals(Map.of("check/type", "long", "check/range", "1-9999"), mem.database("a").lookup(KEY, 0).meta());
      ClusterdException bad = org.junit.jupiter.api.Assertions.assertThrows(ClusterdException.class,
          () -> c.apply(new Change.WriteClusterMeta("c", KEY, Map.of("ok", "1", "check/\\", "x"), false)));
      assertEquals(ErrorCode.INVALID_BODY, bad.code());
      assertFalse(c.pins("c").get(0).meta().containsKey("ok"), "a refused entry refuses them all");
    }
  }

  @Test
  void clusterMove_thatMayHaveReachedTheInstance_isNeitherResentNorKept() {
    FlakyFactory f = new FlakyFactory();
    try (Clusterd c = flaky(f)) {
      f.failure = name -> ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE, "lost the connection to " + name,
          Map.of());
      FanOutResult r = moveMToN(c, f, 1);
      assertEquals(502, r.status());
      assertEquals(1, f.attempts.get("h").get(), "sent once");
      assertFalse(c.status("h").status() == InstanceState.Status.PENDING, "not kept to be sent again");
    }
  }

  @Test
  void clusterMove_thatNeverLeft_isRetriedAndKeptUntilDelivered() {
    FlakyFactory f = new FlakyFactory();
    try (Clusterd c = flaky(f)) {
      f.failure = name -> ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE, "cannot connect to " + name,
          Map.of(Transport.NOT_SENT, true));
      FanOutResult r = moveMToN(c, f, 100);
      assertEquals(502, r.status());
      assertEquals(3, f.attempts.get("h").get(), "retried like any write that never left");
      assertEquals(InstanceState.Status.PENDING, c.status("h").status());
      f.failures = 0;
      c.reconcile().join();
      assertEquals("1", f.dbs.get("h").lookup(KeyName.parse("user:/n/a"), 0).value());
      assertFalse(f.dbs.get("h").lookup(KeyName.parse("user:/m/a"), 0).exists());
    }
  }

  @Test
  void sync_ofADriftedInstance_showsItInSyncAtOnce() {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = oneInstanceCluster(mem)) {
      c.pin("c", KEY, "v");
      mem.database("a").set(KEY, "changed by hand");
      assertEquals(1, c.drift("c").join().get("a").size());
      assertEquals(InstanceState.Status.DRIFTED, c.status("a").status());
      assertEquals(200, c.apply(new Change.Sync("c")).join().fanOut().status());
      assertEquals("v", mem.database("a").lookup(KEY, 0).value());
      assertEquals(InstanceState.Status.IN_SYNC, c.status("a").status());
    }
  }

  @Test
  void pendingWrite_ofAnInstanceThatAnswersARead_isDeliveredAtOnce() throws Exception {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(1)).build()) {
      c.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
      c.registerInstance(InstanceSpec.of("b", "mem://b").withId("b"));
      c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a", "b")));
      mem.stop("b");
      assertEquals(207, c.pin("c", KEY, "v").status());
      assertEquals(InstanceState.Status.PENDING, c.status("b").status());
      mem.start("b");
      c.lookup("b", KeyName.parse("user:/unrelated"), 0).join(); // any answer, no reconciler pass
      waitFor(() -> "v".equals(mem.database("b").lookup(KEY, 0).value()), "delivery after the answer");
      waitFor(() -> c.status("b").status() == InstanceState.Status.IN_SYNC, "in sync");
      assertEquals("", c.status("b").detail(), "no stale connection error");
    }
  }

  @Test
  void syncPreview_withOneDriftedKey_listsOnlyTheWritesThatChangeSomething() {
    MemTransportFactory mem = new MemTransportFactory();
    KeyName other = KeyName.parse("user:/app/y");
    try (Clusterd c = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(1)).build()) {
      for (String id : List.of("a", "b", "down")) {
        c.registerInstance(InstanceSpec.of(id, "mem://" + id).withId(id));
      }
      c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a", "b", "down")));
      c.pin("c", KEY, "v");
      c.pin("c", other, "w");
      c.apply(new Change.WriteCluster("c", KeyOperation.setMeta(KEY, "check/type", "string"), false)).join();
      mem.database("a").set(KEY, "changed by hand");
      mem.stop("down");

      Plan preview = c.planSync("c").join();

      assertEquals(3, c.plan(new Change.Sync("c")).changes().size(), "the sync itself re-applies everything");
      assertEquals(List.of("a", "down"), preview.changes().stream().map(Plan.InstanceChanges::instance).toList(),
          "b has every pin; down cannot be read, so it keeps every write");
      assertEquals(List.of(KeyOperation.set(KEY, "v")), preview.changes().get(0).operations(),
          "only the value differs on a: its metadata and the other key stay out");
      assertEquals(3, preview.changes().get(1).operations().size());
      assertTrue(preview.accepted());
      assertFalse(c.planSync("no-such-node").join().accepted(), "an unknown node is refused as a plan");
    }
  }

  /** Pins {@code user:/m/a}, then moves {@code user:/m} to {@code user:/n} on cluster {@code c} while the host fails. */
  private static FanOutResult moveMToN(Clusterd c, FlakyFactory f, int failures) {
    c.pin("c", KeyName.parse("user:/m/a"), "1");
    f.failures = failures;
    f.attempts.get("h").set(0);
    return c.apply(new Change.WriteCluster("c", KeyOperation.move(KeyName.parse("user:/m"), KeyName.parse("user:/n")),
        false)).join().fanOut();
  }

  /** Instance {@code a} (mem://a) in cluster {@code c}, no background reconciler. */
  private static Clusterd oneInstanceCluster(MemTransportFactory mem) {
    Clusterd c = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).build();
    c.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
    c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a")));
    return c;
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void backgroundReconciler_backsOffFromAHostThatDoesNotAnswer_andDeliversWhenDue() throws Exception {
    FlakyFactory f = new FlakyFactory();
    f.failure = name -> ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE, "cannot connect to " + name,
        Map.of(Transport.NOT_SENT, true));
    HandClock clock = new HandClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    HandScheduler passes = new HandScheduler();
    try (Clusterd c = Clusterd.builder().transport(f).clock(clock).scheduler(passes)
        .reconcileEvery(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1)).build()) {
      c.registerInstance(InstanceSpec.of("h", "flaky://h").withId("h"));
      c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("h")));
      f.failures = Integer.MAX_VALUE;
      f.attempts.computeIfAbsent("h", n -> new AtomicInteger()).set(0);
      assertEquals(502, c.pin("c", KEY, "v").status());
      int sent = f.attempts.get("h").get();
      passes.tick(); // the first background pass
      assertTrue(f.attempts.get("h").get() > sent, "the first background pass tries the host");
      int afterFirstPass = f.attempts.get("h").get();
      for (int pass = 0; pass < 15; pass++) {
        passes.tick(); // passes at full rate; the clock stands still, so none is due
      }
      assertEquals(afterFirstPass, f.attempts.get("h").get(), "no pass tries the host before its backoff ends");
      f.failures = 0; // the host is back
      clock.advance(Duration.ofMinutes(1));
      passes.tick();
      waitFor(() -> "v".equals(f.dbs.get("h").lookup(KEY, 0).value()), "delivery once the backoff ended");
      waitFor(() -> c.status("h").status() == InstanceState.Status.IN_SYNC, "in sync");
    }
  }

  @Test
  void pendingWrite_missedWhileStopped_isDeliveredAfterRestartOfClusterd() {
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd c = Clusterd.builder().store(SqliteStore.open(dir)).transport(mem).reconcileEvery(Duration.ZERO)
        .retryBackoff(Duration.ofMillis(1)).build()) {
      c.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
      c.registerInstance(InstanceSpec.of("b", "mem://b").withId("b"));
      c.createCluster(ClusterSpec.of("c").withId("c").withMembers(List.of("a", "b")));
      mem.stop("b");
      assertEquals(207, c.pin("c", KEY, "first").status());
      assertEquals(207, c.pin("c", KEY, "second").status());
      assertEquals(InstanceState.Status.PENDING, c.status("b").status());
    }
    try (SqliteStore store = SqliteStore.open(dir)) {
      assertEquals(List.of(KeyOperation.set(KEY, "first"), KeyOperation.set(KEY, "second")),
          store.load().pending().stream().map(p -> p.operation()).toList(), "both missed writes are pending, in order");
    }
    mem.start("b");
    try (Clusterd reopened = Clusterd.builder().store(SqliteStore.open(dir)).transport(mem)
        .reconcileEvery(Duration.ZERO).build()) {
      reopened.reconcile().join();
      assertEquals("second", mem.database("b").lookup(KEY, 0).value());
      assertEquals(InstanceState.Status.IN_SYNC, reopened.status("b").status());
    }
    try (SqliteStore store = SqliteStore.open(dir)) {
      assertTrue(store.load().pending().isEmpty(), "delivered writes leave the store");
    }
  }
}

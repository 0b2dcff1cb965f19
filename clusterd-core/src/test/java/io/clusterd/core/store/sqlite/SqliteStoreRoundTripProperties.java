package io.clusterd.core.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PendingRef;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreChanges.PinRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Store round trip: any sequence of batches, applied to the SQLite store and to the in-memory store, is accepted or
 * refused alike, and the SQLite store, closed and reopened, holds exactly what the in-memory store holds. Ids come
 * from a small set so batches overwrite, delete, reparent and break references often.
 */
class SqliteStoreRoundTripProperties {

  private static final List<String> IDS = List.of("a", "b", "c", "d", "e", "f");

  @Property(tries = 50)
  void batches_appliedToBothStores_reopenedSqliteStoreEqualsMemoryStore(
      @ForAll("batchSequences") List<StoreChanges> batches) throws IOException {
    Path dir = Files.createTempDirectory("clusterd-store-property");
    try (MemoryStore memory = new MemoryStore()) {
      try (SqliteStore sqlite = SqliteStore.open(dir)) {
        for (StoreChanges batch : batches) {
          Optional<ErrorCode> expected = outcome(memory, batch);
          assertEquals(expected, outcome(sqlite, batch), () -> "outcome of " + batch);
          Statistics.label("batch").collect(expected.isPresent() ? "refused" : "applied");
          assertEquals(memory.load(), sqlite.load());
        }
      }
      try (SqliteStore reopened = SqliteStore.open(dir)) {
        assertEquals(memory.load(), reopened.load());
        assertEquals(memory.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE),
            reopened.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE));
        for (String id : IDS) {
          assertEquals(memory.history(Optional.of(id), Long.MAX_VALUE, 3),
              reopened.history(Optional.of(id), Long.MAX_VALUE, 3));
        }
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static Optional<ErrorCode> outcome(RegistryStore store, StoreChanges batch) {
    try {
      store.apply(batch);
      return Optional.empty();
    } catch (ClusterdException e) {
      return Optional.of(e.code());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  // ------------------------------------------------------------------ generators

  /** Every sequence starts from a small tree so that most generated references hit an existing node. */
  @Provide
  Arbitrary<List<StoreChanges>> batchSequences() {
    StoreChanges seed = StoreChanges.builder()
        .putNode(new NodeRecord(Cluster.of("a", "A"), Optional.empty()))
        .putNode(new NodeRecord(Cluster.of("b", "B"), Optional.of("a")))
        .putNode(new NodeRecord(Cluster.of("c", "C"), Optional.empty()))
        .putNode(new NodeRecord(Instance.of("d", "D", Endpoint.parse("http://d:33333")), Optional.of("a")))
        .putNode(new NodeRecord(Instance.of("e", "E", Endpoint.parse("http://e:33333")), Optional.of("b")))
        .putNode(new NodeRecord(Instance.of("f", "F", Endpoint.parse("http://f:33333")), Optional.empty()))
        .build();
    return batches().list().ofMinSize(1).ofMaxSize(12).map(batches -> {
      List<StoreChanges> all = new ArrayList<>();
      all.add(seed);
      all.addAll(batches);
      return all;
    });
  }

  private Arbitrary<StoreChanges> batches() {
    return Combinators.combine(
            nodeRecords().list().ofMaxSize(3),
            ids().list().ofMaxSize(2),
            pins().list().ofMaxSize(3),
            Combinators.combine(ids(), keys()).as(PinRef::new).list().ofMaxSize(2),
            historyEntries().list().ofMaxSize(2),
            pendingDeliveries().list().ofMaxSize(2),
            Combinators.combine(ids(), seqs()).as(PendingRef::new).list().ofMaxSize(2))
        .as(StoreChanges::new);
  }

  private static Arbitrary<String> ids() {
    return Arbitraries.of(IDS);
  }

  private static Arbitrary<Long> seqs() {
    return Arbitraries.longs().between(0, 3);
  }

  /** Mostly valid Unicode (with NUL, emoji and look-alikes of JSON), rarely an unpaired surrogate. */
  private static Arbitrary<String> texts() {
    Arbitrary<String> plain = Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\ufffd')
        .ofMaxLength(8);
    Arbitrary<String> special = Arbitraries.of("", " ", "{}", "null", "\"", "😀", "👍🏽", "a\u0000b", "ünï");
    Arbitrary<String> joined = Combinators.combine(special, plain, special).as((x, y, z) -> x + y + z);
    return Arbitraries.frequencyOf(
        Tuple.of(40, plain),
        Tuple.of(30, special),
        Tuple.of(30, joined),
        Tuple.of(1, Arbitraries.of("bad\ud800", "\udc00")));
  }

  private static <T> Arbitrary<Optional<T>> optionals(Arbitrary<T> values) {
    return Arbitraries.oneOf(Arbitraries.just(Optional.<T>empty()), values.map(Optional::of));
  }

  private static Arbitrary<Map<String, String>> stringMaps() {
    return Arbitraries.maps(texts(), texts()).ofMaxSize(3);
  }

  private static Arbitrary<Instant> times() {
    Arbitrary<Instant> ordinary = Combinators.combine(
            Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L),
            Arbitraries.longs().between(0, 999_999_999))
        .as(Instant::ofEpochSecond);
    return Arbitraries.frequencyOf(
        Tuple.of(100, ordinary),
        Tuple.of(1, Arbitraries.of(Instant.MAX, Instant.MIN)));
  }

  private static Arbitrary<KeyName> keys() {
    Arbitrary<KeyName> fixed = Arbitraries.of("user:/a", "user:/a/b", "system:/x", "dir:/#0", "spec:/a\\/b", "user:/a/%/x")
        .map(KeyName::parse);
    Arbitrary<KeyName> built = Combinators.combine(
            Arbitraries.of(Namespace.USER, Namespace.SYSTEM, Namespace.DIR, Namespace.SPEC),
            Arbitraries.strings().withCharRange('a', 'c').withChars('/', '\\', '#', '%', '.', '1', 'ü').ofMinLength(1)
                .ofMaxLength(4).list().ofMinSize(1).ofMaxSize(3))
        .as(KeyName::of);
    return Arbitraries.oneOf(fixed, built);
  }

  private static Arbitrary<String> names() {
    return texts().filter(name -> !name.isBlank());
  }

  private static Arbitrary<Node> nodes() {
    Arbitrary<Node> clusters = Combinators.combine(ids(), names(), texts(), stringMaps())
        .as((id, name, description, labels) -> new Cluster(id, name, description, labels, List.of()));
    Arbitrary<Endpoint> endpoints = Arbitraries.of("http://h1:33333", "HTTP://H2/", "https://gw.example/elektrad/w",
        "mem://demo/x", "file:///var/x").map(Endpoint::parse);
    Arbitrary<Node> instances = Combinators.combine(ids(), names(), texts(), stringMaps(), endpoints,
            Arbitraries.of("", "http", "mem", "plugin"), Arbitraries.of("", "user", "advanced"))
        .as(Instance::new);
    return Arbitraries.oneOf(clusters, instances);
  }

  private static Arbitrary<NodeRecord> nodeRecords() {
    return Combinators.combine(nodes(), Arbitraries.oneOf(Arbitraries.just(Optional.<String>empty()),
        ids().map(Optional::of))).as(NodeRecord::new);
  }

  private static Arbitrary<PinRecord> pins() {
    return Combinators.combine(ids(), keys(), texts(), stringMaps())
        .as((cluster, key, value, meta) -> new PinRecord(cluster, new Pin(key, value, meta)));
  }

  private static Arbitrary<HistoryEntry> historyEntries() {
    return Combinators.combine(times(), optionals(texts()), Arbitraries.oneOf(ids(), texts()),
            Arbitraries.of("create", "pin", "delete"), optionals(keys().map(KeyName::toString)), optionals(texts()),
            optionals(texts()), texts())
        .as((time, actor, node, operation, key, oldValue, newValue, outcome) ->
            new HistoryEntry(0, time, actor, node, operation, key, oldValue, newValue, outcome));
  }

  private static Arbitrary<KeyOperation> operations() {
    return Arbitraries.oneOf(
        Combinators.combine(keys(), texts()).as(KeyOperation::set),
        keys().map(KeyOperation::delete),
        Combinators.combine(keys(), keys()).as(KeyOperation::move),
        Combinators.combine(keys(), keys()).as(KeyOperation::copy),
        Combinators.combine(keys(), texts(), texts()).as(KeyOperation::setMeta),
        Combinators.combine(keys(), texts()).as(KeyOperation::deleteMeta));
  }

  private static Arbitrary<PendingDelivery> pendingDeliveries() {
    return Combinators.combine(ids(), seqs(), operations(), times(), texts()).as(PendingDelivery::new);
  }
}

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
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Store round trip: any sequence of batches, applied to the SQLite store and to the in-memory store, is accepted or
 * refused alike, and the SQLite store, closed and reopened, holds exactly what the in-memory store holds. Ids come
 * from a small set so batches overwrite, delete, reparent and break references often.
 */
class SqliteStoreRoundTripProperties {

  private static final List<String> IDS = List.of("a", "b", "c", "d", "e", "f");

  @Test
  void batches_appliedToBothStores_reopenedSqliteStoreEqualsMemoryStore() {
    PropertyCheck.forAll(batchSequences()).examples(50).shrinkAlso(Shrink::removals)
        .check(generated -> {
          List<StoreChanges> batches = new ArrayList<>();
          batches.add(startingTree());
          batches.addAll(generated);
          roundTrip(batches);
        });
  }

  private static void roundTrip(List<StoreChanges> batches) throws IOException {
    Path dir = Files.createTempDirectory("clusterd-store-property");
    try (MemoryStore memory = new MemoryStore()) {
      try (SqliteStore sqlite = SqliteStore.open(dir)) {
        for (StoreChanges batch : batches) {
          Optional<ErrorCode> expected = outcome(memory, batch);
          assertEquals(expected, outcome(sqlite, batch), () -> "outcome of " + batch);
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
  private static StoreChanges startingTree() {
    return StoreChanges.builder()
        .putNode(new NodeRecord(Cluster.of("a", "A"), Optional.empty()))
        .putNode(new NodeRecord(Cluster.of("b", "B"), Optional.of("a")))
        .putNode(new NodeRecord(Cluster.of("c", "C"), Optional.empty()))
        .putNode(new NodeRecord(Instance.of("d", "D", Endpoint.parse("http://d:33333")), Optional.of("a")))
        .putNode(new NodeRecord(Instance.of("e", "E", Endpoint.parse("http://e:33333")), Optional.of("b")))
        .putNode(new NodeRecord(Instance.of("f", "F", Endpoint.parse("http://f:33333")), Optional.empty()))
        .build();
  }

  /** The batches applied after the starting tree. */
  static Gen<List<StoreChanges>> batchSequences() {
    return Gens.lists(batches(), 1, 12);
  }

  private static Gen<StoreChanges> batches() {
    Gen<List<NodeRecord>> nodes = Gens.lists(nodeRecords(), 0, 3);
    Gen<List<String>> removed = Gens.lists(ids(), 0, 2);
    Gen<List<PinRecord>> pins = Gens.lists(pins(), 0, 3);
    Gen<List<PinRef>> unpins = Gens.lists(ids().zip(keys(), PinRef::new), 0, 2);
    Gen<List<HistoryEntry>> history = Gens.lists(historyEntries(), 0, 2);
    Gen<List<PendingDelivery>> pending = Gens.lists(pendingDeliveries(), 0, 2);
    Gen<List<PendingRef>> delivered = Gens.lists(ids().zip(seqs(), PendingRef::new), 0, 2);
    return src -> new StoreChanges(nodes.generate(src), removed.generate(src), pins.generate(src),
        unpins.generate(src), history.generate(src), pending.generate(src), delivered.generate(src));
  }

  private static Gen<String> ids() {
    return Gens.of(IDS);
  }

  private static Gen<Long> seqs() {
    return Gens.longs(0, 3);
  }

  /** Mostly valid Unicode (with NUL, emoji and look-alikes of JSON), rarely an unpaired surrogate. */
  private static Gen<String> texts() {
    Gen<String> unit = Gens.<String>weighted()
        .or(0xD800, Gens.chars(0x0000, 0xD7FF)).or(0x1FFE, Gens.chars(0xE000, 0xFFFD)).gen();
    Gen<String> plain = Gens.strings(unit, 0, 8);
    Gen<String> special = Gens.of("", " ", "{}", "null", "\"", "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD",
        "a\u0000b", "\u00FCn\u00EF");
    Gen<String> joined = special.zip(plain, special, (x, y, z) -> x + y + z);
    return Gens.<String>weighted()
        .or(40, plain)
        .or(30, special)
        .or(30, joined)
        .or(1, Gens.of("bad\ud800", "\udc00"))
        .gen();
  }

  private static <T> Gen<Optional<T>> optionals(Gen<T> values) {
    return Gens.optionals(values);
  }

  private static Gen<Map<String, String>> stringMaps() {
    return Gens.maps(texts(), texts(), 3);
  }

  private static Gen<Instant> times() {
    Gen<Instant> ordinary = Gens.longs(-10_000_000_000L, 10_000_000_000L)
        .zip(Gens.longs(0, 999_999_999), Instant::ofEpochSecond);
    return Gens.<Instant>weighted()
        .or(100, ordinary)
        .or(1, Gens.of(Instant.MAX, Instant.MIN))
        .gen();
  }

  private static Gen<KeyName> keys() {
    Gen<KeyName> fixed = Gens.of("user:/a", "user:/a/b", "system:/x", "dir:/#0", "spec:/a\\/b", "user:/a/%/x")
        .map(KeyName::parse);
    Gen<KeyName> built = Gens.of(Namespace.USER, Namespace.SYSTEM, Namespace.DIR, Namespace.SPEC)
        .zip(Gens.lists(Gens.strings("abc/\\#%.1\u00FC", 1, 4), 1, 3), KeyName::of);
    return Gens.oneOf(fixed, built);
  }

  private static Gen<String> names() {
    return Gens.filter(texts(), name -> !name.isBlank());
  }

  private static Gen<Node> nodes() {
    Gen<Node> clusters = ids().zip(names(), texts(), stringMaps(),
        (id, name, description, labels) -> new Cluster(id, name, description, labels, List.of()));
    Gen<Endpoint> endpoints = Gens.of("http://h1:33333", "HTTP://H2/", "https://gw.example/elektrad/w",
        "mem://demo/x", "file:///var/x").map(Endpoint::parse);
    Gen<String> transports = Gens.of("", "http", "mem", "plugin");
    Gen<String> profiles = Gens.of("", "user", "advanced");
    Gen<Node> instances = src -> new Instance(ids().generate(src), names().generate(src), texts().generate(src),
        stringMaps().generate(src), endpoints.generate(src), transports.generate(src), profiles.generate(src));
    return Gens.oneOf(clusters, instances);
  }

  private static Gen<NodeRecord> nodeRecords() {
    return nodes().zip(Gens.oneOf(Gens.just(Optional.<String>empty()), ids().map(Optional::of)), NodeRecord::new);
  }

  private static Gen<PinRecord> pins() {
    return ids().zip(keys(), texts(), stringMaps(),
        (cluster, key, value, meta) -> new PinRecord(cluster, new Pin(key, value, meta)));
  }

  private static Gen<HistoryEntry> historyEntries() {
    Gen<Optional<String>> actors = optionals(texts());
    Gen<String> nodes = Gens.oneOf(ids(), texts());
    Gen<String> operations = Gens.of("create", "pin", "delete");
    Gen<Optional<String>> keys = optionals(keys().map(KeyName::toString));
    Gen<Optional<String>> values = optionals(texts());
    return src -> new HistoryEntry(0, times().generate(src), actors.generate(src), nodes.generate(src),
        operations.generate(src), keys.generate(src), values.generate(src), values.generate(src),
        texts().generate(src));
  }

  private static Gen<KeyOperation> operations() {
    return Gens.oneOf(
        keys().zip(texts(), KeyOperation::set),
        keys().map(KeyOperation::delete),
        keys().zip(keys(), KeyOperation::move),
        keys().zip(keys(), KeyOperation::copy),
        keys().zip(texts(), texts(), KeyOperation::setMeta),
        keys().zip(texts(), KeyOperation::deleteMeta));
  }

  private static Gen<PendingDelivery> pendingDeliveries() {
    return src -> new PendingDelivery(ids().generate(src), seqs().generate(src), operations().generate(src),
        times().generate(src), texts().generate(src));
  }
}

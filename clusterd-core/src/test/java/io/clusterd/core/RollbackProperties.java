package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The history is complete enough to reconstruct every cluster's pins, value and metadata, at every sequence:
 * after any mix of registry operations ({@link RegistryProperties}) and pin writes (set, metadata set and removed,
 * unpin, move and copy of pinned subtrees, with and without force), rolling a cluster back to a point gives it
 * exactly the pins it had then, unless a cluster above or below holds the key today (reported, nothing changes);
 * and rolling back that rollback restores the pins of before.
 */
class RollbackProperties {
  private static final List<String> CLUSTERS = List.of("a", "b", "c", "d");
  private static final List<String> KEYS = List.of("user:/a", "user:/a/b", "user:/b");

  /** A pin write on a cluster, drawn from the same ids as the registry operations. */
  record PinWrite(String cluster, KeyOperation op, boolean force) {
    Change change() {
      return new Change.WriteCluster(cluster, op, force);
    }
  }

  static Gen<PinWrite> pinWrites() {
    Gen<KeyName> key = Gens.of(KEYS).map(KeyName::parse);
    Gen<String> meta = Gens.of("description", "check/enum/#0", "order");
    Gen<KeyOperation> op = Gens.<KeyOperation>weighted()
        .or(4, key.zip(Gens.of("1", "2", "3"), KeyOperation::set))
        .or(3, key.zip(meta, Gens.of("x", "1"), KeyOperation::setMeta))
        .or(2, key.zip(meta, KeyOperation::deleteMeta))
        .or(1, key.map(KeyOperation::delete))
        .or(1, key.zip(key, KeyOperation::move))
        .or(1, key.zip(key, KeyOperation::copy))
        .gen();
    return Gens.of(CLUSTERS).zip(op, Gens.booleans(), PinWrite::new);
  }

  @Test
  void anyHistory_rollbackToEverySequence_restoresThePinsOfThenAndItsRollbackTheirsOfNow() {
    PropertyCheck.forAll(RegistryProperties.chains(), Gens.lists(pinWrites(), 0, 30)).examples(100).check(two -> {
      try (Clusterd clusterd = fresh()) {
        // the pins of every cluster after each accepted change, by the newest sequence then
        Map<Long, Map<String, Map<KeyName, Pin>>> then = new TreeMap<>();
        List<RegistryProperties.Op> ops = two.first();
        List<PinWrite> writes = two.second();
        for (int i = 0; i < Math.max(ops.size(), writes.size()); i++) {
          if (i < ops.size()) {
            RegistryProperties.apply(clusterd, ops.get(i).change());
            then.put(newest(clusterd), pins(clusterd));
          }
          if (i < writes.size()) {
            RegistryProperties.apply(clusterd, writes.get(i).change());
            then.put(newest(clusterd), pins(clusterd));
          }
        }
        Map<String, Map<KeyName, Pin>> now = pins(clusterd);
        for (var point : then.entrySet()) {
          for (String cluster : now.keySet()) {
            if (!existedSince(clusterd, cluster, point.getKey())) {
              continue;
            }
            Change.Rollback back = new Change.Rollback(cluster, new Change.Rollback.Sequence(point.getKey()), false,
                List.of(), false);
            Plan plan = clusterd.plan(back);
            Map<KeyName, Pin> expected = point.getValue().getOrDefault(cluster, Map.of());
            if (!plan.accepted()) {
              Set<ErrorCode> codes = plan.conflicts().stream().map(c -> c.code()).collect(Collectors.toSet());
              assertTrue(Set.of(ErrorCode.KEY_LOCKED, ErrorCode.KEY_PINNED_BELOW).containsAll(codes),
                  "a rollback of " + cluster + " to #" + point.getKey() + " is refused: " + plan.conflicts());
              continue;
            }
            long before = newest(clusterd);
            clusterd.apply(back).join();
            assertEquals(expected, pins(clusterd).getOrDefault(cluster, Map.of()),
                "pins of " + cluster + " rolled back to #" + point.getKey());
            assertEquals(List.of(), clusterd.checkInvariants());
            clusterd.apply(new Change.Rollback(cluster, new Change.Rollback.Sequence(before), false, List.of(),
                false)).join();
            assertEquals(now, pins(clusterd), "every pin after rolling back the rollback of " + cluster);
          }
        }
      }
    });
  }

  /** Whether the cluster existed at {@code seq} and was not created again since. */
  private static boolean existedSince(Clusterd clusterd, String cluster, long seq) {
    List<HistoryEntry> mine = clusterd.history(Optional.of(cluster), Long.MAX_VALUE, 1000);
    boolean created = false;
    for (HistoryEntry e : mine) {
      if (e.operation().equals("create-cluster")) {
        created = true;
        return e.seq() <= seq;
      }
    }
    return created;
  }

  private static long newest(Clusterd clusterd) {
    List<HistoryEntry> h = clusterd.history(Optional.empty(), Long.MAX_VALUE, 1);
    return h.isEmpty() ? 0 : h.get(0).seq();
  }

  private static Map<String, Map<KeyName, Pin>> pins(Clusterd clusterd) {
    Map<String, Map<KeyName, Pin>> out = new HashMap<>();
    for (Cluster c : clusterd.clusters()) {
      Map<KeyName, Pin> own = new TreeMap<>();
      clusterd.pins(c.id()).forEach(p -> own.put(p.key(), p));
      out.put(c.id(), own);
    }
    return out;
  }

  private static Clusterd fresh() {
    return Clusterd.builder().store(new MemoryStore()).transport(new MemTransportFactory())
        .reconcileEvery(Duration.ZERO).maxAttempts(1).build();
  }
}

package io.clusterd.core.store.memory;

import io.clusterd.core.internal.StoreChecks;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PendingRef;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreChanges.PinRef;
import io.clusterd.spi.StoreSnapshot;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link RegistryStore} that keeps everything in memory and loses it on {@link #close()}: for tests, demos and
 * embedding without durability.
 *
 * <p>It keeps the same contract as the durable {@code SqliteStore}, checked by the same contract test:
 * <ul>
 *   <li>A batch is applied in the order deletions (nodes, then pins, then pending deliveries) then writes (nodes,
 *       pins, history, pending deliveries, rollouts). Deleting a node also deletes its pins and pending deliveries. Writing an
 *       existing node, pin or pending delivery replaces it in place.</li>
 *   <li>Referential integrity: after the batch, every node's parent, every pin's cluster and every pending
 *       delivery's instance must exist. A batch that breaks it, or carries a string with an unpaired UTF-16
 *       surrogate or a time outside the epoch-millisecond range, is refused with {@link ErrorCode#STORE_FAILURE}
 *       and nothing of it is applied.</li>
 *   <li>{@link #load()} lists nodes, pins, pending deliveries and rollouts in the order they were first written;
 *       rollouts are kept whatever happens to their cluster.</li>
 *   <li>History entries get sequence numbers 1, 2, 3, ... in the order applied; their {@code seq} as given is
 *       ignored. Times of history entries and pending deliveries are kept to the millisecond (truncated).</li>
 * </ul>
 *
 * <pre>{@code
 * RegistryStore store = new MemoryStore();
 * store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("prod", "Production"), Optional.empty())).build());
 * store.load().nodes();   // [NodeRecord[node=Cluster[id=prod, ...], parent=Optional.empty]]
 * }</pre>
 *
 * <p>Thread-safe: {@code apply} is validated, then applied under a write lock; reads share a read lock.
 */
public final class MemoryStore implements RegistryStore {

  private record PinId(String cluster, String key) { }

  private record PendingId(String instance, long seq) { }

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final LinkedHashMap<String, NodeRecord> nodes = new LinkedHashMap<>();
  private final Map<String, Set<String>> children = new HashMap<>();
  private final LinkedHashMap<PinId, PinRecord> pins = new LinkedHashMap<>();
  private final Map<String, Set<PinId>> pinsByCluster = new HashMap<>();
  private final LinkedHashMap<PendingId, PendingDelivery> pending = new LinkedHashMap<>();
  private final Map<String, Set<PendingId>> pendingByInstance = new HashMap<>();
  private final List<HistoryEntry> history = new ArrayList<>();
  private final Map<String, List<HistoryEntry>> historyByNode = new HashMap<>();
  private final LinkedHashMap<String, RolloutRecord> rollouts = new LinkedHashMap<>();
  private boolean closed;

  /** An empty, open store. */
  public MemoryStore() { }

  @Override
  public StoreSnapshot load() {
    lock.readLock().lock();
    try {
      ensureOpen();
      return new StoreSnapshot(List.copyOf(nodes.values()), List.copyOf(pins.values()), List.copyOf(pending.values()),
          List.copyOf(rollouts.values()));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void apply(StoreChanges changes) {
    Objects.requireNonNull(changes, "changes");
    lock.writeLock().lock();
    try {
      ensureOpen();
      if (changes.isEmpty()) {
        return;
      }
      validate(changes);
      changes.deleteNodes().forEach(this::removeNode);
      changes.deletePins().forEach(this::removePin);
      changes.deletePending().forEach(this::removePending);
      changes.putNodes().forEach(this::putNode);
      changes.putPins().forEach(this::putPin);
      changes.history().forEach(this::appendHistory);
      changes.putPending().forEach(this::putPending);
      changes.putRollouts().forEach(r -> rollouts.put(r.id(), r));
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit) {
    Objects.requireNonNull(node, "node");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      List<HistoryEntry> source = node.isPresent() ? historyByNode.getOrDefault(node.get(), List.of()) : history;
      int end = firstAtOrAfter(source, beforeSeq);
      List<HistoryEntry> result = new ArrayList<>(Math.min(limit, end));
      for (int i = end - 1; i >= 0 && result.size() < limit; i--) {
        result.add(source.get(i));
      }
      return List.copyOf(result);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Discards everything; further calls fail. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      nodes.clear();
      children.clear();
      pins.clear();
      pinsByCluster.clear();
      pending.clear();
      pendingByInstance.clear();
      history.clear();
      historyByNode.clear();
      rollouts.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw ClusterdException.of(ErrorCode.STORE_FAILURE, "the in-memory registry store is closed");
    }
  }

  /** Index of the first entry with a sequence number at or above {@code seq}; entries are in ascending order. */
  private static int firstAtOrAfter(List<HistoryEntry> entries, long seq) {
    int low = 0;
    int high = entries.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (entries.get(mid).seq() < seq) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  // ---------------------------------------------------------------- validation (nothing changes before it passes)

  private void validate(StoreChanges changes) {
    StoreChecks.check(changes, "the in-memory registry store");
    checkReferences(changes);
  }

  private void checkReferences(StoreChanges changes) {
    Set<String> deleted = new HashSet<>(changes.deleteNodes());
    Map<String, NodeRecord> written = new HashMap<>();
    changes.putNodes().forEach(record -> written.put(record.id(), record));
    List<String> problems = new ArrayList<>();
    for (NodeRecord record : written.values()) {
      record.parent()
          .filter(parent -> !existsAfter(parent, deleted, written))
          .ifPresent(parent -> problems.add("node '" + record.id() + "' names parent '" + parent + "', which does not exist"));
    }
    for (String gone : deleted) {
      if (!nodes.containsKey(gone) || existsAfter(gone, deleted, written)) {
        continue;
      }
      for (String child : children.getOrDefault(gone, Set.of())) {
        if (!deleted.contains(child) && !written.containsKey(child)) {
          problems.add("node '" + child + "' would keep deleted node '" + gone + "' as its parent");
        }
      }
    }
    for (PinRecord pin : changes.putPins()) {
      if (!existsAfter(pin.cluster(), deleted, written)) {
        problems.add("pin " + pin.pin().key() + " belongs to node '" + pin.cluster() + "', which does not exist");
      }
    }
    for (PendingDelivery delivery : changes.putPending()) {
      if (!existsAfter(delivery.instance(), deleted, written)) {
        problems.add("pending delivery " + delivery.seq() + " is for node '" + delivery.instance() + "', which does not exist");
      }
    }
    if (!problems.isEmpty()) {
      throw ClusterdException.of(ErrorCode.STORE_FAILURE,
          "the in-memory registry store refused the changes, nothing was applied: " + String.join("; ", problems),
          Map.of("problems", List.copyOf(problems)));
    }
  }

  private boolean existsAfter(String id, Set<String> deleted, Map<String, NodeRecord> written) {
    return written.containsKey(id) || (nodes.containsKey(id) && !deleted.contains(id));
  }

  // ---------------------------------------------------------------- mutations (cannot fail once validated)

  private void removeNode(String id) {
    NodeRecord old = nodes.remove(id);
    if (old == null) {
      return;
    }
    old.parent().ifPresent(parent -> unlink(children, parent, id));
    for (PinId pin : pinsByCluster.getOrDefault(id, Set.of())) {
      pins.remove(pin);
    }
    pinsByCluster.remove(id);
    for (PendingId delivery : pendingByInstance.getOrDefault(id, Set.of())) {
      pending.remove(delivery);
    }
    pendingByInstance.remove(id);
  }

  private void removePin(PinRef ref) {
    PinId id = new PinId(ref.cluster(), ref.key().toString());
    if (pins.remove(id) != null) {
      unlink(pinsByCluster, ref.cluster(), id);
    }
  }

  private void removePending(PendingRef ref) {
    PendingId id = new PendingId(ref.instance(), ref.seq());
    if (pending.remove(id) != null) {
      unlink(pendingByInstance, ref.instance(), id);
    }
  }

  private void putNode(NodeRecord record) {
    NodeRecord old = nodes.put(record.id(), record);
    if (old != null) {
      old.parent().ifPresent(parent -> unlink(children, parent, record.id()));
    }
    record.parent().ifPresent(parent -> children.computeIfAbsent(parent, p -> new LinkedHashSet<>()).add(record.id()));
  }

  private void putPin(PinRecord record) {
    PinId id = new PinId(record.cluster(), record.pin().key().toString());
    pins.put(id, record);
    pinsByCluster.computeIfAbsent(record.cluster(), c -> new LinkedHashSet<>()).add(id);
  }

  private void appendHistory(HistoryEntry entry) {
    long seq = history.size() + 1L;
    HistoryEntry stored = new HistoryEntry(seq, entry.time().truncatedTo(ChronoUnit.MILLIS), entry.actor(),
        entry.node(), entry.operation(), entry.key(), entry.oldValue(), entry.newValue(), entry.outcome(),
        entry.pinsBefore());
    history.add(stored);
    historyByNode.computeIfAbsent(stored.node(), n -> new ArrayList<>()).add(stored);
  }

  private void putPending(PendingDelivery delivery) {
    PendingId id = new PendingId(delivery.instance(), delivery.seq());
    pending.put(id, new PendingDelivery(delivery.instance(), delivery.seq(), delivery.operation(),
        delivery.since().truncatedTo(ChronoUnit.MILLIS), delivery.reason()));
    pendingByInstance.computeIfAbsent(delivery.instance(), i -> new LinkedHashSet<>()).add(id);
  }

  private static <K, V> void unlink(Map<K, Set<V>> index, K key, V value) {
    Set<V> values = index.get(key);
    if (values != null) {
      values.remove(value);
      if (values.isEmpty()) {
        index.remove(key);
      }
    }
  }
}

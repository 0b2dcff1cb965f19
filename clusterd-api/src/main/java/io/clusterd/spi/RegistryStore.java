package io.clusterd.spi;

import io.clusterd.HistoryEntry;
import java.util.List;
import java.util.Optional;

/**
 * Where the core keeps its registry durably: nodes and tree edges, pins, change history and pending deliveries.
 *
 * <p>Contract: {@link #apply} is atomic and durable (all changes of one batch or none; once it returns, the
 * batch survives a crash of the process); {@link #load} returns exactly what the applied batches produced.
 * History entries get increasing sequence numbers in the order applied. Implementations are thread-safe;
 * the core serializes {@code apply} calls itself, but reads of history may run concurrently with them.
 *
 * <pre>{@code
 * try (RegistryStore store = SqliteStore.open(Path.of("clusterd-data"))) {
 *   store.apply(StoreChanges.builder().putNode(new NodeRecord(cluster, Optional.empty())).build());
 * }
 * }</pre>
 */
public interface RegistryStore extends AutoCloseable {

  /** Reads the nodes, pins and pending deliveries. */
  StoreSnapshot load();

  /** Applies a batch of changes atomically and durably. */
  void apply(StoreChanges changes);

  /**
   * Reads history newest first.
   *
   * @param node only entries of this node, or all when empty
   * @param beforeSeq only entries with a smaller sequence number (for paging), or {@code Long.MAX_VALUE}
   * @param limit at most this many entries
   */
  List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit);

  /** Closes the store; further calls fail. */
  @Override
  void close();
}

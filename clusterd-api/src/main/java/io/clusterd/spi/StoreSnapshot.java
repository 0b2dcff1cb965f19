package io.clusterd.spi;

import java.util.List;

/**
 * Everything a store holds except the history: nodes with their parent edges, the pins of every cluster and the
 * pending deliveries, as loaded when the core opens. Nodes are listed parents first where possible; the core
 * does not depend on that order.
 *
 * <p>Immutable and thread-safe.
 */
public record StoreSnapshot(List<NodeRecord> nodes, List<StoreChanges.PinRecord> pins, List<PendingDelivery> pending) {
  public StoreSnapshot {
    nodes = List.copyOf(nodes);
    pins = List.copyOf(pins);
    pending = List.copyOf(pending);
  }
}

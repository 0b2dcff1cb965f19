package io.clusterd.spi;

import java.util.List;

/**
 * Everything a store holds except the history: nodes with their parent edges, the pins of every cluster, the
 * pending deliveries and the rollouts (in the order first written), as loaded when the core opens. Nodes are listed parents first where possible; the core
 * does not depend on that order.
 *
 * <p>Immutable and thread-safe.
 */
public record StoreSnapshot(List<NodeRecord> nodes, List<StoreChanges.PinRecord> pins, List<PendingDelivery> pending,
    List<RolloutRecord> rollouts) {
  public StoreSnapshot {
    nodes = List.copyOf(nodes);
    pins = List.copyOf(pins);
    pending = List.copyOf(pending);
    rollouts = List.copyOf(rollouts);
  }

  /** A snapshot without rollouts (the shape of the SPI before rollouts). */
  public StoreSnapshot(List<NodeRecord> nodes, List<StoreChanges.PinRecord> pins, List<PendingDelivery> pending) {
    this(nodes, pins, pending, List.of());
  }
}

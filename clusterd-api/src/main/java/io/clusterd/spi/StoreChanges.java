package io.clusterd.spi;

import io.clusterd.HistoryEntry;
import io.clusterd.KeyName;
import io.clusterd.Pin;
import java.util.ArrayList;
import java.util.List;

/**
 * One atomic batch of changes to the registry store: nodes written or removed, pins written or removed, history
 * appended, pending deliveries added or removed, rollouts written (replaced by id). A store applies a batch entirely or not at all, in the order
 * deletions first then writes, and makes it durable before {@link RegistryStore#apply} returns.
 *
 * <p>Build with {@link #builder()}; the built value is immutable and thread-safe.
 */
public record StoreChanges(
    List<NodeRecord> putNodes,
    List<String> deleteNodes,
    List<PinRecord> putPins,
    List<PinRef> deletePins,
    List<HistoryEntry> history,
    List<PendingDelivery> putPending,
    List<PendingRef> deletePending,
    List<RolloutRecord> putRollouts) {

  /** A pin of one cluster. */
  public record PinRecord(String cluster, Pin pin) { }

  /** Identifies a pin to remove. */
  public record PinRef(String cluster, KeyName key) { }

  /** Identifies a pending delivery to remove. */
  public record PendingRef(String instance, long seq) { }

  public StoreChanges {
    putNodes = List.copyOf(putNodes);
    deleteNodes = List.copyOf(deleteNodes);
    putPins = List.copyOf(putPins);
    deletePins = List.copyOf(deletePins);
    history = List.copyOf(history);
    putPending = List.copyOf(putPending);
    deletePending = List.copyOf(deletePending);
    putRollouts = List.copyOf(putRollouts);
  }

  /** A batch without rollouts (the shape of the SPI before rollouts). */
  public StoreChanges(List<NodeRecord> putNodes, List<String> deleteNodes, List<PinRecord> putPins,
      List<PinRef> deletePins, List<HistoryEntry> history, List<PendingDelivery> putPending,
      List<PendingRef> deletePending) {
    this(putNodes, deleteNodes, putPins, deletePins, history, putPending, deletePending, List.of());
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean isEmpty() {
    return putNodes.isEmpty() && deleteNodes.isEmpty() && putPins.isEmpty() && deletePins.isEmpty()
        && history.isEmpty() && putPending.isEmpty() && deletePending.isEmpty() && putRollouts.isEmpty();
  }

  /** This batch with more pending deliveries added, for one transaction. */
  public StoreChanges plusPending(List<PendingDelivery> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<PendingDelivery> all = new ArrayList<>(putPending);
    all.addAll(more);
    return new StoreChanges(putNodes, deleteNodes, putPins, deletePins, history, all, deletePending, putRollouts);
  }

  /** Collects changes; not thread-safe. */
  public static final class Builder {
    private final List<NodeRecord> putNodes = new ArrayList<>();
    private final List<String> deleteNodes = new ArrayList<>();
    private final List<PinRecord> putPins = new ArrayList<>();
    private final List<PinRef> deletePins = new ArrayList<>();
    private final List<HistoryEntry> history = new ArrayList<>();
    private final List<PendingDelivery> putPending = new ArrayList<>();
    private final List<PendingRef> deletePending = new ArrayList<>();
    private final List<RolloutRecord> putRollouts = new ArrayList<>();

    private Builder() { }

    public Builder putNode(NodeRecord node) {
      putNodes.add(node);
      return this;
    }

    public Builder deleteNode(String id) {
      deleteNodes.add(id);
      return this;
    }

    public Builder putPin(String cluster, Pin pin) {
      putPins.add(new PinRecord(cluster, pin));
      return this;
    }

    public Builder deletePin(String cluster, KeyName key) {
      deletePins.add(new PinRef(cluster, key));
      return this;
    }

    public Builder history(HistoryEntry entry) {
      history.add(entry);
      return this;
    }

    public Builder putPending(PendingDelivery pending) {
      putPending.add(pending);
      return this;
    }

    public Builder deletePending(String instance, long seq) {
      deletePending.add(new PendingRef(instance, seq));
      return this;
    }

    /** Writes a rollout; one with the same id is replaced. */
    public Builder putRollout(RolloutRecord rollout) {
      putRollouts.add(rollout);
      return this;
    }

    public StoreChanges build() {
      return new StoreChanges(putNodes, deleteNodes, putPins, deletePins, history, putPending, deletePending,
          putRollouts);
    }
  }
}

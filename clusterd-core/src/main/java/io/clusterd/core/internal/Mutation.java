package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.KeyOperation;
import io.clusterd.spi.StoreChanges;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A change prepared against the registry but not yet applied: the conflicts found (all of them), the store batch
 * that makes it durable, the in-memory edits to run once the batch is committed, and the key operations to send
 * per instance. Preparing never changes the registry, so a dry run is a prepare without apply.
 */
public final class Mutation {
  final List<Conflict> conflicts = new ArrayList<>();
  final StoreChanges.Builder store = StoreChanges.builder();
  final List<Runnable> edits = new ArrayList<>();
  /** Instance id to the operations it must receive, in order. Ordered by first appearance. */
  final Map<String, List<KeyOperation>> sends = new LinkedHashMap<>();
  /** Whether the sends are desired state (durable, redelivered) rather than a direct instance write. */
  boolean durableSends = true;
  Optional<String> resultNode = Optional.empty();

  void conflict(Conflict c) {
    conflicts.add(c);
  }

  void send(String instance, KeyOperation op) {
    sends.computeIfAbsent(instance, k -> new ArrayList<>()).add(op);
  }

  boolean refused() {
    return !conflicts.isEmpty();
  }
}

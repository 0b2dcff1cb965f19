package io.clusterd.spi;

import java.util.Objects;

/**
 * A staged rollout as a store keeps it: its id, the cluster it writes, its state's name and the document the core
 * wrote for it (plan, waves, per-instance outcomes, target pins). A store keeps the document as opaque text and
 * gives it back unchanged; writing a record with an existing id replaces it in place. Rollouts are never deleted
 * by the core: finished ones stay listed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the rollout's id, unique in a store
 * @param cluster the id of the cluster whose write it rolls out (the cluster may be gone since)
 * @param state the state's name, e.g. {@code running}, for stores that index it
 * @param document the core's text of the rollout, kept verbatim
 */
public record RolloutRecord(String id, String cluster, String state, String document) {
  public RolloutRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(document, "document");
  }
}

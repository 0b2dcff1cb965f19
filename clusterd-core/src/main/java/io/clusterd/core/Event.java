package io.clusterd.core;

import io.clusterd.HistoryEntry;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.KeyOperation;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Something that changed, as {@link Clusterd#events()} tells it: a committed change of the tree or of the pins (one
 * per history entry), a changed instance status, the outcome of one delivery to one instance, rollout progress, or
 * a reset (what was missed cannot be replayed: reload). Each has an {@link EventId}, a {@link #type()} (the SSE
 * event name) and the nodes it concerns: the node and every cluster above it, before and after the change (a scoped
 * reader sees an event when one of them is in its scopes; a reset concerns everyone).
 *
 * <pre>{@code
 * try (EventSubscription s = clusterd.events().subscribe(Optional.empty(), e -> true, () -> { })) {
 *   clusterd.pin("prod", KeyName.parse("user:/app/port"), "8080");
 *   Event e = s.poll().orElseThrow(); // Event.Change, type "pin.changed"
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Event permits Event.Change, Event.Status, Event.Delivery, Event.Rollout, Event.Reset {
  String NODE_CREATED = "node.created";
  String NODE_CHANGED = "node.changed";
  String NODE_REMOVED = "node.removed";
  String PIN_CHANGED = "pin.changed";
  String KEY_CHANGED = "key.changed";
  String STATUS = "status";
  String DELIVERY = "delivery";
  String ROLLOUT = "rollout";
  String RESET = "reset";

  EventId id();

  /** The event's name: one of the constants of this interface. */
  String type();

  /** The node and the clusters above it when it happened (before and after); empty for a reset. */
  Set<String> nodes();

  /**
   * One committed history entry; {@code type} is {@code node.created}, {@code node.changed}, {@code node.removed},
   * {@code pin.changed} (a cluster's keys) or {@code key.changed} (an instance's keys).
   */
  record Change(EventId id, String type, HistoryEntry entry, Set<String> nodes) implements Event {
    public Change {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(entry, "entry");
      nodes = Set.copyOf(nodes);
    }
  }

  /** An instance's status changed (or, after a resume, is as given); {@code pending} writes wait for it. */
  record Status(EventId id, InstanceState state, int pending, Set<String> nodes) implements Event {
    public Status {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(state, "state");
      nodes = Set.copyOf(nodes);
    }

    @Override
    public String type() {
      return STATUS;
    }
  }

  /**
   * One operation reached an instance or failed there; {@code seq > 0} for desired state kept in the outbox until
   * delivered (a failed one of those is tried again later).
   */
  record Delivery(EventId id, KeyOperation operation, long seq, InstanceOutcome outcome, Set<String> nodes)
      implements Event {
    public Delivery {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(outcome, "outcome");
      nodes = Set.copyOf(nodes);
    }

    @Override
    public String type() {
      return DELIVERY;
    }
  }

  /**
   * A step of a rollout on a cluster (its start, a wave started or done, a pause, halt, resume, abort, completion):
   * the step's history entry, so its id is the entry's sequence and it is replayed from the history like a change.
   * {@code progress} holds JSON-ready values (strings, numbers, lists, maps): {@code step}, the entry's fields and
   * the rollout's {@code state}, {@code wave}, {@code waves} and counts of instances (docs/http-api.md lists them).
   */
  record Rollout(EventId id, String rollout, String cluster, Map<String, Object> progress, Set<String> nodes)
      implements Event {
    public Rollout {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(rollout, "rollout");
      Objects.requireNonNull(cluster, "cluster");
      progress = Map.copyOf(progress);
      nodes = Set.copyOf(nodes);
    }

    @Override
    public String type() {
      return ROLLOUT;
    }
  }

  /** What the subscriber missed cannot be replayed; it reloads what it shows and goes on from {@code id}. */
  record Reset(EventId id, String reason) implements Event {
    public Reset {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String type() {
      return RESET;
    }

    @Override
    public Set<String> nodes() {
      return Set.of();
    }
  }
}

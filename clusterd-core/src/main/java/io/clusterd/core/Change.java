package io.clusterd.core;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A mutation of clusterd, as a value: register (one or many at once), edit and unregister instances, create, edit, move and delete
 * clusters, attach and detach members, write keys of clusters (pins, fanned out) or of instances, set several
 * metadata entries of a pin at once, sync, apply a desired-state document, and roll pins back to an earlier point.
 * Every change can be {@linkplain Clusterd#plan planned} (a dry run that reports conflicts and per-instance
 * effects and changes nothing) or {@linkplain Clusterd#apply applied}.
 *
 * <pre>{@code
 * Plan plan = clusterd.plan(new Change.WriteCluster("prod", KeyOperation.set(key, "8080"), false));
 * if (plan.conflicts().isEmpty()) {
 *   clusterd.apply(new Change.WriteCluster("prod", KeyOperation.set(key, "8080"), false)).join();
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Change {

  /** Registers a new instance (C7). */
  record RegisterInstance(InstanceSpec spec) implements Change {
    public RegisterInstance {
      Objects.requireNonNull(spec, "spec");
    }
  }

  /**
   * Registers several instances as one change: every element is checked (C7, ids and endpoints, and no two
   * elements with the same id or host) before any is registered; a refusal lists every refused element, each
   * conflict with the element's {@code index} in {@code specs}. Accepted, all of them are stored in one
   * transaction with one history entry per instance.
   */
  record RegisterInstances(List<InstanceSpec> specs) implements Change {
    public RegisterInstances {
      Objects.requireNonNull(specs, "specs");
      if (specs.isEmpty()) {
        throw new IllegalArgumentException("a bulk registration needs at least one instance");
      }
      specs = List.copyOf(specs);
    }
  }

  /** Edits an instance's name, description, labels or endpoint (C7 for the endpoint). */
  record UpdateInstance(String instance, NodeUpdate update) implements Change {
    public UpdateInstance {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(update, "update");
    }
  }

  /** Removes an instance from the registry; nothing changes on the host. */
  record UnregisterInstance(String instance) implements Change {
    public UnregisterInstance {
      Objects.requireNonNull(instance, "instance");
    }
  }

  /**
   * Creates a cluster, optionally inside a parent and with initial members; {@code force} drops the members' own
   * pins of keys the new cluster's ancestors lock (C6), as for an attach.
   */
  record CreateCluster(ClusterSpec spec, boolean force) implements Change {
    public CreateCluster {
      Objects.requireNonNull(spec, "spec");
    }

    /** Without force: a member pinning a key that the new cluster's ancestors lock is refused (C6). */
    public CreateCluster(ClusterSpec spec) {
      this(spec, false);
    }
  }

  /** Edits a cluster's name, description or labels. */
  record UpdateCluster(String cluster, NodeUpdate update) implements Change {
    public UpdateCluster {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(update, "update");
    }
  }

  /** Deletes a cluster (C8). */
  record DeleteCluster(String cluster, Cascade cascade) implements Change {
    public DeleteCluster {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(cascade, "cascade");
    }
  }

  /** Attaches a node that has no parent under a cluster (C4, C5, C6; {@code force} drops lower pins). */
  record Attach(String parent, String child, boolean force) implements Change {
    public Attach {
      Objects.requireNonNull(parent, "parent");
      Objects.requireNonNull(child, "child");
    }
  }

  /** Moves a node to another parent, or to the top level when empty, in one atomic step (C4, C6). */
  record Move(String node, Optional<String> parent, boolean force) implements Change {
    public Move {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(parent, "parent");
    }
  }

  /**
   * Edits a node's own fields and, with a {@code move}, places it under another parent, as one change: every part
   * is checked before any is applied, and one store transaction holds them all. A move to the parent the node has
   * already is no move; an update with no field set changes no field.
   */
  record EditNode(String node, NodeUpdate update, Optional<Move> move) implements Change {
    public EditNode {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(update, "update");
      Objects.requireNonNull(move, "move");
      if (move.isPresent() && !move.get().node().equals(node)) {
        throw new IllegalArgumentException("the move of an edit must move the edited node '" + node + "', not '"
            + move.get().node() + "'");
      }
    }
  }

  /** Detaches a child from its parent cluster; locks go, values stay on the hosts. */
  record Detach(String parent, String child) implements Change {
    public Detach {
      Objects.requireNonNull(parent, "parent");
      Objects.requireNonNull(child, "child");
    }
  }

  /** Writes the pins of a cluster and fans the write out (C0, C2, C3; {@code force} for C3). */
  record WriteCluster(String cluster, KeyOperation operation, boolean force) implements Change {
    public WriteCluster {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(operation, "operation");
    }
  }

  /**
   * Sets several metadata entries of one pinned key of a cluster in one step and fans them out (C0, C2, C3 as for
   * one {@link KeyOperation#setMeta}; {@code force} for C3): all entries are stored in one transaction and each
   * instance below receives them in the order given. A key the cluster does not pin yet becomes a pin with an
   * empty value.
   *
   * <pre>{@code
   * clusterd.apply(new Change.WriteClusterMeta("prod", KeyName.parse("user:/app/port"),
   *     Map.of("check/type", "long", "description", "the port"), false));
   * }</pre>
   */
  record WriteClusterMeta(String cluster, KeyName key, Map<String, String> meta, boolean force) implements Change {
    public WriteClusterMeta {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(meta, "meta");
      if (meta.isEmpty()) {
        throw new IllegalArgumentException("a metadata write of " + key + " needs at least one entry");
      }
      meta.forEach((name, value) -> {
        Objects.requireNonNull(name, "meta name");
        Objects.requireNonNull(value, "value of meta " + name);
      });
      meta = Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }

    /** The entries as key operations, in the order given. */
    public List<KeyOperation> operations() {
      return meta.entrySet().stream().map(e -> KeyOperation.setMeta(key, e.getKey(), e.getValue())).toList();
    }
  }

  /** Writes one instance's key database (C0, C1). */
  record WriteInstance(String instance, KeyOperation operation) implements Change {
    public WriteInstance {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(operation, "operation");
    }
  }

  /** Re-applies the effective pins of every instance below a node. */
  record Sync(String node) implements Change {
    public Sync {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * Restores the pins of a cluster (with {@code subtree}, also of every cluster below it) to what they were at an
   * earlier point of the history, as one change: the difference between the pins now and then, limited to
   * {@code keys} and the keys below them when any are given, checked against today's tree (I4: a restored pin that
   * a cluster above locks is refused, one pinned below is refused unless {@code force} drops it), stored with one
   * history entry {@code rollback} followed by one per pin, and fanned out. Nodes created or removed since then are
   * not recreated or removed; a cluster created since then keeps its pins.
   *
   * <pre>{@code
   * clusterd.apply(new Change.Rollback("prod", new Change.Rollback.Sequence(42), true, List.of(), false));
   * }</pre>
   */
  record Rollback(String cluster, To to, boolean subtree, List<KeyName> keys, boolean force) implements Change {
    /** The point of the history to go back to. */
    public sealed interface To permits Sequence, Time { }

    /** Right after the history entry with this sequence number was recorded ({@code 0}: before any entry). */
    public record Sequence(long seq) implements To {
      public Sequence {
        if (seq < 0) {
          throw new IllegalArgumentException("a history sequence is not negative: " + seq);
        }
      }
    }

    /** As things were at this time: after every history entry recorded at or before it. */
    public record Time(java.time.Instant time) implements To {
      public Time {
        Objects.requireNonNull(time, "time");
      }
    }

    public Rollback {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(to, "to");
      keys = List.copyOf(keys);
    }
  }

  /**
   * Makes the registry equal to a desired-state document, as one change: every part is checked against the
   * document's target state (invariants I1-I4, every conflict reported), then all of them are stored in one
   * transaction with one history entry that groups them, and sent as one fan-out. Nodes the document leaves out
   * are removed only with {@code prune}. With {@code ifMatch} (a {@link DesiredState#version()}, or {@code *}),
   * the change is refused with {@code STATE_CHANGED} when the registry's state has another version.
   */
  record ApplyState(DesiredState document, boolean prune, Optional<String> ifMatch) implements Change {
    public ApplyState {
      Objects.requireNonNull(document, "document");
      Objects.requireNonNull(ifMatch, "ifMatch");
    }
  }

  /**
   * Starts a cluster write as a staged rollout instead of an immediate fan-out: {@code write} (a
   * {@link WriteCluster} or {@link WriteClusterMeta} without force) is checked as it would be applied, then delivered
   * wave by wave as {@code plan} says. The key stays locked by the cluster and a second write to it is refused with
   * {@code ROLLOUT_IN_PROGRESS} until the rollout is finished. {@code id} names the rollout; empty for a generated
   * one.
   *
   * <pre>{@code
   * clusterd.apply(new Change.StartRollout(new Change.WriteCluster("prod", KeyOperation.set(key, "8080"), false),
   *     RolloutPlan.perChild(), Optional.of("port-8080")));
   * }</pre>
   */
  record StartRollout(Change write, RolloutPlan plan, Optional<String> id) implements Change {
    public StartRollout {
      Objects.requireNonNull(write, "write");
      Objects.requireNonNull(plan, "plan");
      Objects.requireNonNull(id, "id");
      if (!(write instanceof WriteCluster) && !(write instanceof WriteClusterMeta)) {
        throw new IllegalArgumentException("a rollout rolls out a cluster write, not " + write.getClass().getSimpleName());
      }
    }

    /** The cluster the write goes to. */
    public String cluster() {
      return write instanceof WriteCluster w ? w.cluster() : ((WriteClusterMeta) write).cluster();
    }

    /** The same start with the given id. */
    public StartRollout withId(String rolloutId) {
      return new StartRollout(write, plan, Optional.of(rolloutId));
    }
  }

  /** The controls of a running rollout. */
  enum RolloutControl {
    /** Starts the next wave (or sends the wave in flight again to the instances that did not answer). */
    RESUME,
    /** Starts no further wave; the wave in flight is finished. */
    PAUSE,
    /** Sets every instance that received the write back to the previous state and ends the rollout. */
    ABORT
  }

  /** Resumes, pauses or aborts a rollout; a finished rollout refuses every control. */
  record ControlRollout(String rollout, RolloutControl control) implements Change {
    public ControlRollout {
      Objects.requireNonNull(rollout, "rollout");
      Objects.requireNonNull(control, "control");
    }
  }
}

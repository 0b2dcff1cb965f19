package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.Change;
import io.clusterd.core.Rollout;
import io.clusterd.core.RolloutPlan;
import io.clusterd.spi.StoreChanges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Plans the steps of staged rollouts (SEMANTICS section 7): the start (the write checked as it would be applied,
 * its waves, the first wave's sends), the controls (resume, pause, abort), and what the outcomes of a wave decide
 * (halt, pause, the next wave, completion). The cluster's pins stay as they were until the rollout completes; the
 * rollout's target pins are desired state of the instances of started waves through {@link Tree}'s resolution.
 */
final class RolloutPlanner {
  private final Tree tree;
  private final KeyWritePlanner keys;
  private final WavePlanner waves;
  private final Supplier<String> ids;

  RolloutPlanner(Tree tree, KeyWritePlanner keys, Supplier<String> ids) {
    this.tree = tree;
    this.keys = keys;
    this.waves = new WavePlanner(tree);
    this.ids = ids;
  }

  // ---------------------------------------------------------------- start

  void start(Draft d, Change.StartRollout c) {
    String cluster = c.cluster();
    if (!tree.isCluster(cluster)) {
      d.refuse(Refusals.clusterMissing(cluster));
      return;
    }
    if (c.write() instanceof Change.WriteCluster w && w.force()
        || c.write() instanceof Change.WriteClusterMeta m && m.force()) {
      d.refuse(Conflict.of(ErrorCode.INVALID_BODY, "a rollout cannot force a write (C3): unpin the key below"
          + " cluster '" + cluster + "' first, or write it at once with force", Map.of("cluster", cluster)));
      return;
    }
    String id = c.id().orElseGet(ids);
    if (tree.rollout(id).isPresent()) {
      d.refuse(Conflict.of(ErrorCode.ID_ALREADY_EXISTS, "a rollout with id '" + id + "' already exists: choose another"
          + " id", Map.of("id", id)));
      return;
    }
    Draft write = plainWrite(d, c.write());
    if (d.refuse(write.conflicts())) {
      return;
    }
    StoreChanges changes = write.store().build();
    TreeSet<KeyName> changed = new TreeSet<>();
    TreeMap<KeyName, Pin> target = new TreeMap<>();
    changes.deletePins().stream().filter(p -> p.cluster().equals(cluster)).forEach(p -> {
      changed.add(p.key());
      target.remove(p.key());
    });
    changes.putPins().stream().filter(p -> p.cluster().equals(cluster)).forEach(p -> {
      changed.add(p.pin().key());
      target.put(p.pin().key(), p.pin());
    });
    if (changed.isEmpty()) {
      d.refuse(Conflict.of(ErrorCode.INVALID_BODY, "the write changes no pin of cluster '" + cluster
          + "', so there is nothing to roll out: write it at once", Map.of("cluster", cluster)));
      return;
    }
    WavePlanner.Result split = waves.waves(cluster, c.plan());
    if (d.refuse(split.conflicts())) {
      return;
    }
    List<KeyOperation> ops = c.write() instanceof Change.WriteCluster w ? List.of(w.operation())
        : ((Change.WriteClusterMeta) c.write()).operations();
    Rollout planned = new Rollout(id, cluster, ops, c.plan(), Rollout.State.PLANNED, -1, split.waves(),
        List.copyOf(changed), List.copyOf(target.values()), d.now(), Optional.empty());
    d.rollout(planned);
    d.history(cluster, "rollout-start", Optional.of(ops.get(0).key().toString()), Optional.empty(),
        Optional.of(id + ": " + split.waves().size() + " wave(s), " + instances(planned) + " instance(s)"));
    if (split.waves().isEmpty()) {
      complete(d, planned);
    } else {
      startWave(d, planned, 0);
    }
  }

  /** The write planned as if it were applied at once, on its own draft. */
  private Draft plainWrite(Draft d, Change write) {
    Draft part = d.part().exempt(d.exempted());
    if (write instanceof Change.WriteCluster w) {
      keys.writeCluster(part, w.cluster(), w.operation(), false);
    } else {
      Change.WriteClusterMeta m = (Change.WriteClusterMeta) write;
      keys.writeClusterMeta(part, m.cluster(), m.operations(), false);
    }
    return part;
  }

  private static long instances(Rollout r) {
    return r.waves().stream().mapToLong(w -> w.instances().size()).sum();
  }

  // ---------------------------------------------------------------- controls

  void control(Draft d, Change.ControlRollout c) {
    Optional<Rollout> found = tree.rollout(c.rollout());
    if (found.isEmpty()) {
      d.refuse(Refusals.rolloutMissing(c.rollout()));
      return;
    }
    Rollout r = found.get();
    if (r.state().finished()) {
      d.refuse(Conflict.of(ErrorCode.ROLLOUT_FINISHED, "rollout '" + r.id() + "' is " + r.state().label()
          + " and cannot be " + switch (c.control()) {
            case RESUME -> "resumed";
            case PAUSE -> "paused";
            case ABORT -> "aborted";
          } + ": start a new rollout", Map.of("id", r.id(), "state", r.state().label())));
      return;
    }
    switch (c.control()) {
      case RESUME -> resume(d, r);
      case PAUSE -> pause(d, r);
      case ABORT -> abort(d, r);
      default -> throw new IllegalArgumentException("unknown control " + c.control());
    }
  }

  /**
   * Goes on: the wave in flight is sent again to the instances that did not answer (after a restart), else the
   * next wave starts, else the rollout completes.
   */
  void resume(Draft d, Rollout r) {
    int cur = r.wave();
    if (cur >= 0 && !r.waves().get(cur).answered()) {
      Rollout running = r.running(cur);
      d.history(r.cluster(), "rollout-resume", firstKey(r), Optional.empty(), Optional.of(r.id() + " wave "
          + (cur + 1) + " again"));
      send(d, running, cur, true);
    } else if (cur + 1 < r.waves().size()) {
      startWave(d, r, cur + 1);
    } else {
      complete(d, r);
    }
  }

  private void pause(Draft d, Rollout r) {
    if (r.state() == Rollout.State.HALTED || (r.state() == Rollout.State.PAUSED && r.resumeAt().isEmpty())) {
      d.rollout(r);
      return;
    }
    Rollout paused = r.withState(Rollout.State.PAUSED, Optional.empty());
    d.history(r.cluster(), "rollout-pause", firstKey(r), Optional.empty(), Optional.of(r.id()));
    put(d, paused);
  }

  /**
   * Sets every instance below the cluster whose desired state is the target back to the cluster's pins (which the
   * rollout never changed), durably as any fan-out, and ends the rollout.
   */
  private void abort(Draft d, Rollout r) {
    for (Instance i : tree.targets(r.cluster())) {
      if (tree.rolloutStartedFor(r.id(), i.id())) {
        restore(d, r, i.id());
      }
    }
    d.history(r.cluster(), "rollout-abort", firstKey(r), Optional.empty(), Optional.of(r.id()));
    put(d, r.withState(Rollout.State.ABORTED, Optional.empty()));
  }

  /** The writes that bring an instance from the target back to the cluster's pins of the rollout's keys. */
  private void restore(Draft d, Rollout r, String instance) {
    Map<KeyName, Pin> target = new TreeMap<>();
    r.target().forEach(p -> target.put(p.key(), p));
    for (KeyName k : r.keys()) {
      if (tree.pin(r.cluster(), k).isEmpty()) {
        d.send(instance, KeyOperation.delete(k));
      }
    }
    for (KeyName k : r.keys()) {
      Optional<Pin> previous = tree.pin(r.cluster(), k);
      if (previous.isPresent()) {
        d.sendPin(instance, previous.get());
        Pin after = target.get(k);
        if (after != null) {
          after.meta().keySet().stream().filter(m -> !previous.get().meta().containsKey(m)).sorted()
              .forEach(m -> d.send(instance, KeyOperation.deleteMeta(k, m)));
        }
      }
    }
  }

  // ---------------------------------------------------------------- waves

  private void startWave(Draft d, Rollout r, int index) {
    Rollout running = r.running(index);
    Rollout.Wave wave = running.waves().get(index);
    d.history(r.cluster(), "rollout-wave", firstKey(r), Optional.empty(), Optional.of(r.id() + " wave " + (index + 1)
        + "/" + r.waves().size() + " (" + wave.label() + "): " + wave.instances().size() + " instance(s)"));
    send(d, running, index, false);
  }

  /** Sends a wave (only its unanswered instances when {@code again}); instances gone from the cluster are skipped. */
  private void send(Draft d, Rollout r, int index, boolean again) {
    Rollout updated = r;
    for (Rollout.Target t : r.waves().get(index).instances()) {
      if (again && t.outcome() != Rollout.Outcome.WAITING) {
        continue;
      }
      if (!tree.isInstance(t.instance()) || !tree.isStrictlyBelow(t.instance(), r.cluster())) {
        updated = updated.withOutcome(index, new Rollout.Target(t.instance(), Rollout.Outcome.SKIPPED,
            Optional.of("no longer below cluster '" + r.cluster() + "'")));
        continue;
      }
      for (KeyOperation op : sendsOf(r, t.instance())) {
        d.send(t.instance(), op);
      }
    }
    d.wave(r.id(), index);
    put(d, updated);
  }

  /**
   * What one instance receives when its wave starts: the write's own operations, which are idempotent, except that a
   * move or copy is sent as its result (the source removed, the target's pins set), so that sending it again after
   * a restart does the same.
   */
  private static List<KeyOperation> sendsOf(Rollout r, String instance) {
    List<KeyOperation> out = new ArrayList<>();
    for (KeyOperation op : r.operations()) {
      if (op.kind() == KeyOperation.Kind.MOVE || op.kind() == KeyOperation.Kind.COPY) {
        KeyName to = op.target().orElseThrow();
        out.add(KeyOperation.delete(to));
        if (op.kind() == KeyOperation.Kind.MOVE) {
          out.add(KeyOperation.delete(op.key()));
        }
        for (Pin p : r.target()) {
          if (p.key().isBelowOrSame(to)) {
            out.add(KeyOperation.set(p.key(), p.value()));
            new TreeMap<>(p.meta()).forEach((m, v) -> out.add(KeyOperation.setMeta(p.key(), m, v)));
          }
        }
      } else {
        out.add(op);
      }
    }
    return out;
  }

  /**
   * The outcomes of some instances of a wave. Once every instance of the wave answered, the wave decides: more
   * failures than allowed halt the rollout; else it pauses (manually, or until the pause is over), starts the next
   * wave, or completes after the last one. Outcomes of a wave that is no longer the current one change nothing.
   */
  void record(Draft d, String id, int index, List<Rollout.Target> outcomes) {
    Optional<Rollout> found = tree.rollout(id);
    if (found.isEmpty() || found.get().state().finished() || found.get().wave() != index) {
      return;
    }
    Rollout r = found.get();
    for (Rollout.Target t : outcomes) {
      r = r.withOutcome(index, t);
    }
    Rollout.Wave wave = r.waves().get(index);
    if (!wave.answered()) {
      put(d, r);
      return;
    }
    String summary = r.id() + " wave " + (index + 1) + "/" + r.waves().size() + ": " + wave.failures() + " of "
        + wave.size() + " failed";
    if (wave.failed(r.plan().maxFailures())) {
      d.history(r.cluster(), "rollout-halt", firstKey(r), Optional.empty(), Optional.of(summary + ", more than "
          + r.plan().maxFailures() + " allowed"));
      put(d, r.withState(Rollout.State.HALTED, Optional.empty()));
      return;
    }
    d.history(r.cluster(), "rollout-wave-done", firstKey(r), Optional.empty(), Optional.of(summary));
    if (index + 1 == r.waves().size()) {
      complete(d, r);
    } else if (r.state() == Rollout.State.PAUSED || r.plan().pause().isEmpty()) {
      put(d, r.withState(Rollout.State.PAUSED, Optional.empty()));
    } else if (r.plan().pause().get().isZero()) {
      startWave(d, r, index + 1);
    } else {
      Duration pause = r.plan().pause().get();
      put(d, r.withState(Rollout.State.PAUSED, Optional.of(d.now().plus(pause))));
    }
  }

  /**
   * Turns the target into the cluster's plain pins: the write planned again as if applied at once (the same pins
   * and history entries; the keys were locked since the start), without sends, since every instance has it.
   */
  private void complete(Draft d, Rollout r) {
    Change write = r.operations().get(0).kind() == KeyOperation.Kind.SET_META && r.operations().size() > 1
        ? new Change.WriteClusterMeta(r.cluster(), r.operations().get(0).key(), metaOf(r.operations()), false)
        : new Change.WriteCluster(r.cluster(), r.operations().get(0), false);
    Rollout done = r.withState(Rollout.State.COMPLETED, Optional.empty());
    // the write is the rollout's own: its keys being rolled out do not refuse it
    Draft part = tree.isCluster(r.cluster()) ? plainWrite(d.part().exempt(r.id()), write) : d.part();
    if (!part.conflicts().isEmpty() || !tree.isCluster(r.cluster())) {
      part = d.part();
      Map<KeyName, Pin> target = new TreeMap<>();
      r.target().forEach(p -> target.put(p.key(), p));
      for (KeyName k : r.keys()) {
        // each entry holds the pin as it was before, so that a rollback across the completion restores it
        Optional<Pin> before = tree.pin(r.cluster(), k);
        List<HistoryEntry.PinBefore> pinsBefore = List.of(new HistoryEntry.PinBefore(k, before));
        Pin after = target.get(k);
        part.store().deletePin(r.cluster(), k);
        part.edit(t -> t.removePin(r.cluster(), k));
        if (after != null) {
          part.store().putPin(r.cluster(), after);
          part.history(r.cluster(), "pin", Optional.of(k.toString()), before.map(Pin::value),
              Optional.of(after.value()), pinsBefore);
          part.edit(t -> t.putPin(r.cluster(), after));
        } else if (before.isPresent()) {
          part.history(r.cluster(), "unpin", Optional.of(k.toString()), before.map(Pin::value), Optional.empty(),
              pinsBefore);
        }
      }
    }
    if (tree.isCluster(r.cluster())) {
      d.absorb(part);
    }
    d.history(r.cluster(), "rollout-complete", firstKey(r), Optional.empty(), Optional.of(r.id()));
    put(d, done);
  }

  private static Map<String, String> metaOf(List<KeyOperation> ops) {
    Map<String, String> meta = new java.util.LinkedHashMap<>();
    ops.forEach(op -> meta.put(op.metaName().orElseThrow(), op.value().orElseThrow()));
    return meta;
  }

  private static Optional<String> firstKey(Rollout r) {
    return Optional.of(r.operations().get(0).key().toString());
  }

  /** Stores the rollout as the step leaves it and edits the tree to match once the store committed it. */
  private static void put(Draft d, Rollout r) {
    d.store().putRollout(RolloutCodec.record(r));
    d.edit(t -> t.putRollout(r));
    d.rollout(r);
  }
}

package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.FanOutResult;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Pin;
import io.clusterd.core.Change;
import io.clusterd.core.Rollout;
import io.clusterd.core.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background work of rollouts: turns the delivery outcomes of a wave (read back from each instance with
 * {@code verify}) into the rollout's next step, resumes rollouts whose pause is over on every tick of the
 * {@link Scheduler}, and after a restart sends the wave that was in flight again. Every step is a plan committed
 * like any change, so it is durable before anything is sent.
 *
 * <p>With several daemons on one store only the leader acts: {@code leading} tells whether this daemon may commit
 * now, and while it may not, no step is planned or logged (a follower's tree only mirrors the leader's rollouts).
 * A daemon that becomes the leader calls {@link #start} then, and so resumes a wave in flight exactly as a
 * restarted single daemon does. Thread-safe.
 */
public final class Rollouts {
  private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);

  /** Commits a plan made against the tree under its write lock, delivers its sends, and completes with them. */
  public interface Commits {
    CompletableFuture<?> commit(Function<Tree, WritePlan> plan);
  }

  private final GuardedTree tree;
  private final Planner planner;
  private final Forwarder forwarder;
  private final Clock clock;
  private final Duration tick;
  private final BooleanSupplier leading;
  private volatile Commits commits;

  /** @param leading whether this daemon may commit now (always, but for a follower among several daemons) */
  public Rollouts(GuardedTree tree, Planner planner, Forwarder forwarder, Clock clock, Duration tick,
      BooleanSupplier leading) {
    this.leading = leading;
    this.tree = tree;
    this.planner = planner;
    this.forwarder = forwarder;
    this.clock = clock;
    this.tick = tick;
  }

  /**
   * Sends the waves in flight of running rollouts again (sets and deletes are idempotent) and checks paused ones
   * every tick, unless the tick is zero.
   */
  public void start(Commits how, Scheduler scheduler) {
    this.commits = how;
    for (Rollout r : tree.read(Tree::activeRollouts)) {
      if (r.state() == Rollout.State.RUNNING) {
        step(new Change.ControlRollout(r.id(), Change.RolloutControl.RESUME));
      }
    }
    if (!tick.isZero()) {
      scheduler.every(tick, this::resumeDue);
    }
  }

  /** Resumes every rollout paused between waves whose pause is over; nothing while this daemon does not lead. */
  public void resumeDue() {
    if (!leading.getAsBoolean()) {
      return;
    }
    for (Rollout r : tree.read(Tree::activeRollouts)) {
      if (r.state() == Rollout.State.PAUSED && r.resumeAt().isPresent()
          && !r.resumeAt().get().isAfter(clock.instant())) {
        step(new Change.ControlRollout(r.id(), Change.RolloutControl.RESUME));
      }
    }
  }

  private void step(Change.ControlRollout control) {
    commit(t -> planner.plan(control, clock.instant(), Optional.of("rollout")));
  }

  /** A plan's sends were delivered: when they were a wave, its outcomes (read back with verify) go on record. */
  public void delivered(WritePlan.Effects effects, FanOutResult fanOut) {
    effects.wave().ifPresent(w -> outcomes(w, fanOut).whenComplete((outcomes, failure) -> {
      if (failure != null) {
        LOG.warn("rollout {}: could not check wave {}: {}", w.rollout(), w.wave() + 1, failure.toString());
        return;
      }
      commit(t -> planner.planWaveOutcomes(w.rollout(), w.wave(), outcomes, clock.instant()));
    }));
  }

  private void commit(Function<Tree, WritePlan> plan) {
    Commits c = commits;
    if (c == null || !leading.getAsBoolean()) {
      return;
    }
    try {
      c.commit(plan);
    } catch (ClusterdException e) {
      LOG.warn("a rollout step was not applied: {}", e.getMessage());
    }
  }

  private CompletableFuture<List<Rollout.Target>> outcomes(WritePlan.WaveSent w, FanOutResult fanOut) {
    Optional<Rollout> rollout = tree.read(t -> t.rollout(w.rollout()));
    if (rollout.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Rollout r = rollout.get();
    List<CompletableFuture<Rollout.Target>> checks = new ArrayList<>();
    for (InstanceOutcome o : fanOut.results()) {
      if (!o.succeeded()) {
        checks.add(CompletableFuture.completedFuture(new Rollout.Target(o.instance(), Rollout.Outcome.FAILED,
            Optional.of(o.error().map(e -> e.code().token() + ": " + e.message()).orElse("failed")))));
      } else if (r.plan().verify()) {
        checks.add(readBack(r, o.instance()));
      } else {
        checks.add(CompletableFuture.completedFuture(done(o.instance())));
      }
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(v -> checks.stream().map(CompletableFuture::join).toList());
  }

  private static Rollout.Target done(String instance) {
    return new Rollout.Target(instance, Rollout.Outcome.DONE, Optional.empty());
  }

  /** Reads every key of the rollout back from one instance and compares it with the target. */
  private CompletableFuture<Rollout.Target> readBack(Rollout r, String id) {
    Optional<Instance> instance = tree.read(t -> t.instance(id));
    if (instance.isEmpty()) {
      return CompletableFuture.completedFuture(new Rollout.Target(id, Rollout.Outcome.SKIPPED,
          Optional.of("left the registry")));
    }
    Map<KeyName, Pin> target = new HashMap<>();
    r.target().forEach(p -> target.put(p.key(), p));
    List<CompletableFuture<Optional<String>>> reads = new ArrayList<>();
    for (KeyName k : r.keys()) {
      reads.add(forwarder.call(instance.get(), t -> t.lookup(k, 0))
          .thenApply(found -> mismatch(k, Optional.ofNullable(target.get(k)), found))
          .exceptionally(t -> Optional.of("read-back of " + k + " failed: " + ClusterdException.unwrap(t).getMessage())));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> {
      for (CompletableFuture<Optional<String>> read : reads) {
        if (read.join().isPresent()) {
          return new Rollout.Target(id, Rollout.Outcome.FAILED, read.join());
        }
      }
      return done(id);
    });
  }

  static Optional<String> mismatch(KeyName key, Optional<Pin> want, LookupResult found) {
    if (want.isEmpty()) {
      return found.exists() ? Optional.of("read back " + key + " = '" + found.value() + "', expected it removed")
          : Optional.empty();
    }
    Pin pin = want.get();
    if (!found.exists() || !found.value().equals(pin.value())) {
      return Optional.of("read back " + key + (found.exists() ? " = '" + found.value() + "'" : " missing")
          + ", expected '" + pin.value() + "'");
    }
    for (Map.Entry<String, String> m : pin.meta().entrySet()) {
      if (!m.getValue().equals(found.meta().get(m.getKey()))) {
        return Optional.of("read back metadata " + m.getKey() + " of " + key + " = '" + found.meta().get(m.getKey())
            + "', expected '" + m.getValue() + "'");
      }
    }
    return Optional.empty();
  }
}

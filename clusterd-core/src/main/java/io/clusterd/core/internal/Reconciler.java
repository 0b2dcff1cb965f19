package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.EffectivePin;
import io.clusterd.Instance;
import io.clusterd.Pin;
import io.clusterd.core.Drift;
import io.clusterd.core.Scheduler;
import io.clusterd.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Brings instances back in line: finds drift (effective pins whose actual value or metadata differs, or that are
 * missing), retries what waits in the outbox, and re-applies the pins of drifted instances, now or in the
 * background every period. The background passes skip instances that did not answer lately, for 2, 4, up to 8
 * periods. Thread-safe.
 */
public final class Reconciler {
  /** The most periods the background reconciler waits before trying an instance that did not answer again. */
  static final int MAX_BACKOFF = 8;

  private final GuardedTree tree;
  private final Forwarder forwarder;
  private final Deliveries deliveries;
  private final StatusBoard board;
  private final Function<String, CompletableFuture<?>> sync;
  private final Clock clock;
  private final Duration period;
  private final ReconcileBackoff backoff;
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  /** {@code sync} applies a sync of one instance as a change by the reconciler. */
  public Reconciler(GuardedTree tree, Forwarder forwarder, Deliveries deliveries, StatusBoard board,
      Function<String, CompletableFuture<?>> sync, Clock clock, Duration period) {
    this.tree = tree;
    this.forwarder = forwarder;
    this.deliveries = deliveries;
    this.board = board;
    this.sync = sync;
    this.clock = clock;
    this.period = period;
    this.backoff = new ReconcileBackoff(period, MAX_BACKOFF);
  }

  /** Runs passes every period on {@code scheduler}, unless the period is zero. */
  public void start(Scheduler scheduler) {
    if (!period.isZero()) {
      scheduler.every(period, this::backgroundPass);
    }
  }

  /** The drift of each instance given; instances that do not answer are left out. */
  public CompletableFuture<Map<String, List<Drift>>> drift(List<Instance> targets) {
    Map<String, CompletableFuture<List<Drift>>> futures = new LinkedHashMap<>();
    for (Instance i : targets) {
      futures.put(i.id(), driftOf(i).exceptionally(t -> null));
    }
    return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, List<Drift>> out = new LinkedHashMap<>();
      futures.forEach((id, f) -> {
        if (f.join() != null) {
          out.put(id, f.join());
        }
      });
      return out;
    });
  }

  private CompletableFuture<List<Drift>> driftOf(Instance instance) {
    Optional<List<EffectivePin>> desired = tree.read(t -> t.contains(instance.id())
        ? Optional.of(t.effectivePins(instance.id())) : Optional.empty());
    if (desired.isEmpty()) {
      return CompletableFuture.failedFuture(ClusterdException.refused(List.of(Refusals.instanceMissing(instance.id()))));
    }
    if (desired.get().isEmpty()) {
      // nothing to compare: a version probe still tells whether the instance answers
      return forwarder.call(instance, Transport::version).thenApply(v -> {
        board.drift(instance.id(), List.of());
        return List.of();
      });
    }
    List<CompletableFuture<Optional<Drift>>> checks = new ArrayList<>();
    for (EffectivePin p : desired.get()) {
      checks.add(forwarder.call(instance, t -> t.lookup(p.key(), 0)).thenApply(r -> {
        Pin want = p.pin();
        boolean same = r.exists() && r.value().equals(want.value())
            && r.meta().entrySet().containsAll(want.meta().entrySet());
        return same ? Optional.<Drift>empty() : Optional.of(new Drift(instance.id(), p.key(), p.lockedBy(),
            want.value(), r.exists() ? Optional.of(r.value()) : Optional.empty(), want.meta(), r.meta()));
      }));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<Drift> out = new ArrayList<>();
      checks.forEach(c -> c.join().ifPresent(out::add));
      board.drift(instance.id(), out);
      return out;
    });
  }

  /**
   * One pass over the given instances: delivers what waits for each that answers, then checks drift and
   * re-applies the effective pins of drifted ones.
   */
  public CompletableFuture<Void> reconcile(List<Instance> instances) {
    runs.incrementAndGet();
    List<CompletableFuture<?>> retries = new ArrayList<>();
    for (Instance i : instances) {
      if (deliveries.pendingCount(i.id()) > 0) {
        retries.add(deliveries.retry(i.id()));
      }
    }
    return CompletableFuture.allOf(retries.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      deliveries.flush();
      List<CompletableFuture<?>> checks = new ArrayList<>();
      for (Instance i : instances) {
        if (deliveries.pendingCount(i.id()) > 0 || !tree.read(t -> t.contains(i.id()))) {
          continue;
        }
        checks.add(driftOf(i).thenCompose(d -> d.isEmpty() ? CompletableFuture.completedFuture(null)
            : sync.apply(i.id()).thenCompose(r -> driftOf(i))).exceptionally(t -> {
              failures.incrementAndGet();
              return null;
            }));
      }
      return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
    }).whenComplete((v, t) -> {
      Instant now = clock.instant();
      for (Instance i : instances) {
        backoff.record(i.id(), board.reachable(i.id()), now);
      }
    });
  }

  private void backgroundPass() {
    Instant now = clock.instant();
    try {
      reconcile(tree.read(Tree::instances).stream().filter(i -> backoff.due(i.id(), now)).toList())
          .get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      // the next pass tries again
    }
  }

  /** Passes run so far (background and on request). */
  public long runs() {
    return runs.get();
  }

  /** Instance checks of those passes that failed: no answer, or a sync that did not take. */
  public long failures() {
    return failures.get();
  }

  /** The instance left the registry. */
  public void forget(String instance) {
    backoff.forget(instance);
  }
}

package io.clusterd.core.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the background reconciler tries an instance that did not answer again: after 2, 4, 8... periods, at most
 * {@code maxFactor} periods, so a fleet with dead hosts is not probed at full rate forever. An answer resets it.
 * Thread-safe.
 */
final class ReconcileBackoff {
  private record State(int failures, Instant next) { }

  private final Duration period;
  private final int maxFactor;
  private final Map<String, State> states = new ConcurrentHashMap<>();

  ReconcileBackoff(Duration period, int maxFactor) {
    this.period = period;
    this.maxFactor = Math.max(1, maxFactor);
  }

  /** Whether the instance may be tried at {@code now}. */
  boolean due(String instance, Instant now) {
    State s = states.get(instance);
    return s == null || !now.isBefore(s.next);
  }

  /** Records the outcome of a try at {@code now}. */
  void record(String instance, boolean answered, Instant now) {
    if (answered) {
      states.remove(instance);
      return;
    }
    states.compute(instance, (id, s) -> {
      int failures = s == null ? 1 : s.failures + 1;
      long factor = Math.min(maxFactor, 1L << Math.min(failures, 30));
      return new State(failures, now.plus(period.multipliedBy(factor)));
    });
  }

  void forget(String instance) {
    states.remove(instance);
  }
}

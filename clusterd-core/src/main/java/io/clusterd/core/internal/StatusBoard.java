package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.FanOutResult;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.core.Drift;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What is known of each instance: when it last answered, whether it is reachable and why not, and its drift as
 * last checked. Fed by every delivery and forwarded read; read for status. Thread-safe.
 */
public final class StatusBoard {
  private record Health(Optional<Instant> lastSeen, boolean reachable, String lastError) { }

  private final Clock clock;
  private final Consumer<String> changed;
  private final Map<String, Health> health = new ConcurrentHashMap<>();
  private final Map<String, List<Drift>> drifts = new ConcurrentHashMap<>();

  public StatusBoard(Clock clock) {
    this(clock, id -> { });
  }

  /**
   * @param changed hears of an instance whose status may have changed: after a forwarded read, a drift check or a
   *     sync (deliveries report through their outcome instead)
   */
  public StatusBoard(Clock clock, Consumer<String> changed) {
    this.clock = clock;
    this.changed = changed;
  }

  /** Records the answer to a forwarded read or probe, as {@link #observe} does; its status may have changed. */
  public void observeRead(String instance, Optional<ClusterdException> failure) {
    observe(instance, failure);
    changed.accept(instance);
  }

  /** Records that an instance answered (empty) or how it failed. */
  public void observe(String instance, Optional<ClusterdException> failure) {
    if (failure.isEmpty()) {
      health.put(instance, new Health(Optional.of(clock.instant()), true, ""));
      return;
    }
    ClusterdException e = failure.get();
    Health old = health.get(instance);
    boolean reachable = !Dispatcher.unreached(e);
    Optional<Instant> seen = reachable ? Optional.of(clock.instant()) : old == null ? Optional.empty() : old.lastSeen();
    health.put(instance, new Health(seen, reachable, e.getMessage()));
  }

  /** Whether the instance answered when last tried (true when it was never tried). */
  public boolean reachable(String instance) {
    Health h = health.get(instance);
    return h == null || h.reachable();
  }

  /** Records the drift found on an instance; an empty list means in sync. */
  public void drift(String instance, List<Drift> found) {
    if (found.isEmpty()) {
      drifts.remove(instance);
    } else {
      drifts.put(instance, List.copyOf(found));
    }
    changed.accept(instance);
  }

  /** After a sync: every instance that took all its effective pins again is in sync. */
  public void resynced(WritePlan.Effects effects, FanOutResult fanOut) {
    if (effects.resync()) {
      fanOut.results().stream().filter(InstanceOutcome::succeeded).forEach(o -> {
        drifts.remove(o.instance());
        changed.accept(o.instance());
      });
    }
  }

  public void forget(String instance) {
    health.remove(instance);
    drifts.remove(instance);
  }

  /** The status of an instance with {@code pending} writes waiting for it. */
  public InstanceState status(String instance, int pending) {
    Health h = health.get(instance);
    Optional<Instant> seen = h == null ? Optional.empty() : h.lastSeen();
    boolean unreachable = h != null && !h.reachable();
    if (pending > 0) {
      // missed writes matter more than the reason: they are delivered as soon as the instance answers
      return new InstanceState(instance, InstanceState.Status.PENDING, seen, pending + " write(s) not yet delivered"
          + (unreachable ? "; " + h.lastError() : ""));
    }
    if (unreachable) {
      return new InstanceState(instance, InstanceState.Status.UNREACHABLE, seen, h.lastError());
    }
    List<Drift> d = drifts.get(instance);
    if (d != null && !d.isEmpty()) {
      return new InstanceState(instance, InstanceState.Status.DRIFTED, seen, d.size() + " key(s) differ from desired");
    }
    if (seen.isEmpty()) {
      return new InstanceState(instance, InstanceState.Status.UNKNOWN, seen, "not contacted yet");
    }
    return new InstanceState(instance, InstanceState.Status.IN_SYNC, seen, "");
  }
}

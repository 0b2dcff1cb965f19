package io.clusterd.core.internal;

import io.clusterd.InstanceState;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Tells the {@link EventHub} when an instance's status (in-sync, pending, drifted, unreachable, unknown) changes.
 * Checked after each delivery, forwarded read, drift check and sync, not at each observation inside a delivery (the
 * write then still counts as pending), so a write that goes through does not flap the status. Thread-safe.
 */
public final class StatusWatch {
  private final StatusBoard board;
  private final ToIntFunction<String> pending;
  private final EventHub events;
  private final Map<String, InstanceState.Status> published = new ConcurrentHashMap<>();

  public StatusWatch(StatusBoard board, ToIntFunction<String> pending, EventHub events) {
    this.board = board;
    this.pending = pending;
    this.events = events;
  }

  /** Publishes the instance's status when it differs from the one published last. */
  public void check(String instance) {
    // where the instance is, read before the lock: a writer holding the tree may be waiting for it
    Set<String> nodes = events.lineageNow(instance);
    synchronized (this) {
      int waiting = pending.applyAsInt(instance);
      InstanceState state = board.status(instance, waiting);
      InstanceState.Status before = published.put(instance, state.status());
      if (before != state.status()) {
        events.status(state, waiting, nodes);
      }
    }
  }

  /** The instance left the registry. */
  public void forget(String instance) {
    published.remove(instance);
  }
}

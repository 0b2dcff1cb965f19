package io.clusterd.core.testing;

import io.clusterd.core.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Scheduler} a test drives by hand: nothing runs until {@link #tick()}, which runs every task once on
 * the calling thread. With a {@link HandClock} a test decides both when background work runs and what time it
 * sees, without sleeping.
 */
public final class HandScheduler implements Scheduler {
  private final List<Runnable> tasks = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  @Override
  public void every(Duration period, Runnable task) {
    tasks.add(task);
  }

  /** Runs every task once, as if one period had passed; does nothing once closed. */
  public void tick() {
    if (!closed) {
      tasks.forEach(Runnable::run);
    }
  }

  /** How many tasks were scheduled. */
  public int tasks() {
    return tasks.size();
  }

  @Override
  public void close() {
    closed = true;
  }
}

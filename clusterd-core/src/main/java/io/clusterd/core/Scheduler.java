package io.clusterd.core;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs clusterd's periodic background work (the reconciler). A seam like {@link java.time.Clock}: the default
 * runs tasks on one daemon thread; a test gives a scheduler it drives by hand, so time moves without sleeping.
 *
 * <pre>{@code
 * Clusterd.builder().scheduler(Scheduler.daemonThread("reconciler")).reconcileEvery(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Implementations are thread-safe; the {@link Clusterd} built with one owns and closes it.
 */
public interface Scheduler extends AutoCloseable {

  /** Runs {@code task} every {@code period}, the first time one period from now, until closed. */
  void every(Duration period, Runnable task);

  /** Stops running tasks; a task that runs is interrupted. */
  @Override
  void close();

  /** A scheduler on one daemon thread of the given name, started with the first task. */
  static Scheduler daemonThread(String name) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    return new Scheduler() {
      @Override
      public void every(Duration period, Runnable task) {
        long ms = period.toMillis();
        executor.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }
    };
  }
}

package io.clusterd.core.internal;

import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way into the store's write side: batches are applied one at a time, whoever commits them; counts the
 * commits and the time they took.
 */
public final class StoreWriter {
  private final RegistryStore store;
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong nanos = new AtomicLong();

  public StoreWriter(RegistryStore store) {
    this.store = store;
  }

  /** Applies a batch durably; an empty batch is not sent. */
  public synchronized void apply(StoreChanges changes) {
    if (!changes.isEmpty()) {
      long start = System.nanoTime();
      try {
        store.apply(changes);
      } finally {
        nanos.addAndGet(System.nanoTime() - start);
        commits.incrementAndGet();
      }
    }
  }

  /** Batches committed (or tried) so far. */
  public long commits() {
    return commits.get();
  }

  /** The time all commits took together. */
  public Duration commitTime() {
    return Duration.ofNanos(nanos.get());
  }
}

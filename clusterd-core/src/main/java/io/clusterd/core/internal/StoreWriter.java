package io.clusterd.core.internal;

import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;

/** The one way into the store's write side: batches are applied one at a time, whoever commits them. */
public final class StoreWriter {
  private final RegistryStore store;

  public StoreWriter(RegistryStore store) {
    this.store = store;
  }

  /** Applies a batch durably; an empty batch is not sent. */
  public synchronized void apply(StoreChanges changes) {
    if (!changes.isEmpty()) {
      store.apply(changes);
    }
  }
}

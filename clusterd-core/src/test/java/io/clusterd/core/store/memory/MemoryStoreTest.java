package io.clusterd.core.store.memory;

import io.clusterd.core.store.RegistryStoreContract;
import io.clusterd.spi.RegistryStore;

/** The in-memory store keeps the registry store contract. */
class MemoryStoreTest extends RegistryStoreContract {

  @Override
  protected RegistryStore newStore() {
    return new MemoryStore();
  }
}

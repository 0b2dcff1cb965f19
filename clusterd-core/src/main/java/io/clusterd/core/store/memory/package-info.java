/**
 * The in-memory registry store: {@link io.clusterd.core.store.memory.MemoryStore}, for tests, demos and
 * embedding without durability. It follows the same contract as the durable store, so code tested against it
 * behaves the same on disk.
 *
 * <pre>{@code
 * RegistryStore store = new MemoryStore();
 * store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("prod", "Production"), Optional.empty())).build());
 * }</pre>
 */
package io.clusterd.core.store.memory;

/**
 * API: the {@link io.clusterd.core.Clusterd} facade and its builder, and the values it takes and gives:
 * {@link io.clusterd.core.Change} (every mutation, planned or applied), {@link io.clusterd.core.Plan},
 * {@link io.clusterd.core.ChangeResult}, node specs and updates, {@link io.clusterd.core.Drift}, and the
 * {@link io.clusterd.core.Scheduler} seam for background work.
 *
 * <pre>{@code
 * try (Clusterd clusterd = Clusterd.builder().transport(new MemTransportFactory()).build()) {
 *   clusterd.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
 *   Plan plan = clusterd.plan(new Change.Sync("web-1"));
 * }
 * }</pre>
 */
package io.clusterd.core;

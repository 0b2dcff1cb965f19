/**
 * Not API (the module does not export it): the engine behind the facade, one concern per class. A write runs
 * straight through: {@link io.clusterd.core.internal.Planner} turns a change into a
 * {@link io.clusterd.core.internal.WritePlan} against the {@link io.clusterd.core.internal.Tree}, checking the
 * conflict rules; the facade commits its store batch (with the outbox rows
 * {@link io.clusterd.core.internal.Deliveries} numbers), applies its tree edits and hands its sends to the
 * deliveries; {@link io.clusterd.core.internal.StatusBoard} and {@link io.clusterd.core.internal.Reconciler}
 * keep status and drift and bring instances back in line.
 */
package io.clusterd.core.internal;

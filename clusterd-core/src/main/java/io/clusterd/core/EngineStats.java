package io.clusterd.core;

import java.time.Duration;

/**
 * Counters of the engine since it was built, for metrics: reconciler passes and the instance checks in them that
 * failed (no answer, or a sync that did not take), and the store commits with the time they took together.
 *
 * <p>Immutable and thread-safe; {@link Clusterd#stats()} answers a fresh one.
 */
public record EngineStats(long reconcilerRuns, long reconcilerFailures, long storeCommits, Duration storeCommitTime) { }

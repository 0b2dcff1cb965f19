package io.clusterd.core;

import io.clusterd.KeyName;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One effective pin that an instance does not carry as desired: the key, the cluster locking it, the desired
 * value and metadata, and what the instance has ({@code actual} empty when the key is missing).
 *
 * <p>Immutable and thread-safe.
 */
public record Drift(
    String instance,
    KeyName key,
    String lockedBy,
    String desired,
    Optional<String> actual,
    Map<String, String> desiredMeta,
    Map<String, String> actualMeta) {

  public Drift {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lockedBy, "lockedBy");
    Objects.requireNonNull(desired, "desired");
    Objects.requireNonNull(actual, "actual");
    desiredMeta = Map.copyOf(desiredMeta);
    actualMeta = Map.copyOf(actualMeta);
  }
}

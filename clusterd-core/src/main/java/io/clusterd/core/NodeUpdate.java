package io.clusterd.core;

import java.util.Map;
import java.util.Optional;

/**
 * Fields to change on a node; empty fields stay as they are. {@code host} applies to instances only (the new
 * endpoint must not be registered already).
 *
 * <p>Immutable and thread-safe.
 */
public record NodeUpdate(
    Optional<String> name, Optional<String> description, Optional<Map<String, String>> labels, Optional<String> host) {

  public static NodeUpdate none() {
    return new NodeUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Whether the update changes any field. */
  public boolean isEmpty() {
    return name.isEmpty() && description.isEmpty() && labels.isEmpty() && host.isEmpty();
  }

  public static NodeUpdate rename(String name) {
    return new NodeUpdate(Optional.of(name), Optional.empty(), Optional.empty(), Optional.empty());
  }
}

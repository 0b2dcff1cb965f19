package io.clusterd;

import java.util.Map;
import java.util.Objects;

/**
 * A key pinned by a cluster: the desired value and metadata of that key on every instance below the cluster.
 *
 * <p>Immutable and thread-safe; metadata names carry no {@code meta:/} prefix.
 */
public record Pin(KeyName key, String value, Map<String, String> meta) {
  public Pin {
    Objects.requireNonNull(key, "key");
    value = value == null ? "" : value;
    meta = Map.copyOf(meta == null ? Map.of() : meta);
  }

  public static Pin of(KeyName key, String value) {
    return new Pin(key, value, Map.of());
  }

  public Pin withValue(String newValue) {
    return new Pin(key, newValue, meta);
  }

  public Pin withMeta(Map<String, String> newMeta) {
    return new Pin(key, value, newMeta);
  }
}

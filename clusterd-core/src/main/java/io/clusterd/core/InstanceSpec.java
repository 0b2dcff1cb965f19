package io.clusterd.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client gives to register an instance: an optional id (generated when empty), a display name, the
 * endpoint URI ({@code host}), and optional description, labels, visibility and transport name.
 *
 * <pre>{@code
 * clusterd.registerInstance(InstanceSpec.of("web 1", "http://10.0.0.5:33333").withId("web-1"));
 * }</pre>
 *
 * <p>Immutable and thread-safe; validation happens when the registry accepts it.
 */
public record InstanceSpec(
    Optional<String> id,
    String name,
    String host,
    String description,
    Map<String, String> labels,
    String visibility,
    Optional<String> transport) {

  public InstanceSpec {
    Objects.requireNonNull(id, "id");
    name = name == null ? "" : name;
    host = host == null ? "" : host;
    description = description == null ? "" : description;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    visibility = visibility == null ? "" : visibility;
    Objects.requireNonNull(transport, "transport");
  }

  public static InstanceSpec of(String name, String host) {
    return new InstanceSpec(Optional.empty(), name, host, "", Map.of(), "", Optional.empty());
  }

  public InstanceSpec withId(String newId) {
    return new InstanceSpec(Optional.of(newId), name, host, description, labels, visibility, transport);
  }

  public InstanceSpec withDescription(String newDescription) {
    return new InstanceSpec(id, name, host, newDescription, labels, visibility, transport);
  }

  public InstanceSpec withLabels(Map<String, String> newLabels) {
    return new InstanceSpec(id, name, host, description, newLabels, visibility, transport);
  }
}

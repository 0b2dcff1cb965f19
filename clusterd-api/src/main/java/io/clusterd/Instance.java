package io.clusterd;

import java.util.Map;
import java.util.Objects;

/**
 * A leaf of the tree: one host's key database, reached through the transport selected by {@code transport}
 * (by default the scheme of its {@link Endpoint}). {@code visibility} is kept for compatibility with Elektra
 * Web (it decides which keys its client shows; clusterd only stores it), {@code "user"} by default.
 *
 * <p>Immutable and thread-safe; the compact constructor validates id and name and copies the labels.
 */
public record Instance(
    String id,
    String name,
    String description,
    Map<String, String> labels,
    Endpoint endpoint,
    String transport,
    String visibility) implements Node {

  public Instance {
    Node.requireValidId(id);
    name = Node.requireValidName(name);
    description = description == null ? "" : description;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    Objects.requireNonNull(endpoint, "endpoint");
    transport = transport == null || transport.isBlank() ? endpoint.scheme() : transport;
    visibility = visibility == null || visibility.isBlank() ? "user" : visibility;
  }

  /** An instance with default description, labels, transport and visibility. */
  public static Instance of(String id, String name, Endpoint endpoint) {
    return new Instance(id, name, "", Map.of(), endpoint, null, null);
  }
}

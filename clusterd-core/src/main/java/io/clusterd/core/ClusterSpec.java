package io.clusterd.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client gives to create a cluster: an optional id (without one, the slug of the name, made unique), a
 * display name, optional description and labels, an optional parent cluster, and nodes to attach as members right
 * away (each attach is checked like an explicit one; the whole creation is refused when any member conflicts).
 *
 * <p>Immutable and thread-safe.
 */
public record ClusterSpec(
    Optional<String> id,
    String name,
    String description,
    Map<String, String> labels,
    Optional<String> parent,
    List<String> members) {

  public ClusterSpec {
    Objects.requireNonNull(id, "id");
    name = name == null ? "" : name;
    description = description == null ? "" : description;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
    Objects.requireNonNull(parent, "parent");
    members = List.copyOf(members == null ? List.of() : members);
  }

  public static ClusterSpec of(String name) {
    return new ClusterSpec(Optional.empty(), name, "", Map.of(), Optional.empty(), List.of());
  }

  public ClusterSpec withId(String newId) {
    return new ClusterSpec(Optional.of(newId), name, description, labels, parent, members);
  }

  public ClusterSpec withParent(String newParent) {
    return new ClusterSpec(id, name, description, labels, Optional.of(newParent), members);
  }

  public ClusterSpec withMembers(List<String> newMembers) {
    return new ClusterSpec(id, name, description, labels, parent, newMembers);
  }
}

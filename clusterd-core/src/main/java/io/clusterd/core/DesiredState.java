package io.clusterd.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The whole desired state of a registry as one document (docs/state.md): the clusters nested as in the tree, each
 * with its fields, its pins and its member instances by id, and every instance with its fields.
 * {@link Clusterd#exportState()} gives it in canonical order (ids, key names and label names sorted, key and
 * metadata names in canonical form); {@link Change.ApplyState} makes the registry equal to one.
 *
 * <p>A document read from a client is kept as written, with key names as text, so that every problem in it can be
 * reported with its place ({@code clusters[0].pins['user:/x']}); the planner checks it. Immutable and thread-safe.
 */
public record DesiredState(List<ClusterEntry> clusters, List<InstanceEntry> instances) {

  /** A cluster: fields, pins (key name to value and metadata), member instance ids, and sub-clusters. */
  public record ClusterEntry(String id, String name, String description, Map<String, String> labels,
      List<PinEntry> pins, List<String> instances, List<ClusterEntry> clusters) {
    public ClusterEntry {
      id = id == null ? "" : id;
      name = name == null ? "" : name;
      description = description == null ? "" : description;
      labels = sorted(labels);
      pins = List.copyOf(pins == null ? List.of() : pins);
      instances = List.copyOf(instances == null ? List.of() : instances);
      clusters = List.copyOf(clusters == null ? List.of() : clusters);
    }
  }

  /** An instance: its fields; {@code transport} empty means the scheme of {@code host}. */
  public record InstanceEntry(String id, String name, String host, Optional<String> transport, String description,
      Map<String, String> labels) {
    public InstanceEntry {
      id = id == null ? "" : id;
      name = name == null ? "" : name;
      host = host == null ? "" : host;
      transport = transport == null ? Optional.empty() : transport.filter(t -> !t.isBlank());
      description = description == null ? "" : description;
      labels = sorted(labels);
    }
  }

  /** One pin as the document writes it: a key name, its value, and its metadata (names without {@code meta:/}). */
  public record PinEntry(String key, String value, Map<String, String> meta) {
    public PinEntry {
      Objects.requireNonNull(key, "key");
      value = value == null ? "" : value;
      meta = sorted(meta);
    }
  }

  public DesiredState {
    clusters = List.copyOf(clusters == null ? List.of() : clusters);
    instances = List.copyOf(instances == null ? List.of() : instances);
  }

  /** The empty state: no clusters, no instances. */
  public static DesiredState empty() {
    return new DesiredState(List.of(), List.of());
  }

  /**
   * The version of this document: a digest of everything it holds, in its order. Two exports of the same state
   * have the same version; it is the {@code ETag} of {@code GET /api/state} and what {@code If-Match} compares.
   */
  public String version() {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Digest d = new Digest(sha);
    d.count(clusters.size());
    clusters.forEach(d::cluster);
    d.count(instances.size());
    for (InstanceEntry i : instances) {
      d.text(i.id()).text(i.name()).text(i.host()).text(i.transport().orElse("")).text(i.description())
          .map(i.labels());
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }

  private static Map<String, String> sorted(Map<String, String> m) {
    return Collections.unmodifiableMap(new TreeMap<>(m == null ? Map.of() : m));
  }

  /** Length-prefixed fields, so that no two documents feed the digest the same bytes. */
  private record Digest(MessageDigest sha) {
    Digest text(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      count(b.length);
      sha.update(b);
      return this;
    }

    Digest count(int n) {
      sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
      return this;
    }

    Digest map(Map<String, String> m) {
      count(m.size());
      m.forEach((k, v) -> text(k).text(v));
      return this;
    }

    void cluster(ClusterEntry c) {
      text(c.id()).text(c.name()).text(c.description()).map(c.labels());
      count(c.pins().size());
      c.pins().forEach(p -> text(p.key()).text(p.value()).map(p.meta()));
      count(c.instances().size());
      c.instances().forEach(this::text);
      count(c.clusters().size());
      c.clusters().forEach(this::cluster);
    }
  }
}

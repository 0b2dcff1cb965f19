package io.clusterd.http.internal;

import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Pin;
import io.clusterd.core.Clusterd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster's pins shown in the shape of an instance lookup ({@code exists, name, path, ls, value, meta,
 * children}), so a client can browse a cluster like an instance; optionally with each member's actual value.
 */
final class ClusterLookup {
  private final Clusterd clusterd;

  ClusterLookup(Clusterd clusterd) {
    this.clusterd = clusterd;
  }

  /** The pins of {@code cluster} at and below {@code key}, in lookup shape plus the {@code pins} themselves. */
  Map<String, Object> pins(String cluster, KeyName key) {
    List<Pin> pins = clusterd.pins(cluster);
    List<String> ls = new ArrayList<>();
    Pin self = null;
    List<Map<String, Object>> children = new ArrayList<>();
    for (Pin p : pins) {
      if (p.key().isListedBy(key)) {
        ls.add(p.key().toString());
      }
      if (p.key().equals(key)) {
        self = p;
      } else if (p.key().isDirectlyBelow(key)) {
        children.add(Json.lookup(new LookupResult(true, p.key().baseName(), p.key().toString(),
            List.of(p.key().toString()), p.value(), p.meta(), List.of())));
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("exists", self != null);
    body.put("name", key.baseName());
    body.put("path", key.toString());
    body.put("ls", ls);
    if (self != null && !self.value().isEmpty()) {
      body.put("value", self.value());
    }
    if (self != null && !self.meta().isEmpty()) {
      body.put("meta", self.meta());
    }
    if (!children.isEmpty()) {
      body.put("children", children);
    }
    body.put("pins", pins.stream().filter(p -> p.key().isListedBy(key)).map(Json::pin).toList());
    return body;
  }

  /** {@link #pins} plus {@code members}: each instance's actual value of {@code key} (or the error reading it). */
  CompletableFuture<Map<String, Object>> withMembers(String cluster, KeyName key) {
    Map<String, Object> body = pins(cluster, key);
    Map<String, CompletableFuture<Object>> actual = new LinkedHashMap<>();
    for (Instance i : clusterd.targets(cluster)) {
      actual.put(i.id(), clusterd.lookup(i.id(), key, 0).<Object>thenApply(r -> r.exists() ? r.value() : null)
          .exceptionally(t -> Map.of("error", ErrorAnswers.toError(t).getMessage())));
    }
    return CompletableFuture.allOf(actual.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, Object> members = new LinkedHashMap<>();
      actual.forEach((id, f) -> members.put(id, f.getNow(null)));
      body.put("members", members);
      return body;
    });
  }
}

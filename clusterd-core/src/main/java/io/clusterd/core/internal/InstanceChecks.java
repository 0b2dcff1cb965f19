package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Validation of instance writes of keys no cluster locks (SEMANTICS section 7): the checks come from the key's own
 * metadata on the instance and from its {@code spec:/} counterpart there, both read just before the write. The
 * {@code spec:/} key's metadata applies first, the key's own entries override it entry by entry. Writes that cannot
 * change the outcome of a check (deletes, moves, copies, metadata outside {@code check/}) read nothing.
 */
public final class InstanceChecks {
  private final Forwarder forwarder;

  public InstanceChecks(Forwarder forwarder) {
    this.forwarder = forwarder;
  }

  /** Whether these operations on one key need the instance's checks: a value set, or a {@code check/} entry changed. */
  public static boolean needed(List<KeyOperation> ops) {
    return ops.stream().anyMatch(op -> op.kind() == KeyOperation.Kind.SET
        || (op.kind() == KeyOperation.Kind.SET_META || op.kind() == KeyOperation.Kind.DELETE_META)
        && op.metaName().orElse("").startsWith("check/"));
  }

  /**
   * The conflicts of writing {@code ops} (all of {@code key}, in order) to the instance: {@code INVALID_VALUE} when
   * the value the key has afterwards fails the checks it has afterwards. A key whose value stays empty after
   * metadata changes only is not checked (as for pins). When the instance cannot be read the write goes on
   * unchecked: it would meet the same failure.
   */
  public CompletableFuture<List<Conflict>> check(Instance instance, KeyName key, List<KeyOperation> ops) {
    if (!needed(ops)) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletableFuture<LookupResult> own = forwarder.call(instance, t -> t.lookup(key, 0));
    CompletableFuture<LookupResult> spec = key.namespace() == Namespace.SPEC ? own
        : forwarder.call(instance, t -> t.lookup(key.withNamespace(Namespace.SPEC), 0));
    return own.thenCombine(spec, (o, s) -> conflicts(key, o, s, ops))
        .exceptionally(failure -> List.of());
  }

  static List<Conflict> conflicts(KeyName key, LookupResult own, LookupResult spec, List<KeyOperation> ops) {
    Map<String, String> ownMeta = new TreeMap<>(own.exists() ? own.meta() : Map.of());
    String value = own.exists() ? own.value() : "";
    boolean valueSet = false;
    for (KeyOperation op : ops) {
      switch (op.kind()) {
        case SET -> {
          value = op.value().orElseThrow();
          valueSet = true;
        }
        case SET_META -> ownMeta.put(op.metaName().orElseThrow(), op.value().orElseThrow());
        case DELETE_META -> ownMeta.remove(op.metaName().orElseThrow());
        default -> { }
      }
    }
    if (!valueSet && value.isEmpty()) {
      return List.of();
    }
    Map<String, String> meta = new TreeMap<>(spec.exists() ? spec.meta() : Map.of());
    meta.putAll(ownMeta);
    return ConflictRules.validValue(key, value, meta);
  }
}

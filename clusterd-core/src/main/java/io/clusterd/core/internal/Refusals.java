package io.clusterd.core.internal;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The conflicts every planner may raise, worded once so every route says the same thing. */
final class Refusals {
  private Refusals() { }

  static Conflict clusterMissing(String id) {
    return Conflict.of(ErrorCode.CLUSTER_NOT_FOUND, "no cluster with id '" + id + "'", Map.of("id", id));
  }

  static Conflict instanceMissing(String id) {
    return Conflict.of(ErrorCode.INSTANCE_NOT_FOUND, "no instance with id '" + id + "'", Map.of("id", id));
  }

  static Conflict nodeMissing(String id) {
    return Conflict.of(ErrorCode.NOT_FOUND, "no node with id '" + id + "'", Map.of("id", id));
  }

  static Conflict idTaken(String id) {
    return Conflict.of(ErrorCode.ID_ALREADY_EXISTS, "a node with id '" + id + "' already exists: choose another id",
        Map.of("id", id));
  }

  static Conflict locked(KeyName key, String lockedBy, String what) {
    return Conflict.of(ErrorCode.KEY_LOCKED,
        key + " is locked by cluster '" + lockedBy + "' and cannot be changed on " + what
            + ": change it on cluster '" + lockedBy + "'",
        Map.of("key", key.toString(), "lockedBy", lockedBy));
  }

  /** C0 for one name, with the reason its namespace cannot be written. */
  static Optional<Conflict> notWritable(KeyName key) {
    return key.namespace().whyNotWritable().map(why -> Conflict.of(ErrorCode.NAMESPACE_NOT_WRITABLE,
        key + " cannot be written (" + why + "): use one of the namespaces user:/, system:/, dir:/, spec:/",
        Map.of("key", key.toString(), "namespace", key.namespace().name().toLowerCase(Locale.ROOT))));
  }

  static Conflict invalidMetaName(String name, KeyName key) {
    return Conflict.of(ErrorCode.INVALID_BODY, "'" + name + "' is not a metadata name: give a name like check/type",
        Map.of("key", key.toString()));
  }
}

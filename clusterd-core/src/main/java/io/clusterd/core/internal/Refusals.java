package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
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

  static Conflict rolloutInProgress(io.clusterd.core.Rollout r, KeyName key) {
    return Conflict.of(ErrorCode.ROLLOUT_IN_PROGRESS, key + " is being rolled out by rollout '" + r.id()
        + "' of cluster '" + r.cluster() + "' (" + r.state().label() + "): resume it to the end or abort it first",
        Map.of("key", key.toString(), "rollout", r.id(), "cluster", r.cluster()));
  }

  static Conflict rolloutMissing(String id) {
    return Conflict.of(ErrorCode.ROLLOUT_NOT_FOUND, "no rollout with id '" + id + "'", Map.of("id", id));
  }

  static Conflict locked(KeyName key, String lockedBy, String what) {
    return Conflict.of(ErrorCode.KEY_LOCKED,
        key + " is locked by cluster '" + lockedBy + "' and cannot be changed on " + what
            + ": change it on cluster '" + lockedBy + "'",
        Map.of("key", key.toString(), "lockedBy", lockedBy));
  }

  /** C0 for one name, with the reason its namespace cannot be written. */
  static Optional<Conflict> notWritable(KeyName key) {
    return key.namespace().isWritable() ? Optional.empty()
        : Optional.of(ClusterdException.notWritable(key, Map.of()).conflicts().get(0));
  }

  static Conflict invalidMetaName(String name) {
    return ClusterdException.invalidMetaName(name).conflicts().get(0);
  }

}

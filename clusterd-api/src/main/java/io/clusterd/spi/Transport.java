package io.clusterd.spi;

import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One instance's key database, reached by some means (elektrad over HTTP, in memory, a plugin's own).
 *
 * <p>Every method is asynchronous and must not block the calling thread for network or disk I/O. Futures fail
 * with {@link io.clusterd.ClusterdException} whose code tells what went wrong:
 * {@code INSTANCE_UNREACHABLE} (could not connect), {@code INSTANCE_TIMEOUT}, {@code INSTANCE_BAD_ANSWER}
 * (the answer could not be understood), {@code INSTANCE_ERROR} (the instance refused, with its message and
 * {@code details.status}), {@code NAMESPACE_NOT_WRITABLE} (the transport refuses to send the write).
 *
 * <p>A failure that certainly left the instance untouched (no connection could be made, the host is stopped)
 * carries {@code details.notSent = true} ({@link #NOT_SENT}): clusterd then resends any operation, moves and
 * copies included. Without it an unreachable or timed-out operation may have been applied, and only idempotent
 * operations are sent again.
 *
 * <p>Key names passed in are canonical. Implementations must be safe for concurrent use; clusterd itself sends
 * the writes of one instance one at a time, in order. A transport is created by its {@link TransportFactory} and
 * owned by the caller, who closes it.
 */
public interface Transport extends AutoCloseable {

  /** The details key, set to {@code true}, of a failure that happened before the operation reached the instance. */
  String NOT_SENT = "notSent";

  /** The version of the instance's key database. */
  CompletableFuture<InstanceVersion> version();

  /**
   * Looks up a key; a missing key yields {@code exists=false}.
   *
   * @param preload 0..9: children are included {@code preload + 1} levels deep
   */
  CompletableFuture<LookupResult> lookup(KeyName key, int preload);

  /** Sets the value of one key, creating it when missing. */
  CompletableFuture<Void> set(KeyName key, String value);

  /** Deletes the key and every key below it; deleting a missing key succeeds. */
  CompletableFuture<Void> delete(KeyName key);

  /** Moves the key and its subtree, values and metadata included; a missing source is a no-op. */
  CompletableFuture<Void> move(KeyName from, KeyName to);

  /** Copies the key and its subtree, values and metadata included; a missing source is a no-op. */
  CompletableFuture<Void> copy(KeyName from, KeyName to);

  /** Sets one metadata entry; the key is created (with an empty value) when missing. */
  CompletableFuture<Void> setMeta(KeyName key, String metaName, String value);

  /** Removes one metadata entry; removing an absent entry succeeds. */
  CompletableFuture<Void> deleteMeta(KeyName key, String metaName);

  /** Full names of every key (any namespace) whose name matches the regular expression. */
  CompletableFuture<List<String>> find(String regex);

  /** Applies one operation by dispatching to the matching method. */
  default CompletableFuture<Void> apply(KeyOperation op) {
    return switch (op.kind()) {
      case SET -> set(op.key(), op.value().orElseThrow());
      case DELETE -> delete(op.key());
      case MOVE -> move(op.key(), op.target().orElseThrow());
      case COPY -> copy(op.key(), op.target().orElseThrow());
      case SET_META -> setMeta(op.key(), op.metaName().orElseThrow(), op.value().orElseThrow());
      case DELETE_META -> deleteMeta(op.key(), op.metaName().orElseThrow());
    };
  }

  /** Releases connections and other resources; further calls may fail. */
  @Override
  void close();
}

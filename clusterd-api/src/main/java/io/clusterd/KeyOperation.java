package io.clusterd;

import java.util.Objects;
import java.util.Optional;

/**
 * One write to a key database, the unit that is checked against locks, sent to instances, queued per instance
 * in order and recorded as pending when an instance missed it.
 *
 * <pre>{@code
 * KeyOperation op = KeyOperation.set(KeyName.parse("user:/app/port"), "8080");
 * op.isIdempotent();  // true: may be resent after a connect failure
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@code value} is used by SET and SET_META, {@code target} by MOVE and COPY,
 * {@code metaName} by SET_META and DELETE_META.
 */
public record KeyOperation(
    Kind kind, KeyName key, Optional<String> value, Optional<KeyName> target, Optional<String> metaName) {

  /** What a key operation does. */
  public enum Kind {
    /** Set the value of one key (created when missing). */
    SET(true, false),
    /** Delete the key and every key below it. */
    DELETE(true, true),
    /** Move the key and its subtree (with metadata) to {@code target}. */
    MOVE(false, true),
    /** Copy the key and its subtree (with metadata) to {@code target}. */
    COPY(false, true),
    /** Set one metadata entry of the key (the key is created when missing). */
    SET_META(true, false),
    /** Remove one metadata entry of the key. */
    DELETE_META(true, false);

    private final boolean idempotent;
    private final boolean recursive;

    Kind(boolean idempotent, boolean recursive) {
      this.idempotent = idempotent;
      this.recursive = recursive;
    }

    /** Whether the operation may be resent after a failure. */
    public boolean idempotent() {
      return idempotent;
    }

    /** Whether the operation touches the whole subtree below its key. */
    public boolean recursive() {
      return recursive;
    }

    /** The lower-case name used in history entries and JSON, e.g. {@code set-meta}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public KeyOperation {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(metaName, "metaName");
    // kept canonical, as hosts store it, so pins and drift compare like with like; an invalid name is kept as given
    // for the registry to refuse
    metaName = metaName.map(n -> KeyName.canonicalMetaName(n).orElse(n));
    switch (kind) {
      case SET -> require(value.isPresent(), "SET needs a value");
      case MOVE, COPY -> require(target.isPresent(), kind + " needs a target");
      case SET_META -> require(value.isPresent() && metaName.isPresent(), "SET_META needs a metaName and a value");
      case DELETE_META -> require(metaName.isPresent(), "DELETE_META needs a metaName");
      case DELETE -> { }
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  public static KeyOperation set(KeyName key, String value) {
    return new KeyOperation(Kind.SET, key, Optional.of(value), Optional.empty(), Optional.empty());
  }

  public static KeyOperation delete(KeyName key) {
    return new KeyOperation(Kind.DELETE, key, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static KeyOperation move(KeyName from, KeyName to) {
    return new KeyOperation(Kind.MOVE, from, Optional.empty(), Optional.of(to), Optional.empty());
  }

  public static KeyOperation copy(KeyName from, KeyName to) {
    return new KeyOperation(Kind.COPY, from, Optional.empty(), Optional.of(to), Optional.empty());
  }

  public static KeyOperation setMeta(KeyName key, String metaName, String value) {
    return new KeyOperation(Kind.SET_META, key, Optional.of(value), Optional.empty(), Optional.of(metaName));
  }

  public static KeyOperation deleteMeta(KeyName key, String metaName) {
    return new KeyOperation(Kind.DELETE_META, key, Optional.empty(), Optional.empty(), Optional.of(metaName));
  }

  /** Whether the operation may be resent after a connect failure or a 5xx answer. */
  public boolean isIdempotent() {
    return kind.idempotent();
  }
}

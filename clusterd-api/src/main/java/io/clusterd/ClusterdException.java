package io.clusterd;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one unchecked exception of clusterd. It carries a stable {@link ErrorCode} (its {@code i18n} token and
 * HTTP status), a message that says what to fix, structured details, and, when an operation was refused for
 * several reasons at once, every {@link Conflict} found.
 *
 * <pre>{@code
 * try {
 *   clusterd.setInstanceKey("web-1", KeyName.parse("user:/app/port"), "8080");
 * } catch (ClusterdException e) {
 *   if (e.code() == ErrorCode.KEY_LOCKED) {
 *     System.out.println(e.details().get("lockedBy"));
 *   }
 * }
 * }</pre>
 */
public class ClusterdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final transient Map<String, Object> details;
  private final transient List<Conflict> conflicts;

  public ClusterdException(ErrorCode code, String message, Map<String, Object> details) {
    this(code, message, details, null);
  }

  public ClusterdException(ErrorCode code, String message, Map<String, Object> details, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.details = Map.copyOf(details);
    this.conflicts = List.of(new Conflict(code, message, details));
  }

  private ClusterdException(List<Conflict> conflicts) {
    super(conflicts.get(0).message());
    this.code = conflicts.get(0).code();
    this.details = conflicts.get(0).details();
    this.conflicts = List.copyOf(conflicts);
  }

  /** An exception with the given code and message and no details. */
  public static ClusterdException of(ErrorCode code, String message) {
    return new ClusterdException(code, message, Map.of());
  }

  /** An exception with the given code, message and details. */
  public static ClusterdException of(ErrorCode code, String message, Map<String, Object> details) {
    return new ClusterdException(code, message, details);
  }

  /**
   * An exception reporting every conflict of one refused operation; the first conflict gives the code,
   * message and details.
   *
   * @throws IllegalArgumentException if {@code conflicts} is empty
   */
  public static ClusterdException refused(List<Conflict> conflicts) {
    if (conflicts.isEmpty()) {
      throw new IllegalArgumentException("no conflicts");
    }
    return new ClusterdException(conflicts);
  }

  /**
   * {@link ErrorCode#NAMESPACE_NOT_WRITABLE} for a key in a namespace clusterd never writes to an instance, saying
   * why and which namespaces can be written; the details name the key and namespace, plus {@code more}.
   *
   * @throws IllegalArgumentException if the key's namespace is writable
   */
  public static ClusterdException notWritable(KeyName key, Map<String, Object> more) {
    Namespace ns = key.namespace();
    String why = ns.whyNotWritable().orElseThrow(() -> new IllegalArgumentException(ns + " is writable"));
    Map<String, Object> details = new java.util.LinkedHashMap<>(more);
    details.put("key", key.toString());
    details.put("namespace", ns.name().toLowerCase(java.util.Locale.ROOT));
    return of(ErrorCode.NAMESPACE_NOT_WRITABLE,
        key + " cannot be written (" + why + "); the writable namespaces are user:/, system:/, dir:/ and spec:/",
        details);
  }

  /** {@link ErrorCode#INVALID_BODY} for a name that is no metadata name (see {@link KeyName#canonicalMetaName}). */
  public static ClusterdException invalidMetaName(String name) {
    return of(ErrorCode.INVALID_BODY, "invalid metadata name '" + name + "': give a name such as 'check/type'",
        Map.of("meta", name));
  }

  /**
   * The failure a future reports, without the {@link java.util.concurrent.CompletionException} and
   * {@link java.util.concurrent.ExecutionException} wrappers around it.
   *
   * <pre>{@code
   * future.exceptionally(t -> answer(ClusterdException.unwrap(t)));
   * }</pre>
   */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The stable code, also the {@code i18n} token. */
  public ErrorCode code() {
    return code;
  }

  /** The HTTP status of {@link #code()}. */
  public int httpStatus() {
    return code.httpStatus();
  }

  /** Structured details of the first conflict; never null. */
  public Map<String, Object> details() {
    return details;
  }

  /** Every conflict of the refused operation, at least one. */
  public List<Conflict> conflicts() {
    return conflicts;
  }
}

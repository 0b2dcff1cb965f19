package io.clusterd;

import java.util.Map;
import java.util.Objects;

/**
 * One reason an operation was refused: a stable {@link ErrorCode}, a message that says what to fix, and
 * structured details (for example {@code key} and {@code lockedBy}). A refused operation reports all of its
 * conflicts together.
 *
 * <p>Immutable and thread-safe; {@code details} values are strings, numbers, booleans or lists of those.
 */
public record Conflict(ErrorCode code, String message, Map<String, Object> details) {

  public Conflict {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    details = Map.copyOf(details);
  }

  public static Conflict of(ErrorCode code, String message) {
    return new Conflict(code, message, Map.of());
  }

  public static Conflict of(ErrorCode code, String message, Map<String, Object> details) {
    return new Conflict(code, message, details);
  }
}

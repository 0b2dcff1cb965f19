package io.clusterd;

import java.util.Objects;
import java.util.Optional;

/**
 * What one instance answered to a fanned-out operation: an HTTP-like status (2xx success; the instance's own
 * status for instance-side errors; 502 when it could not be reached; 504 on timeout), the error when it failed,
 * and the latency measured by clusterd.
 *
 * <p>Immutable and thread-safe.
 */
public record InstanceOutcome(String instance, String host, int status, Optional<Conflict> error, long latencyMs) {
  public InstanceOutcome {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(error, "error");
  }

  public static InstanceOutcome success(String instance, String host, long latencyMs) {
    return new InstanceOutcome(instance, host, 200, Optional.empty(), latencyMs);
  }

  public static InstanceOutcome failure(String instance, String host, ClusterdException e, int status, long latencyMs) {
    return new InstanceOutcome(instance, host, status,
        Optional.of(new Conflict(e.code(), e.getMessage(), e.details())), latencyMs);
  }

  public boolean succeeded() {
    return status >= 200 && status < 300;
  }

  /** Whether the instance was never reached (unreachable or timed out). */
  public boolean unreached() {
    return error.map(c -> c.code() == ErrorCode.INSTANCE_UNREACHABLE || c.code() == ErrorCode.INSTANCE_TIMEOUT)
        .orElse(false);
  }
}

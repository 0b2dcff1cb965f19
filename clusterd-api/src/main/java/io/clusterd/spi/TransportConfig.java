package io.clusterd.spi;

import io.clusterd.Endpoint;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link TransportFactory} needs to create a transport: the instance's endpoint, the timeouts in force
 * and free-form options (for example {@code delayMs} for test transports).
 *
 * <p>Immutable and thread-safe.
 */
public record TransportConfig(
    String instanceId, Endpoint endpoint, Duration connectTimeout, Duration responseTimeout, Map<String, String> options) {

  /** Default connect timeout (2 s). */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Default response timeout (10 s). */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);

  public TransportConfig {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
    options = Map.copyOf(options == null ? Map.of() : options);
  }

  /** A configuration with the default timeouts and no options. */
  public static TransportConfig of(String instanceId, Endpoint endpoint) {
    return new TransportConfig(instanceId, endpoint, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, Map.of());
  }
}

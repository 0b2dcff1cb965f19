package io.clusterd.core.transport.mem;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the {@code mem} scheme: instances whose key database lives in this JVM, for tests, demos and
 * benchmarks. The endpoint {@code mem://web-1} names the database {@code web-1}; every transport created
 * for that endpoint by this factory shares it, and {@link #database(String)} hands it out so that tests can
 * look at and change a host's keys directly.
 *
 * <pre>{@code
 * MemTransportFactory mem = new MemTransportFactory();
 * Clusterd clusterd = Clusterd.builder().transport(mem).build();
 * // ... register an instance with host "mem://web-1", pin keys on its cluster ...
 * mem.database("web-1").get(KeyName.parse("user:/app/port"));   // what the "host" holds
 * mem.stop("web-1");    // the host is now unreachable: operations fail with INSTANCE_UNREACHABLE
 * mem.start("web-1");   // reachable again, with its keys
 * }</pre>
 *
 * <p>Option {@code delayMs} in {@link TransportConfig#options()} (or the factory's default delay) delays each
 * operation without blocking the caller; a delay above the response timeout makes operations fail with
 * {@code INSTANCE_TIMEOUT}. Each factory has its own registry of databases (a factory found by
 * {@link java.util.ServiceLoader} has its own as well).
 *
 * <p>Thread-safe.
 */
public final class MemTransportFactory implements TransportFactory {

  /** The scheme this factory serves. */
  public static final String SCHEME = "mem";

  /** The option that delays each operation, in milliseconds (a non-negative integer). */
  public static final String DELAY_OPTION = "delayMs";

  private final Duration defaultDelay;
  private final Map<String, KeyDatabase> databases = new ConcurrentHashMap<>();
  private final Set<String> stopped = ConcurrentHashMap.newKeySet();

  /** A factory whose transports answer without delay unless {@code delayMs} is given. */
  public MemTransportFactory() {
    this(Duration.ZERO);
  }

  /**
   * A factory whose transports delay every operation by {@code defaultDelay} unless {@code delayMs} is given.
   *
   * @throws IllegalArgumentException if the delay is negative
   */
  public MemTransportFactory(Duration defaultDelay) {
    Objects.requireNonNull(defaultDelay, "defaultDelay");
    if (defaultDelay.isNegative()) {
      throw new IllegalArgumentException("the delay must not be negative: " + defaultDelay);
    }
    this.defaultDelay = defaultDelay;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  /**
   * Creates a transport to the database named by the endpoint's host ({@code mem://web-1}), creating the
   * database when it is new.
   *
   * @throws ClusterdException {@link ErrorCode#UNKNOWN_TRANSPORT} for another scheme,
   *     {@link ErrorCode#INVALID_BODY} for an endpoint without a name or with a port or path, or an invalid
   *     {@code delayMs}
   */
  @Override
  public Transport create(TransportConfig config) {
    Endpoint endpoint = servedEndpoint(config);
    if (endpoint.host().isEmpty() || endpoint.port() != -1 || !endpoint.basePath().isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "a mem endpoint is mem://<name> with a name and nothing else, like mem://web-1, not '" + endpoint + "'",
          Map.of("host", endpoint.toString()));
    }
    Duration delay = delay(config.options().get(DELAY_OPTION));
    String name = normalize(endpoint.host());
    return new MemTransport(this, name, database(name), delay, config.responseTimeout());
  }

  /** The database of the endpoint {@code mem://<name>}, created empty when new. Names are case-insensitive. */
  public KeyDatabase database(String name) {
    return databases.computeIfAbsent(normalize(name), n -> new KeyDatabase());
  }

  /** Makes {@code mem://<name>} unreachable: its operations fail with {@code INSTANCE_UNREACHABLE}. */
  public void stop(String name) {
    stopped.add(normalize(name));
  }

  /** Makes {@code mem://<name>} reachable again; its keys are as they were. */
  public void start(String name) {
    stopped.remove(normalize(name));
  }

  /** Whether {@code mem://<name>} is reachable (not {@link #stop stopped}). */
  public boolean isRunning(String name) {
    return !stopped.contains(normalize(name));
  }

  private Duration delay(String option) {
    if (option == null) {
      return defaultDelay;
    }
    try {
      long ms = Long.parseLong(option.strip());
      if (ms >= 0) {
        return Duration.ofMillis(ms);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ClusterdException.of(ErrorCode.INVALID_BODY,
        "option " + DELAY_OPTION + " must be a non-negative number of milliseconds, was '" + option + "'",
        Map.of("option", DELAY_OPTION, "value", option));
  }

  private static String normalize(String name) {
    Objects.requireNonNull(name, "name");
    return name.toLowerCase(Locale.ROOT);
  }
}

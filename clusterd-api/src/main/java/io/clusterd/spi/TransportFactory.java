package io.clusterd.spi;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Creates {@link Transport}s for instances whose endpoint has one of {@link #schemes()}.
 *
 * <p>Register a factory explicitly ({@code Clusterd.builder().transport(new MyFactory())}), through Guice
 * ({@code TransportBinder}), or for discovery with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/io.clusterd.spi.TransportFactory} and give it a public no-argument constructor.
 * A plugin needs only {@code clusterd-api} on its compile path.
 *
 * <pre>{@code
 * public final class FileTransportFactory implements TransportFactory {
 *   public Set<String> schemes() { return Set.of("file"); }
 *   public Transport create(TransportConfig config) { return new FileTransport(config.endpoint()); }
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe; {@link #create} may be called concurrently.
 */
public interface TransportFactory {

  /** The lower-case endpoint schemes this factory serves, at least one. */
  Set<String> schemes();

  /** Creates a transport for one instance; the caller owns and closes it. */
  Transport create(TransportConfig config);

  /**
   * The endpoint of {@code config}, checked to be one this factory serves: every {@link #create} starts so.
   *
   * @throws ClusterdException {@link ErrorCode#UNKNOWN_TRANSPORT} naming the schemes served and the endpoint
   */
  default Endpoint servedEndpoint(TransportConfig config) {
    Endpoint endpoint = Objects.requireNonNull(config, "config").endpoint();
    if (!schemes().contains(endpoint.scheme())) {
      String served = schemes().stream().sorted().map(s -> s + "://").collect(Collectors.joining(" and "));
      throw ClusterdException.of(ErrorCode.UNKNOWN_TRANSPORT, getClass().getSimpleName() + " serves " + served
          + " endpoints, not '" + endpoint + "'", Map.of("host", endpoint.toString()));
    }
    return endpoint;
  }
}

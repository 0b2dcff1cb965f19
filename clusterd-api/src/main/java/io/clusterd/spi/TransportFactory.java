package io.clusterd.spi;

import java.util.Set;

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
}

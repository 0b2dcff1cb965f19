package io.clusterd.core.transport.http;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which hosts the http transport may connect to. It is asked before every request with the host as the
 * endpoint writes it and every address the host resolves to at that moment (the JDK's {@code HttpClient} has
 * no resolver hook, so the transport resolves the name itself, through the JVM's resolver cache that the client
 * then uses too), so a name whose DNS record is switched after registration is refused as well. A refused
 * request fails with {@code FORBIDDEN} and is not sent.
 *
 * <pre>{@code
 * new HttpTransportFactory(AddressPolicy.noMetadata());   // the default
 * new HttpTransportFactory(AddressPolicy.any());          // e.g. tests that serve on link-local addresses
 * }</pre>
 *
 * <p>Implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface AddressPolicy {

  /**
   * Why a connection to {@code host} must not be made, or empty when it may.
   *
   * @param host the endpoint's host, IPv6 in brackets, e.g. {@code 10.0.0.5} or {@code [fe80::1]}
   * @param addresses what {@code host} resolves to now; empty when it does not resolve
   */
  Optional<String> refusal(String host, List<InetAddress> addresses);

  /** Whether this policy looks at addresses at all ({@link #any()} does not, and spares the resolving). */
  default boolean resolves() {
    return true;
  }

  /** Refuses link-local and cloud metadata addresses, however written, and names resolving to them. */
  static AddressPolicy noMetadata() {
    return MetadataAddresses::refusal;
  }

  /** Connects anywhere. */
  static AddressPolicy any() {
    return new AddressPolicy() {
      @Override
      public Optional<String> refusal(String host, List<InetAddress> addresses) {
        return Optional.empty();
      }

      @Override
      public boolean resolves() {
        return false;
      }
    };
  }
}

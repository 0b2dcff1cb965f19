package io.clusterd.core.transport.http;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the {@code http} and {@code https} schemes: instances whose key database is exposed by Elektra's
 * REST daemon {@code elektrad} 0.11 (default port 33333), directly or behind a reverse proxy whose base path
 * the endpoint carries ({@code https://gw.example/elektrad/web-1}).
 *
 * <pre>{@code
 * try (HttpTransportFactory http = new HttpTransportFactory()) {
 *   Clusterd clusterd = Clusterd.builder().transport(http).build();
 *   // ... instances with hosts like "http://10.0.0.5:33333" now use elektrad ...
 * }
 * }</pre>
 *
 * <p>All transports of one factory share one JDK {@link HttpClient} per connect timeout (HTTP/1.1, kept-alive
 * connections, no redirects, no cookie jar). Each transport keeps its own elektrad session (see
 * {@code docs/elektrad.md}) and applies the response timeout of its {@link TransportConfig} to every request.
 *
 * <p>Addresses: before every request the factory's {@link AddressPolicy} judges the endpoint's host and every
 * address it resolves to then; by default ({@link AddressPolicy#noMetadata()}) link-local and cloud metadata
 * addresses are refused with {@code FORBIDDEN}, however the host writes them and whatever a name resolves to
 * when the request is made. Redirects are never followed.
 *
 * <p>Idle connections: a host closes kept-alive connections that stay idle too long, and a request that takes
 * such a connection just as it closes gets no answer at all. A request whose connection closed before any byte
 * of the answer arrived is therefore sent once more at once, on another connection, when its operation is
 * idempotent (everything but {@code move} and the writes of {@code copy}); {@link #resentRequests()} counts
 * these. If it fails again the failure is {@code INSTANCE_UNREACHABLE} without {@code notSent}. To keep such
 * connections from being taken at all, the JDK drops connections idle for longer than the system property
 * {@code jdk.httpclient.keepalive.timeout} (seconds, read when the first client of the JVM is built): set it
 * below the hosts' keep-alive timeout (the daemon does so, see its {@code --keep-alive} option).
 *
 * <p>Threads: the client's own work is non-blocking, so it runs where it is started (the caller's thread or
 * the client's selector thread) rather than being handed to a pool; measured, the hand-offs cost as much CPU
 * as the HTTP work itself (this includes resolving the host name for the address policy on every request, which
 * the JVM answers from its cache, querying DNS only when the cached entry has expired). Answers complete on
 * threads that already exist, so callers' continuations never run on the selector thread and no thread is
 * started per answer, without any JVM flag: when the common {@link java.util.concurrent.ForkJoinPool} has a
 * parallelism of two or more, requests are sent with {@code sendAsync} and complete there; below that (the
 * default on machines with two CPUs or fewer, where {@code sendAsync} would start a thread for every answer)
 * each request is the client's blocking {@code send} on a pool of at most 256 threads this factory owns, started
 * when needed and ended after 30 s without work. The system property {@value #EXCHANGES_PROPERTY} ({@code auto},
 * {@code threads} or {@code async}, read when the factory is built) forces either way.
 *
 * <p>Thread-safe. Transports created by a {@linkplain #close() closed} factory fail with
 * {@code INSTANCE_UNREACHABLE}. The clients' selector threads are daemon threads that end once the factory
 * is unreachable.
 */
public final class HttpTransportFactory implements TransportFactory, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpTransportFactory.class);
  /** Forces how exchanges run: {@code threads} (own pool), {@code async} ({@code sendAsync}) or {@code auto}. */
  public static final String EXCHANGES_PROPERTY = "clusterd.http.exchanges";

  private final Map<Duration, HttpClient> clients = new ConcurrentHashMap<>();
  private final AddressPolicy policy;
  private final Optional<SSLContext> ssl;
  private final LongAdder resends = new LongAdder();
  private final Exchanges exchanges;
  private volatile boolean closed;

  /**
   * A factory with its own HTTP clients that refuses link-local and cloud metadata addresses (also the
   * constructor {@link java.util.ServiceLoader} uses).
   */
  public HttpTransportFactory() {
    this(AddressPolicy.noMetadata());
  }

  /** A factory with its own HTTP clients whose transports connect only where {@code policy} allows. */
  public HttpTransportFactory(AddressPolicy policy) {
    this(policy, Optional.empty());
  }

  /**
   * A factory whose transports connect only where {@code policy} allows and verify {@code https} instances with
   * {@code ssl} (its trust managers decide which certificates are trusted, its key managers give a client
   * certificate for mutual TLS); empty uses the JVM's default context (its trust store). Host names are always
   * verified. A certificate that does not verify fails the request with
   * {@link ErrorCode#INSTANCE_CERTIFICATE_INVALID}.
   */
  public HttpTransportFactory(AddressPolicy policy, Optional<SSLContext> ssl) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.ssl = Objects.requireNonNull(ssl, "ssl");
    String mode = System.getProperty(EXCHANGES_PROPERTY, "auto");
    this.exchanges = switch (mode) {
      case "threads" -> Exchanges.onOwnThreads();
      case "async" -> Exchanges.asynchronous();
      case "auto" -> Exchanges.forThisJvm();
      default -> throw new IllegalArgumentException(EXCHANGES_PROPERTY + " is '" + mode
          + "': use auto, threads or async");
    };
    LOG.debug("http exchanges run {}", exchanges.ownThreads() ? "on the factory's threads" : "with sendAsync");
  }

  @Override
  public Set<String> schemes() {
    return Set.of("http", "https");
  }

  /**
   * Creates the transport to one elektrad.
   *
   * @throws ClusterdException {@link ErrorCode#UNKNOWN_TRANSPORT} for an endpoint of another scheme
   * @throws IllegalStateException when this factory is closed
   */
  @Override
  public Transport create(TransportConfig config) {
    servedEndpoint(config);
    if (closed) {
      throw new IllegalStateException("this HttpTransportFactory is closed");
    }
    return new HttpTransport(client(config.connectTimeout()), exchanges, config, () -> closed, policy, resends);
  }

  /** The policy that decides which addresses the transports of this factory connect to. */
  public AddressPolicy addressPolicy() {
    return policy;
  }

  /**
   * How many requests the transports of this factory sent once more at once because their connection closed
   * before any byte of the answer (a kept-alive connection the host had closed while idle).
   */
  public long resentRequests() {
    return resends.sum();
  }

  /**
   * Whether requests run on this factory's own threads (blocking sends, see above) rather than with
   * {@code sendAsync}.
   */
  public boolean exchangesOnOwnThreads() {
    return exchanges.ownThreads();
  }

  /** Transports of this factory fail from now on; no request starts after this. Idempotent. */
  @Override
  public void close() {
    closed = true;
    exchanges.close();
  }

  private HttpClient client(Duration connectTimeout) {
    return clients.computeIfAbsent(connectTimeout, timeout -> {
      HttpClient.Builder b = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .executor(Runnable::run);
      ssl.ifPresent(b::sslContext);
      if (!timeout.isZero() && !timeout.isNegative()) {
        b.connectTimeout(timeout);
      }
      return b.build();
    });
  }
}

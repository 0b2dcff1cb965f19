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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * connections, no redirects, no cookie jar) and one pool of daemon threads that completes their futures.
 * Each transport keeps its own elektrad session (see {@code ELEKTRAD-PROTOCOL.md}) and applies the response
 * timeout of its {@link TransportConfig} to every request.
 *
 * <p>Machines with two CPUs or fewer: the JDK HttpClient completes every asynchronous exchange in the
 * common {@link java.util.concurrent.ForkJoinPool}, which, with a parallelism below two, starts a new thread
 * per response (more than doubling the CPU cost of a request). Run the JVM with
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2} there; the daemon sets it itself, and this
 * factory logs a warning once when it is missing.
 *
 * <p>Thread-safe. {@link #close()} stops the shared threads; transports created by a closed factory fail
 * with {@code INSTANCE_UNREACHABLE}. A factory that is never closed holds only idle daemon threads, which
 * end after a minute without work.
 */
public final class HttpTransportFactory implements TransportFactory, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpTransportFactory.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final ThreadPoolExecutor executor;
  private final Map<Duration, HttpClient> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A factory with its own HTTP clients and threads (also the constructor {@link java.util.ServiceLoader} uses). */
  public HttpTransportFactory() {
    if (ForkJoinPool.getCommonPoolParallelism() < 2 && !WARNED.getAndSet(true)) {
      LOG.warn("the common ForkJoinPool has a parallelism of {}: the JDK HttpClient then starts a thread per"
          + " response; run java with -Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
          ForkJoinPool.getCommonPoolParallelism());
    }
    AtomicInteger count = new AtomicInteger();
    // the client's work is non-blocking: a few threads serve any number of requests without thread churn
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "clusterd-http-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
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
    Objects.requireNonNull(config, "config");
    String scheme = config.endpoint().scheme();
    if (!schemes().contains(scheme)) {
      throw ClusterdException.of(ErrorCode.UNKNOWN_TRANSPORT, "the http transport serves http:// and https://"
          + " endpoints, not " + config.endpoint(), Map.of("host", config.endpoint().toString()));
    }
    if (closed) {
      throw new IllegalStateException("this HttpTransportFactory is closed");
    }
    return new HttpTransport(client(config.connectTimeout()), config, () -> closed);
  }

  /** Stops the shared threads; transports of this factory fail from now on. Idempotent. */
  @Override
  public void close() {
    closed = true;
    executor.shutdown();
  }

  private HttpClient client(Duration connectTimeout) {
    return clients.computeIfAbsent(connectTimeout, timeout -> {
      HttpClient.Builder b = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .executor(executor);
      if (!timeout.isZero() && !timeout.isNegative()) {
        b.connectTimeout(timeout);
      }
      return b.build();
    });
  }
}

package io.clusterd.examples.transport;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves the {@code file} scheme: an instance whose key database is a configuration file on the daemon's machine,
 * {@code file:///etc/app/config.json} ({@code .json}, {@code .yaml}/{@code .yml} or {@code .properties}). Its
 * {@code user:/} keys are the file's entries ({@code user:/server/port} is {@code {"server":{"port":"8080"}}} or
 * {@code server.port=8080}); see the package documentation for the complete mapping.
 *
 * <p>A sample third-party transport plugin: it is compiled against {@code clusterd-api} only and registered
 * through {@code META-INF/services/io.clusterd.spi.TransportFactory}, so the daemon loads it with
 * {@code --plugins DIR}, and an embedding program may add it explicitly:
 *
 * <pre>{@code
 * Clusterd clusterd = Clusterd.builder().transport(new FileTransportFactory()).build();
 * clusterd.registerInstance(InstanceSpec.of("app config", "file:///etc/app/config.json").withId("app"));
 * }</pre>
 *
 * <p>Thread-safe. File I/O runs on a small pool of daemon threads owned by the factory (idle threads end after
 * 30 s); transports of one factory to the same file share one lock.
 */
public final class FileTransportFactory implements TransportFactory {

  /** The scheme this factory serves. */
  public static final String SCHEME = "file";

  private static final int THREADS = 4;

  private final Executor io;
  private final Map<Path, Lock> locks = new ConcurrentHashMap<>();

  /** A factory with its own I/O threads (also the constructor {@link java.util.ServiceLoader} uses). */
  public FileTransportFactory() {
    this(defaultExecutor());
  }

  /** A factory that runs file I/O on {@code io}. */
  FileTransportFactory(Executor io) {
    this.io = Objects.requireNonNull(io, "io");
  }

  private static Executor defaultExecutor() {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "clusterd-file-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  /**
   * Creates a transport to the file the endpoint names. Nothing is read yet: a missing file holds no keys (the
   * first write creates it), a missing directory makes the instance unreachable.
   *
   * @throws ClusterdException {@link ErrorCode#UNKNOWN_TRANSPORT} for another scheme, {@link ErrorCode#INVALID_BODY}
   *     for an endpoint with a host ({@code file://server/...}) or a file name without a supported extension
   */
  @Override
  public Transport create(TransportConfig config) {
    Endpoint endpoint = servedEndpoint(config);
    if (!endpoint.host().isEmpty() || endpoint.port() != -1 || endpoint.basePath().isEmpty()) {
      throw invalid(endpoint, "a file endpoint names a local file, like file:///etc/app/config.json");
    }
    Path file;
    try {
      file = Path.of(endpoint.uri()).toAbsolutePath().normalize();
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw invalid(endpoint, "it names no local file (" + e.getMessage() + ")");
    }
    FileFormat format = FileFormat.of(file).orElseThrow(() -> invalid(endpoint,
        "the file type is not supported; the file name must end in one of " + FileFormat.allExtensions()));
    Lock lock = locks.computeIfAbsent(file, f -> new ReentrantLock());
    return new FileTransport(new ConfigFile(file, format, lock), io, config.responseTimeout());
  }

  private static ClusterdException invalid(Endpoint endpoint, String why) {
    return ClusterdException.of(ErrorCode.INVALID_BODY, "invalid file endpoint '" + endpoint + "': " + why,
        Map.of("host", endpoint.toString()));
  }
}

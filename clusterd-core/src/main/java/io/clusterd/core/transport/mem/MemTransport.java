package io.clusterd.core.transport.mem;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.spi.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A {@link Transport} to a {@link KeyDatabase} held by a {@link MemTransportFactory}.
 *
 * <p>Without a delay an operation runs on the calling thread and the returned future is already complete
 * (the work is a few map operations). With a delay the operation runs on a shared scheduler thread once the
 * delay has passed, never blocking the caller; when the delay exceeds the response timeout the future fails
 * with {@code INSTANCE_TIMEOUT} at the timeout and the operation is not applied. Operations issued
 * concurrently on one transport may apply in any order (clusterd sends one at a time). The database's
 * reachability ({@link MemTransportFactory#stop}) is checked when the operation runs.
 */
final class MemTransport implements Transport {

  private final MemTransportFactory factory;
  private final String name;
  private final KeyDatabase database;
  private final Duration delay;
  private final Duration responseTimeout;
  private volatile boolean closed;

  MemTransport(MemTransportFactory factory, String name, KeyDatabase database, Duration delay,
      Duration responseTimeout) {
    this.factory = factory;
    this.name = name;
    this.database = database;
    this.delay = delay;
    this.responseTimeout = responseTimeout;
  }

  @Override
  public CompletableFuture<InstanceVersion> version() {
    return call(KeyDatabase::version);
  }

  @Override
  public CompletableFuture<LookupResult> lookup(KeyName key, int preload) {
    Objects.requireNonNull(key, "key");
    return call(db -> db.lookup(key, preload));
  }

  @Override
  public CompletableFuture<Void> set(KeyName key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return run(db -> db.set(key, value));
  }

  @Override
  public CompletableFuture<Void> delete(KeyName key) {
    Objects.requireNonNull(key, "key");
    return run(db -> db.delete(key));
  }

  @Override
  public CompletableFuture<Void> move(KeyName from, KeyName to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return run(db -> db.move(from, to));
  }

  @Override
  public CompletableFuture<Void> copy(KeyName from, KeyName to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return run(db -> db.copy(from, to));
  }

  @Override
  public CompletableFuture<Void> setMeta(KeyName key, String metaName, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(metaName, "metaName");
    Objects.requireNonNull(value, "value");
    return run(db -> db.setMeta(key, metaName, value));
  }

  @Override
  public CompletableFuture<Void> deleteMeta(KeyName key, String metaName) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(metaName, "metaName");
    return run(db -> db.deleteMeta(key, metaName));
  }

  @Override
  public CompletableFuture<List<String>> find(String regex) {
    Objects.requireNonNull(regex, "regex");
    return call(db -> db.find(regex));
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "MemTransport[mem://" + name + ", delay=" + delay + "]";
  }

  private CompletableFuture<Void> run(Function<KeyDatabase, ?> op) {
    return call(op.andThen(ignored -> null));
  }

  private <T> CompletableFuture<T> call(Function<KeyDatabase, T> op) {
    if (delay.isZero()) {
      return execute(op);
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    if (delay.compareTo(responseTimeout) > 0) {
      Scheduler.INSTANCE.schedule(
          () -> future.completeExceptionally(ClusterdException.of(ErrorCode.INSTANCE_TIMEOUT,
              "mem://" + name + " did not answer within " + responseTimeout.toMillis() + " ms",
              Map.of("host", "mem://" + name, "timeoutMs", responseTimeout.toMillis()))),
          responseTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } else {
      Scheduler.INSTANCE.schedule(
          () -> execute(op).whenComplete((value, error) -> {
            if (error != null) {
              future.completeExceptionally(error);
            } else {
              future.complete(value);
            }
          }),
          delay.toNanos(), TimeUnit.NANOSECONDS);
    }
    return future;
  }

  private <T> CompletableFuture<T> execute(Function<KeyDatabase, T> op) {
    if (closed) {
      return CompletableFuture.failedFuture(ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE,
          "the mem transport to mem://" + name + " is closed", Map.of("host", "mem://" + name, NOT_SENT, true)));
    }
    if (!factory.isRunning(name)) {
      return CompletableFuture.failedFuture(ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE,
          "mem://" + name + " is stopped and cannot be reached", Map.of("host", "mem://" + name, NOT_SENT, true)));
    }
    try {
      return CompletableFuture.completedFuture(op.apply(database));
    } catch (ClusterdException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new ClusterdException(ErrorCode.INTERNAL_ERROR,
          "mem://" + name + " failed: " + e, Map.of("host", "mem://" + name), e));
    }
  }

  /** One scheduler for every delayed mem transport of the JVM; its daemon threads never keep it alive. */
  private static final class Scheduler {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      AtomicInteger count = new AtomicInteger();
      ThreadFactory threads = r -> {
        Thread t = new Thread(r, "clusterd-mem-transport-" + count.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      ScheduledThreadPoolExecutor executor =
          new ScheduledThreadPoolExecutor(Math.max(2, Runtime.getRuntime().availableProcessors()), threads);
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}

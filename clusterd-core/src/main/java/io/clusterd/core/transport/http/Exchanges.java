package io.clusterd.core.transport.http;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the HTTP exchanges of one {@link HttpTransportFactory} so that every answer completes on a thread that
 * already exists, whatever the JVM's flags.
 *
 * <p>On JDK 17 {@code HttpClient.sendAsync} always completes its future through
 * {@code CompletableFuture}'s default executor. That is the common {@link ForkJoinPool} when its parallelism is
 * at least two; below that (the default on a machine with two CPUs or fewer) it is a new thread for every task,
 * so every answer would start and end a thread, which measured as about twice the CPU of the request itself.
 * Completing a future of one's own from the body subscriber does not avoid it: the client still hands its own
 * future to that executor. So, when the common pool cannot take the completions, the exchange is the client's
 * blocking {@code send} on a bounded pool of threads this class owns ({@value #MAX_THREADS} at most, started when
 * needed and ended after {@value #IDLE_SECONDS} s without work), and the answer completes there; otherwise it is
 * {@code sendAsync}, which needs no thread per request in flight.
 *
 * <p>Thread-safe.
 */
final class Exchanges implements AutoCloseable {
  /** Exchanges running at once on the blocking path; more wait for a thread (the daemon's default bound). */
  static final int MAX_THREADS = 256;
  static final int IDLE_SECONDS = 30;

  private final ThreadPoolExecutor threads;

  private Exchanges(ThreadPoolExecutor threads) {
    this.threads = threads;
  }

  /** Blocking sends on own threads when the common pool's parallelism is below two, else the client's async. */
  static Exchanges forThisJvm() {
    return ForkJoinPool.getCommonPoolParallelism() < 2 ? onOwnThreads() : asynchronous();
  }

  /** {@code sendAsync}: completions in the common pool. */
  static Exchanges asynchronous() {
    return new Exchanges(null);
  }

  /** Blocking sends on a bounded pool this instance owns. */
  static Exchanges onOwnThreads() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, IDLE_SECONDS, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "clusterd-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return new Exchanges(pool);
  }

  /** Whether exchanges run on this instance's own threads (blocking sends) rather than {@code sendAsync}. */
  boolean ownThreads() {
    return threads != null;
  }

  /**
   * Sends {@code request}; the future fails with what the client threw ({@code IOException},
   * {@code HttpTimeoutException}, ...), possibly wrapped in a {@code CompletionException}.
   */
  CompletableFuture<HttpResponse<byte[]>> send(HttpClient client, HttpRequest request) {
    if (threads == null) {
      return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    }
    CompletableFuture<HttpResponse<byte[]>> answer = new CompletableFuture<>();
    try {
      threads.execute(() -> {
        try {
          answer.complete(client.send(request, HttpResponse.BodyHandlers.ofByteArray()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          answer.completeExceptionally(e);
        } catch (Exception | Error e) {
          answer.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(new java.io.IOException("the http transport is closed", e));
    }
    return answer;
  }

  /** Threads started and not yet ended (0 on the asynchronous path). */
  int threadCount() {
    return threads == null ? 0 : threads.getPoolSize();
  }

  /** No exchange starts after this; those running finish. */
  @Override
  public void close() {
    if (threads != null) {
      threads.shutdown();
    }
  }
}

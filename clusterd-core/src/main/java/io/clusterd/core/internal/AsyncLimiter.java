package io.clusterd.core.internal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/** A non-blocking counting semaphore: bounds requests in flight without parking any thread. */
final class AsyncLimiter {
  private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
  private int available;

  AsyncLimiter(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1: " + permits);
    }
    this.available = permits;
  }

  CompletableFuture<Void> acquire() {
    synchronized (this) {
      if (available > 0) {
        available--;
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      waiters.add(f);
      return f;
    }
  }

  void release() {
    CompletableFuture<Void> next;
    synchronized (this) {
      next = waiters.poll();
      if (next == null) {
        available++;
        return;
      }
    }
    next.complete(null); // the permit passes to the waiter, outside the lock
  }
}

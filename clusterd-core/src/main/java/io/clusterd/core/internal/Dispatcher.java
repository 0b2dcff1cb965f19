package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyOperation;
import io.clusterd.spi.Transport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends key operations to instances: one FIFO lane per instance (operations reach an instance in the order they
 * were submitted), a global bound on requests in flight, retries with exponential backoff and jitter for
 * idempotent operations. Every answer or failure of an instance is reported to an observer (the status board).
 *
 * <p>Durable deliveries (desired state, also kept as pending rows in the store) stay at the head of their lane
 * when the instance cannot be reached and are delivered, in order, when the lane is {@linkplain #kick kicked}
 * again; their sequence numbers are reported through {@link #drainDelivered()} once delivered or given up.
 * Direct deliveries fail and leave the lane. Thread-safe.
 */
final class Dispatcher {

  /** Hears whether an instance answered (empty) or how it failed. */
  interface Observer {
    void observe(String instance, Optional<ClusterdException> failure);
  }

  private static final class Item {
    final KeyOperation op;
    final long seq;
    final CompletableFuture<InstanceOutcome> done = new CompletableFuture<>();

    Item(KeyOperation op, long seq) {
      this.op = op;
      this.seq = seq;
    }

    boolean durable() {
      return seq > 0;
    }
  }

  private final class Lane {
    final ArrayDeque<Item> queue = new ArrayDeque<>();
    Instance instance;
    boolean running;
  }

  private final Function<Instance, Transport> transports;
  private final AsyncLimiter limiter;
  private final Observer observer;
  private final Deliveries.Outcomes outcomes;
  private final int maxAttempts;
  private final Duration backoff;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<long[]> delivered = new ConcurrentLinkedQueue<>();
  private final Map<Long, String> seqOwner = new ConcurrentHashMap<>();

  Dispatcher(Function<Instance, Transport> transports, int maxInFlight, Observer observer,
      int maxAttempts, Duration backoff) {
    this(transports, maxInFlight, observer, (i, op, seq, o) -> { }, maxAttempts, backoff);
  }

  Dispatcher(Function<Instance, Transport> transports, int maxInFlight, Observer observer, Deliveries.Outcomes outcomes,
      int maxAttempts, Duration backoff) {
    this.transports = transports;
    this.limiter = new AsyncLimiter(maxInFlight);
    this.observer = observer;
    this.outcomes = outcomes;
    this.maxAttempts = Math.max(1, maxAttempts);
    this.backoff = backoff;
  }

  /**
   * Queues an operation for an instance. {@code seq > 0} marks a durable delivery.
   *
   * @return the outcome of this operation on this instance; never fails exceptionally
   */
  CompletableFuture<InstanceOutcome> submit(Instance instance, KeyOperation op, long seq) {
    Item item = new Item(op, seq);
    Lane lane = lanes.computeIfAbsent(instance.id(), id -> new Lane());
    boolean start;
    synchronized (lane) {
      lane.instance = instance;
      lane.queue.add(item);
      start = !lane.running;
      lane.running = true;
    }
    if (start) {
      runNext(lane);
    }
    return item.done;
  }

  /** Tries again to deliver what waits in an instance's lane. */
  CompletableFuture<Void> kick(String instanceId) {
    Lane lane = lanes.get(instanceId);
    if (lane == null) {
      return CompletableFuture.completedFuture(null);
    }
    Item last;
    synchronized (lane) {
      if (lane.queue.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      last = lane.queue.peekLast();
      if (lane.running) {
        return last.done.thenApply(o -> null);
      }
      lane.running = true;
      // waiters of a previous attempt were answered already; give the retried items fresh futures is not needed
    }
    CompletableFuture<Void> finished = new CompletableFuture<>();
    runNext(lane, finished);
    return finished;
  }

  /** Sends what waits for an instance, and what is queued for it later, to its current endpoint. */
  void rebind(Instance instance) {
    Lane lane = lanes.get(instance.id());
    if (lane != null) {
      synchronized (lane) {
        lane.instance = instance;
      }
    }
  }

  /** Number of durable deliveries waiting for an instance. */
  int pendingCount(String instanceId) {
    Lane lane = lanes.get(instanceId);
    if (lane == null) {
      return 0;
    }
    synchronized (lane) {
      int n = 0;
      for (Item i : lane.queue) {
        if (i.durable()) {
          n++;
        }
      }
      return n;
    }
  }

  /**
   * Removes an instance's lane (unregistered): what waits in it is never sent and is answered at once with
   * {@code INSTANCE_NOT_FOUND}; an operation already on the wire is answered with its real outcome.
   */
  void forget(String instanceId) {
    Lane lane = lanes.remove(instanceId);
    if (lane == null) {
      return;
    }
    List<Item> dropped;
    Instance instance;
    synchronized (lane) {
      instance = lane.instance;
      // while the lane runs, its head is on the wire: its own answer completes it
      Item inFlight = lane.running ? lane.queue.peek() : null;
      dropped = new ArrayList<>(lane.queue);
      dropped.remove(inFlight);
      lane.queue.retainAll(inFlight == null ? List.of() : List.of(inFlight));
    }
    ClusterdException gone = ClusterdException.of(ErrorCode.INSTANCE_NOT_FOUND,
        "instance '" + instanceId + "' was unregistered while the write was queued; it was not sent",
        Map.of("instance", instanceId));
    for (Item i : dropped) {
      InstanceOutcome o = InstanceOutcome.failure(instanceId, instance.endpoint().toString(), gone, gone.httpStatus(),
          0);
      i.done.complete(o);
      outcomes.delivered(instance, i.op, i.seq, o);
    }
  }

  /** Takes the (instance, seq) pairs of durable deliveries that are done with (delivered or given up). */
  List<Map.Entry<String, Long>> drainDelivered() {
    List<Map.Entry<String, Long>> out = new ArrayList<>();
    long[] pair;
    while ((pair = delivered.poll()) != null) {
      String owner = seqOwner.remove(pair[0]);
      if (owner != null) {
        out.add(Map.entry(owner, pair[0]));
      }
    }
    return out;
  }

  private void runNext(Lane lane) {
    runNext(lane, null);
  }

  private void runNext(Lane lane, CompletableFuture<Void> finished) {
    Item item;
    Instance instance;
    synchronized (lane) {
      item = lane.queue.peek();
      instance = lane.instance;
      if (item == null) {
        lane.running = false;
      }
    }
    if (item == null) {
      if (finished != null) {
        finished.complete(null);
      }
      return;
    }
    long start = System.nanoTime();
    sendWithRetries(instance, item.op, 1).whenComplete((ok, error) -> {
      long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      String host = instance.endpoint().toString();
      if (error == null) {
        observer.observe(instance.id(), Optional.empty());
        InstanceOutcome success = InstanceOutcome.success(instance.id(), host, latencyMs);
        done(lane, item, success);
        outcomes.delivered(instance, item.op, item.seq, success);
        runNext(lane, finished);
        return;
      }
      ClusterdException e = unwrap(error, instance);
      observer.observe(instance.id(), Optional.of(e));
      InstanceOutcome failure = InstanceOutcome.failure(instance.id(), host, e, statusOf(e), latencyMs);
      // kept for later: what never reached the instance, and idempotent writes that may not have
      boolean keep = item.durable() && (notSent(e)
          || item.op.isIdempotent() && (unreached(e) || serverError(e) || e.code() == ErrorCode.INSTANCE_BAD_ANSWER));
      if (!keep) {
        // refused by the instance, or not safe to resend: answer and go on with the rest of the lane
        done(lane, item, failure);
        outcomes.delivered(instance, item.op, item.seq, failure);
        runNext(lane, finished);
        return;
      }
      // the instance cannot take it now: everything behind waits too, in order
      List<Item> waiting;
      synchronized (lane) {
        waiting = new ArrayList<>(lane.queue);
        lane.queue.removeIf(i -> !i.durable());
        lane.running = false;
      }
      for (Item w : waiting) {
        w.done.complete(w == item ? failure : new InstanceOutcome(instance.id(), host, failure.status(),
            failure.error(), 0));
      }
      outcomes.delivered(instance, item.op, item.seq, failure);
      if (finished != null) {
        finished.complete(null);
      }
    });
  }

  private void done(Lane lane, Item item, InstanceOutcome outcome) {
    synchronized (lane) {
      lane.queue.remove(item);
    }
    if (item.durable()) {
      seqOwner.put(item.seq, lane.instance.id());
      delivered.add(new long[] {item.seq});
    }
    item.done.complete(outcome);
  }

  private CompletableFuture<Void> sendWithRetries(Instance instance, KeyOperation op, int attempt) {
    return limiter.acquire().thenCompose(permit -> {
      CompletableFuture<Void> sent;
      try {
        sent = transports.apply(instance).apply(op);
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      return sent.whenComplete((v, t) -> limiter.release());
    }).handle((v, t) -> {
      if (t == null) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      ClusterdException e = unwrap(t, instance);
      // a move or copy that may have reached the instance is never sent twice
      boolean retry = attempt < maxAttempts
          && (notSent(e) || op.isIdempotent() && (e.code() == ErrorCode.INSTANCE_UNREACHABLE || serverError(e)));
      if (!retry) {
        return CompletableFuture.<Void>failedFuture(e);
      }
      long base = backoff.toMillis() << (attempt - 1);
      long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
      // the resend is non-blocking: it runs on the JDK's delay thread, not in the common pool
      Executor later = CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, Runnable::run);
      return CompletableFuture.supplyAsync(() -> null, later)
          .thenCompose(x -> sendWithRetries(instance, op, attempt + 1));
    }).thenCompose(Function.identity());
  }

  static ClusterdException unwrap(Throwable t, Instance instance) {
    Throwable c = ClusterdException.unwrap(t);
    if (c instanceof ClusterdException e) {
      return e;
    }
    return ClusterdException.of(ErrorCode.INSTANCE_ERROR,
        "instance '" + instance.id() + "' (" + instance.endpoint() + ") failed: " + c,
        Map.of("instance", instance.id()));
  }

  private static boolean notSent(ClusterdException e) {
    return Boolean.TRUE.equals(e.details().get(Transport.NOT_SENT));
  }

  static boolean unreached(ClusterdException e) {
    return e.code() == ErrorCode.INSTANCE_UNREACHABLE || e.code() == ErrorCode.INSTANCE_TIMEOUT
        || e.code() == ErrorCode.INSTANCE_CERTIFICATE_INVALID;
  }

  private static boolean serverError(ClusterdException e) {
    return e.code() == ErrorCode.INSTANCE_ERROR && e.details().get("status") instanceof Integer s && s >= 500;
  }

  /** The per-instance status reported for a failure: the instance's own, else the code's. */
  static int statusOf(ClusterdException e) {
    if (e.code() == ErrorCode.INSTANCE_ERROR && e.details().get("status") instanceof Integer s) {
      return s;
    }
    return e.httpStatus();
  }
}

package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyOperation;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.StoreChanges;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox and the lanes behind it: numbers the sends of a plan (durable ones get an outbox row committed with
 * the change), hands them to the {@link Dispatcher}, and removes the rows of delivered writes from the store. It
 * is the one owner of the edge between deliveries and the store: a failed removal is logged and tried again with
 * the next one, never lost. Thread-safe.
 */
public final class Deliveries implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

  /** One operation for one instance; {@code seq > 0} when it is durable desired state with an outbox row. */
  public record Send(Instance instance, KeyOperation operation, long seq) { }

  /** Hears the outcome of each try of an operation on an instance, after its lane moved on; must not block. */
  public interface Outcomes {
    void delivered(Instance instance, KeyOperation op, long seq, InstanceOutcome outcome);
  }

  /** The numbered sends of one plan and the outbox rows its store batch must carry. */
  public record Batch(List<Send> sends, List<PendingDelivery> rows) {
    public Batch {
      sends = List.copyOf(sends);
      rows = List.copyOf(rows);
    }

    /** The plan's store batch with the outbox rows, for one transaction. */
    public StoreChanges withRows(StoreChanges changes) {
      return changes.plusPending(rows);
    }
  }

  private final Dispatcher dispatcher;
  private final StoreWriter store;
  private final Clock clock;
  private final AtomicLong lastSeq = new AtomicLong();
  /** Delivered rows whose removal from the store failed; removed with the next flush. */
  private final ConcurrentLinkedQueue<Map.Entry<String, Long>> unflushed = new ConcurrentLinkedQueue<>();
  private volatile ExecutorService completions;

  public Deliveries(Function<Instance, io.clusterd.spi.Transport> transports, StatusBoard board, StoreWriter store,
      Clock clock, int maxInFlight, int maxAttempts, Duration retryBackoff) {
    this(transports, board, (i, op, seq, o) -> { }, store, clock, maxInFlight, maxAttempts, retryBackoff);
  }

  /** {@code outcomes} hears the outcome of each try of an operation on an instance (the live events). */
  public Deliveries(Function<Instance, io.clusterd.spi.Transport> transports, StatusBoard board,
      Outcomes outcomes, StoreWriter store, Clock clock, int maxInFlight, int maxAttempts,
      Duration retryBackoff) {
    this.dispatcher = new Dispatcher(transports, maxInFlight, board::observe, outcomes, maxAttempts, retryBackoff);
    this.store = store;
    this.clock = clock;
  }

  /**
   * Starts the thread that completes fan-outs (store commits must not run on a transport's threads) and sends
   * the outbox a store kept, in order, to the instances that still exist.
   */
  public void start(List<PendingDelivery> outbox, Function<String, Optional<Instance>> instances) {
    completions = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "clusterd-completion");
      t.setDaemon(true);
      return t;
    });
    List<PendingDelivery> pending = new ArrayList<>(outbox);
    pending.sort(Comparator.comparingLong(PendingDelivery::seq));
    for (PendingDelivery p : pending) {
      lastSeq.accumulateAndGet(p.seq(), Math::max);
      instances.apply(p.instance()).ifPresent(i -> dispatcher.submit(i, p.operation(), p.seq()));
    }
  }

  /**
   * Numbers the sends of a plan; the instances are read from the tree as it is before the plan applies, unless
   * the plan registers or rebinds them ({@link WritePlan#target}).
   */
  public Batch number(WritePlan plan, Tree tree) {
    List<Send> sends = new ArrayList<>();
    List<PendingDelivery> rows = new ArrayList<>();
    plan.sends().forEach((id, ops) -> {
      Instance instance = plan.target(id, tree);
      for (KeyOperation op : ops) {
        long seq = plan.durable() ? lastSeq.incrementAndGet() : 0;
        sends.add(new Send(instance, op, seq));
        if (seq > 0) {
          rows.add(new PendingDelivery(id, seq, op, clock.instant(), ""));
        }
      }
    });
    return new Batch(sends, rows);
  }

  /**
   * Sends a committed batch; the future yields each send's outcome, in order, once the delivered rows left the
   * store. Never fails exceptionally.
   */
  public CompletableFuture<List<InstanceOutcome>> deliver(Batch batch) {
    List<CompletableFuture<InstanceOutcome>> futures = new ArrayList<>(batch.sends().size());
    for (Send s : batch.sends()) {
      futures.add(dispatcher.submit(s.instance(), s.operation(), s.seq()));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApplyAsync(v -> {
      flush();
      List<InstanceOutcome> out = new ArrayList<>(futures.size());
      futures.forEach(f -> out.add(f.join()));
      return out;
    }, completions);
  }

  /** Tries again to deliver what waits for an instance; completes when its lane ran. */
  public CompletableFuture<Void> retry(String instance) {
    return dispatcher.kick(instance);
  }

  /**
   * The instance answered a request or a probe: what waits for it goes out now, not at the reconciler's next
   * pass; the delivered rows leave the store on the completion thread.
   */
  public void answered(String instance) {
    ExecutorService c = completions;
    if (c != null && !c.isShutdown() && dispatcher.pendingCount(instance) > 0) {
      dispatcher.kick(instance).thenRunAsync(this::flush, c).exceptionally(t -> {
        LOG.warn("could not deliver the writes waiting for {}: {}", instance, t.toString());
        return null;
      });
    }
  }

  public int pendingCount(String instance) {
    return dispatcher.pendingCount(instance);
  }

  /** What waits for an instance, and what is queued for it later, goes to its new endpoint. */
  public void rebind(Instance instance) {
    dispatcher.rebind(instance);
  }

  /** The instance left the registry (its outbox rows left the store with it): what waits is answered, not sent. */
  public void forget(String instance) {
    dispatcher.forget(instance);
  }

  /** Removes the outbox rows of delivered (or given up) writes from the store. */
  public void flush() {
    List<Map.Entry<String, Long>> done = new ArrayList<>();
    for (Map.Entry<String, Long> e; (e = unflushed.poll()) != null; ) {
      done.add(e);
    }
    done.addAll(dispatcher.drainDelivered());
    if (done.isEmpty()) {
      return;
    }
    StoreChanges.Builder b = StoreChanges.builder();
    done.forEach(d -> b.deletePending(d.getKey(), d.getValue()));
    try {
      store.apply(b.build());
    } catch (ClusterdException e) {
      unflushed.addAll(done);
      LOG.warn("could not remove {} delivered write(s) from the outbox, trying again with the next delivery: {}",
          done.size(), e.getMessage());
    }
  }

  /** Stops completing fan-outs and removes what was delivered until now. */
  @Override
  public void close() {
    ExecutorService c = completions;
    if (c != null) {
      c.shutdown();
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }
}

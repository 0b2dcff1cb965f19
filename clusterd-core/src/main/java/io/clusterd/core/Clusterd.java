package io.clusterd.core;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.EffectivePin;
import io.clusterd.ErrorCode;
import io.clusterd.FanOutResult;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceState;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.LookupResult;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.internal.Dispatcher;
import io.clusterd.core.internal.ReconcileBackoff;
import io.clusterd.core.internal.Registry;
import io.clusterd.core.internal.Mutations;
import io.clusterd.core.internal.TransportPool;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreSnapshot;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The clusterd engine behind one facade: the tree of instances and clusters with its invariants and conflict
 * rules, the durable desired state (pins), fan-out of writes to every instance below a cluster, drift detection
 * and reconciliation. The daemon and embedding programs use exactly this.
 *
 * <pre>{@code
 * try (Clusterd clusterd = Clusterd.builder()
 *     .store(SqliteStore.open(Path.of("clusterd-data")))
 *     .transport(new MemTransportFactory())
 *     .build()) {
 *   clusterd.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
 *   clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
 *   FanOutResult r = clusterd.pin("prod", KeyName.parse("user:/app/port"), "8080");
 * }
 * }</pre>
 *
 * <p>Thread-safe. Mutations of the registry are serialized; each is durable in the store before its call returns
 * (or its future completes); fan-out runs outside that critical section, so reads never wait for instances.
 */
public final class Clusterd implements AutoCloseable {
  /** The most periods the background reconciler waits before trying an instance that did not answer again. */
  static final int MAX_RECONCILE_BACKOFF = 8;

  private final RegistryStore store;
  private final Registry registry;
  private final TransportPool transports;
  private final Dispatcher dispatcher;
  private final Clock clock;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Object storeLock = new Object();
  private final AtomicLong pendingSeq = new AtomicLong();
  private final Map<String, List<Drift>> drifts = new ConcurrentHashMap<>();
  private final ReconcileBackoff backoff;
  private final ScheduledExecutorService scheduler;
  /** Where fan-out results are aggregated and delivered writes leave the store. */
  private final java.util.concurrent.ExecutorService completions;
  private volatile boolean closed;

  private Clusterd(Builder b) {
    this.store = b.store;
    this.clock = b.clock;
    this.registry = new Registry(b.ids);
    this.transports = new TransportPool(b.factories, b.connectTimeout, b.responseTimeout);
    this.dispatcher = new Dispatcher(transports::transport, b.maxInFlight, clock, b.maxAttempts, b.retryBackoff);
    this.backoff = new ReconcileBackoff(b.reconcileEvery, MAX_RECONCILE_BACKOFF);
    StoreSnapshot snapshot = store.load();
    registry.load(snapshot);
    List<PendingDelivery> pending = new ArrayList<>(snapshot.pending());
    pending.sort(Comparator.comparingLong(PendingDelivery::seq));
    for (PendingDelivery p : pending) {
      pendingSeq.accumulateAndGet(p.seq(), Math::max);
      if (registry.contains(p.instance())) {
        dispatcher.submit(registry.instance(p.instance()), p.operation(), p.seq());
      }
    }
    this.completions = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "clusterd-completion");
      t.setDaemon(true);
      return t;
    });
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "clusterd-reconciler");
      t.setDaemon(true);
      return t;
    });
    if (!b.reconcileEvery.isZero()) {
      long ms = b.reconcileEvery.toMillis();
      scheduler.scheduleWithFixedDelay(this::reconcileQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /** A builder with an in-memory store, no transports but those discovered on request, default timeouts. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------------------------------- changes

  /** Evaluates a change without applying it: the conflicts it would raise and what each instance would get. */
  public Plan plan(Change change) {
    lock.readLock().lock();
    try {
      return Mutations.plan(registry.prepare(change, clock.instant(), Optional.empty()), registry);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Applies a change with no known actor. */
  public CompletableFuture<ChangeResult> apply(Change change) {
    return apply(change, Optional.empty());
  }

  /**
   * Applies a change: refuses it with a {@link ClusterdException} listing every conflict, or commits it durably
   * (the returned future is created after the commit) and sends its key operations to the instances.
   *
   * @throws ClusterdException when the change is refused or cannot be stored; nothing is changed then
   */
  public CompletableFuture<ChangeResult> apply(Change change, Optional<String> actor) {
    if (closed) {
      throw ClusterdException.of(ErrorCode.UNAVAILABLE, "clusterd is shutting down");
    }
    List<CompletableFuture<InstanceOutcome>> futures = new ArrayList<>();
    Plan plan;
    Optional<Node> node;
    lock.writeLock().lock();
    try {
      var m = registry.prepare(change, clock.instant(), actor);
      Mutations.refuseIfConflicting(m);
      plan = Mutations.plan(m, registry);
      List<Mutations.Send> sends = Mutations.sends(m, registry, pendingSeq, clock.instant());
      Mutations.addPending(m, sends, clock.instant());
      List<String> removed = removedInstances(change);
      // the store drops a removed instance's pending rows with its node, in the same transaction
      commit(Mutations.storeChanges(m));
      registry.apply(m);
      for (String gone : removed) {
        dispatcher.forget(gone);
        transports.release(gone);
        drifts.remove(gone);
        backoff.forget(gone);
      }
      if (change instanceof Change.UpdateInstance u && u.update().host().isPresent()) {
        // what waits for the instance goes to its new address from now on
        dispatcher.rebind(registry.instance(u.instance()));
        drifts.remove(u.instance());
      }
      for (Mutations.Send s : sends) {
        futures.add(dispatcher.submit(s.instance(), s.operation(), s.seq()));
      }
      node = Mutations.resultNode(m).flatMap(registry::node).map(n -> n instanceof Cluster ? registry.tree(n.id()) : n);
    } finally {
      lock.writeLock().unlock();
    }
    // the store commit of delivered writes must not run on a transport's threads
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApplyAsync(v -> {
      flushDelivered();
      Map<String, InstanceOutcome> last = new LinkedHashMap<>();
      for (CompletableFuture<InstanceOutcome> f : futures) {
        InstanceOutcome o = f.join();
        InstanceOutcome prev = last.get(o.instance());
        // an instance's result is its first failure, else its last success
        if (prev == null || prev.succeeded()) {
          last.put(o.instance(), o);
        }
      }
      if (change instanceof Change.Sync) {
        // every effective pin was written again: an instance that took them all is no longer drifted
        last.values().stream().filter(InstanceOutcome::succeeded).forEach(o -> drifts.remove(o.instance()));
      }
      return new ChangeResult(node, plan, FanOutResult.of(List.copyOf(last.values())));
    }, completions);
  }

  /**
   * The instances an accepted change removes from the registry: their undelivered writes must never reach a
   * host again (nor a later instance that reuses the id), their transports are closed.
   */
  private List<String> removedInstances(Change change) {
    if (change instanceof Change.UnregisterInstance u) {
      return List.of(u.instance());
    }
    if (change instanceof Change.DeleteCluster d && d.cascade() == Cascade.DELETE) {
      return registry.targets(d.cluster()).stream().map(Instance::id).toList();
    }
    return List.of();
  }

  private void commit(StoreChanges changes) {
    if (changes.isEmpty()) {
      return;
    }
    synchronized (storeLock) {
      store.apply(changes);
    }
  }

  private void flushDelivered() {
    var done = dispatcher.drainDelivered();
    if (done.isEmpty()) {
      return;
    }
    StoreChanges.Builder b = StoreChanges.builder();
    for (Map.Entry<String, Long> d : done) {
      b.deletePending(d.getKey(), d.getValue());
    }
    try {
      commit(b.build());
    } catch (ClusterdException e) {
      // the rows stay; they are delivered again (idempotently) after a restart
    }
  }

  // ------------------------------------------------------------------------------------------- conveniences

  /** Registers an instance (C7). */
  public Instance registerInstance(InstanceSpec spec) {
    return (Instance) apply(new Change.RegisterInstance(spec)).join().node().orElseThrow();
  }

  /** Creates a cluster, with its initial members (C4-C6 for each). */
  public Cluster createCluster(ClusterSpec spec) {
    return (Cluster) apply(new Change.CreateCluster(spec)).join().node().orElseThrow();
  }

  /** Attaches a node without parent under a cluster and applies the cluster's effective pins to it. */
  public FanOutResult attach(String parent, String child) {
    return apply(new Change.Attach(parent, child, false)).join().fanOut();
  }

  /** Moves a node under another cluster in one atomic step. */
  public FanOutResult move(String node, String newParent) {
    return apply(new Change.Move(node, Optional.of(newParent), false)).join().fanOut();
  }

  /** Pins a value on a cluster and fans it out (C2, C3). */
  public FanOutResult pin(String cluster, KeyName key, String value) {
    return apply(new Change.WriteCluster(cluster, KeyOperation.set(key, value), false)).join().fanOut();
  }

  /** Sets a key on one instance (C1). */
  public InstanceOutcome setInstanceKey(String instance, KeyName key, String value) {
    return apply(new Change.WriteInstance(instance, KeyOperation.set(key, value))).join().fanOut().results().get(0);
  }

  // ------------------------------------------------------------------------------------------- reads

  private <T> T read(Supplier<T> s) {
    lock.readLock().lock();
    try {
      return s.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every top-level node with its subtree. */
  public List<Node> forest() {
    return read(registry::forest);
  }

  /** A node with its subtree, or empty. */
  public Optional<Node> node(String id) {
    return read(() -> registry.contains(id) ? Optional.of(registry.tree(id)) : Optional.empty());
  }

  /** @throws ClusterdException {@code INSTANCE_NOT_FOUND} */
  public Instance instance(String id) {
    return read(() -> registry.instance(id));
  }

  /** A cluster with its subtree. @throws ClusterdException {@code CLUSTER_NOT_FOUND} */
  public Cluster cluster(String id) {
    return read(() -> {
      registry.cluster(id);
      return (Cluster) registry.tree(id);
    });
  }

  public List<Instance> instances() {
    return read(registry::instances);
  }

  /** Every cluster (without children), ordered by id. */
  public List<Cluster> clusters() {
    return read(registry::clusters);
  }

  public Optional<String> parentOf(String id) {
    return read(() -> registry.parentOf(id));
  }

  /** The pins a cluster holds itself. */
  public List<Pin> pins(String cluster) {
    return read(() -> registry.pinsOf(cluster));
  }

  /** The instances at or below a node. */
  public List<Instance> targets(String node) {
    return read(() -> registry.targets(node));
  }

  /**
   * The pins in force on a node with the cluster locking each: for an instance the pins of its ancestors, for a
   * cluster its own pins and those it inherits.
   */
  public List<EffectivePin> effectivePins(String node) {
    return read(() -> registry.effectivePins(node));
  }

  /** The cluster that locks a key on an instance, if any. */
  public Optional<String> lockOf(String instance, KeyName key) {
    return read(() -> {
      registry.instance(instance);
      return registry.lockOf(instance, key);
    });
  }

  /** History newest first, optionally of one node, paged by sequence number. */
  public List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit) {
    return store.history(node, beforeSeq, Math.max(1, Math.min(limit, 1000)));
  }

  // ------------------------------------------------------------------------------------------- instance reads

  private <T> CompletableFuture<T> onInstance(String id, java.util.function.Function<Transport, CompletableFuture<T>> f) {
    Instance i = instance(id);
    CompletableFuture<T> result;
    try {
      result = f.apply(transports.transport(i));
    } catch (ClusterdException e) {
      return CompletableFuture.failedFuture(e);
    }
    return result.whenComplete((v, t) -> {
      if (t == null) {
        dispatcher.observe(id, Optional.empty());
      } else if (unwrap(t) instanceof ClusterdException e) {
        dispatcher.observe(id, Optional.of(e));
      }
    });
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Looks up a key on an instance (forwarded). */
  public CompletableFuture<LookupResult> lookup(String instance, KeyName key, int preload) {
    return onInstance(instance, t -> t.lookup(key, preload));
  }

  /** Looks up a key on an instance and names the locked keys at or below it. */
  public CompletableFuture<LockedLookup> lookupWithLocks(String instance, KeyName key, int preload) {
    NavigableMap<KeyName, String> locks = read(() -> {
      registry.instance(instance);
      NavigableMap<KeyName, String> l = registry.locksAtOrBelow(instance, key);
      // a lock on an ancestor of the key does not reach below it; only exact names lock
      return l;
    });
    Map<String, String> byName = new LinkedHashMap<>();
    locks.forEach((k, c) -> byName.put(k.toString(), c));
    return lookup(instance, key, preload).thenApply(r -> new LockedLookup(r, byName));
  }

  public CompletableFuture<InstanceVersion> version(String instance) {
    return onInstance(instance, Transport::version);
  }

  public CompletableFuture<List<String>> find(String instance, String regex) {
    return onInstance(instance, t -> t.find(regex));
  }

  /** The version of every instance below a node; instances that fail are left out of the map. */
  public CompletableFuture<Map<String, InstanceVersion>> versions(String node) {
    List<Instance> targets = targets(node);
    Map<String, CompletableFuture<InstanceVersion>> futures = new LinkedHashMap<>();
    for (Instance i : targets) {
      futures.put(i.id(), version(i.id()).exceptionally(t -> null));
    }
    return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, InstanceVersion> out = new LinkedHashMap<>();
      futures.forEach((id, f) -> {
        if (f.join() != null) {
          out.put(id, f.join());
        }
      });
      return out;
    });
  }

  // ------------------------------------------------------------------------------------------- drift and status

  /** Compares every instance below a node with its effective pins; instances that do not answer are skipped. */
  public CompletableFuture<Map<String, List<Drift>>> drift(String node) {
    List<Instance> targets = targets(node);
    Map<String, CompletableFuture<List<Drift>>> futures = new LinkedHashMap<>();
    for (Instance i : targets) {
      futures.put(i.id(), driftOf(i.id()).exceptionally(t -> null));
    }
    return CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, List<Drift>> out = new LinkedHashMap<>();
      futures.forEach((id, f) -> {
        if (f.join() != null) {
          out.put(id, f.join());
        }
      });
      return out;
    });
  }

  private CompletableFuture<List<Drift>> driftOf(String instance) {
    List<EffectivePin> pins = effectivePins(instance);
    if (pins.isEmpty()) {
      // nothing to compare: a version probe still tells whether the instance answers
      return version(instance).thenApply(v -> {
        drifts.remove(instance);
        return List.<Drift>of();
      });
    }
    List<CompletableFuture<Optional<Drift>>> checks = new ArrayList<>();
    for (EffectivePin p : pins) {
      checks.add(lookup(instance, p.key(), 0).thenApply(r -> {
        Pin want = p.pin();
        boolean same = r.exists() && r.value().equals(want.value()) && r.meta().entrySet().containsAll(want.meta().entrySet());
        return same ? Optional.<Drift>empty() : Optional.of(new Drift(instance, p.key(), p.lockedBy(), want.value(),
            r.exists() ? Optional.of(r.value()) : Optional.empty(), want.meta(), r.meta()));
      }));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<Drift> out = new ArrayList<>();
      for (var c : checks) {
        c.join().ifPresent(out::add);
      }
      if (out.isEmpty()) {
        drifts.remove(instance);
      } else {
        drifts.put(instance, List.copyOf(out));
      }
      return out;
    });
  }

  /** The synchronization status of an instance as last observed. */
  public InstanceState status(String instance) {
    instance(instance);
    Optional<Dispatcher.Health> h = dispatcher.health(instance);
    Optional<Instant> seen = h.flatMap(Dispatcher.Health::lastSeen);
    int pending = dispatcher.pendingCount(instance);
    boolean unreachable = h.isPresent() && !h.get().reachable();
    if (pending > 0) {
      // missed writes matter more than the reason: they are delivered as soon as the instance answers
      return new InstanceState(instance, InstanceState.Status.PENDING, seen, pending + " write(s) not yet delivered"
          + (unreachable ? "; " + h.get().lastError() : ""));
    }
    if (unreachable) {
      return new InstanceState(instance, InstanceState.Status.UNREACHABLE, seen, h.get().lastError());
    }
    List<Drift> d = drifts.get(instance);
    if (d != null && !d.isEmpty()) {
      return new InstanceState(instance, InstanceState.Status.DRIFTED, seen, d.size() + " key(s) differ from desired");
    }
    if (seen.isEmpty()) {
      return new InstanceState(instance, InstanceState.Status.UNKNOWN, seen, "not contacted yet");
    }
    return new InstanceState(instance, InstanceState.Status.IN_SYNC, seen, "");
  }

  /**
   * One reconciliation pass over every instance, now: delivers pending writes to every instance that answers,
   * then checks drift and re-applies the effective pins of drifted instances. The background passes skip
   * instances that did not answer lately, for 2, 4, up to 8 periods.
   */
  public CompletableFuture<Void> reconcile() {
    return reconcile(instances());
  }

  private CompletableFuture<Void> reconcile(List<Instance> all) {
    List<CompletableFuture<?>> kicks = new ArrayList<>();
    for (Instance i : all) {
      if (dispatcher.pendingCount(i.id()) > 0) {
        kicks.add(dispatcher.kick(i.id()));
      }
    }
    return CompletableFuture.allOf(kicks.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      flushDelivered();
      List<CompletableFuture<?>> checks = new ArrayList<>();
      for (Instance i : all) {
        if (dispatcher.pendingCount(i.id()) > 0 || !registry.contains(i.id())) {
          continue;
        }
        checks.add(driftOf(i.id()).thenCompose(d -> d.isEmpty() ? CompletableFuture.completedFuture(null)
            : apply(new Change.Sync(i.id()), Optional.of("reconciler")).thenCompose(r -> driftOf(i.id())))
            .exceptionally(t -> null));
      }
      return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
    }).whenComplete((v, t) -> {
      Instant now = clock.instant();
      for (Instance i : all) {
        backoff.record(i.id(), dispatcher.health(i.id()).map(Dispatcher.Health::reachable).orElse(true), now);
      }
    });
  }

  private void reconcileQuietly() {
    Instant now = clock.instant();
    try {
      reconcile(instances().stream().filter(i -> backoff.due(i.id(), now)).toList()).get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      // the next pass tries again
    }
  }

  /** Checks invariants I1-I4; returns the violations (empty when all hold). For tests and diagnostics. */
  public List<String> checkInvariants() {
    return read(registry::checkInvariants);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    completions.shutdown();
    try {
      completions.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushDelivered();
    transports.close();
    store.close();
  }

  // ------------------------------------------------------------------------------------------- builder

  /**
   * Builds a {@link Clusterd}. Fails fast on bad or repeated settings.
   *
   * <p>Not thread-safe; build once.
   */
  public static final class Builder {
    private RegistryStore store;
    private final List<TransportFactory> factories = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Supplier<String> ids = () -> UUID.randomUUID().toString();
    private int maxInFlight = 256;
    private int maxAttempts = 3;
    private Duration retryBackoff = Duration.ofMillis(100);
    private Duration connectTimeout = TransportConfig.DEFAULT_CONNECT_TIMEOUT;
    private Duration responseTimeout = TransportConfig.DEFAULT_RESPONSE_TIMEOUT;
    private Duration reconcileEvery = Duration.ofSeconds(30);

    private Builder() { }

    /** The store (default: in memory). The built Clusterd owns and closes it. */
    public Builder store(RegistryStore newStore) {
      if (this.store != null) {
        throw new IllegalStateException("store was already set");
      }
      this.store = Objects.requireNonNull(newStore, "store");
      return this;
    }

    /** Registers a transport factory explicitly. */
    public Builder transport(TransportFactory factory) {
      factories.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Registers every factory that {@link ServiceLoader} finds on the given class loader. */
    public Builder discoverTransports(ClassLoader loader) {
      for (TransportFactory f : ServiceLoader.load(TransportFactory.class, loader)) {
        boolean known = factories.stream().anyMatch(k -> k.getClass() == f.getClass());
        if (!known) {
          factories.add(f);
        }
      }
      return this;
    }

    public Builder clock(Clock newClock) {
      this.clock = Objects.requireNonNull(newClock, "clock");
      return this;
    }

    /** Where generated ids come from (default: random UUIDs). */
    public Builder ids(Supplier<String> newIds) {
      this.ids = Objects.requireNonNull(newIds, "ids");
      return this;
    }

    /** Bound on requests in flight to all instances together (default 256). */
    public Builder maxInFlight(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxInFlight must be at least 1: " + n);
      }
      this.maxInFlight = n;
      return this;
    }

    /** Attempts per idempotent operation before it counts as failed (default 3). */
    public Builder maxAttempts(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1: " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** First retry delay, doubled per attempt, with jitter (default 100 ms). */
    public Builder retryBackoff(Duration d) {
      this.retryBackoff = positive(d, "retryBackoff");
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive(d, "connectTimeout");
      return this;
    }

    public Builder responseTimeout(Duration d) {
      this.responseTimeout = positive(d, "responseTimeout");
      return this;
    }

    /** Period of the background reconciler (default 30 s); {@link Duration#ZERO} switches it off. */
    public Builder reconcileEvery(Duration d) {
      Objects.requireNonNull(d, "reconcileEvery");
      if (d.isNegative()) {
        throw new IllegalArgumentException("reconcileEvery must not be negative: " + d);
      }
      this.reconcileEvery = d;
      return this;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    public Clusterd build() {
      if (store == null) {
        store = new MemoryStore();
      }
      return new Clusterd(this);
    }
  }
}

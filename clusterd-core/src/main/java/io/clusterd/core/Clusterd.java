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
import io.clusterd.core.internal.Deliveries;
import io.clusterd.core.internal.EventHub;
import io.clusterd.core.internal.Forwarder;
import io.clusterd.core.internal.GuardedTree;
import io.clusterd.core.internal.HistoryLog;
import io.clusterd.core.internal.InstanceChecks;
import io.clusterd.core.internal.Planner;
import io.clusterd.core.internal.Reconciler;
import io.clusterd.core.internal.Rollouts;
import io.clusterd.core.internal.StateModel;
import io.clusterd.core.internal.StatusBoard;
import io.clusterd.core.internal.StatusWatch;
import io.clusterd.core.internal.StoreWriter;
import io.clusterd.core.internal.SyncPreview;
import io.clusterd.core.internal.Tree;
import io.clusterd.core.internal.TransportPool;
import io.clusterd.core.internal.WritePlan;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.SequencedSnapshot;
import io.clusterd.spi.SharedRegistryStore;
import io.clusterd.spi.StoreSnapshot;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusterd engine behind one facade: the tree of instances and clusters with its invariants and conflict
 * rules, the durable desired state (pins), fan-out of writes to every instance below a cluster, drift detection
 * and reconciliation. The daemon and embedding programs use exactly this. The rules it keeps are in
 * {@code docs/semantics.md}, how it is built in {@code docs/architecture.md}.
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
  private static final Logger LOG = LoggerFactory.getLogger(Clusterd.class);

  private final RegistryStore store;
  private final StoreWriter commits;
  private final GuardedTree tree;
  private final Planner planner;
  private final TransportPool transports;
  private final StatusBoard board;
  private final Deliveries deliveries;
  private final EventHub events;
  private final StatusWatch statusWatch;
  private final Forwarder forwarder;
  private final InstanceChecks checks;
  private final Reconciler reconciler;
  private final Rollouts rollouts;
  private final Supplier<String> ids;
  private final Scheduler scheduler;
  private final Clock clock;
  private volatile boolean closed;
  /** Present when the store is shared by several daemons: then only the leader commits. */
  private volatile ClusterMember member;

  private Clusterd(Builder b, StoreSnapshot snapshot) {
    this.store = b.store;
    this.commits = new StoreWriter(store);
    this.clock = b.clock;
    Tree loaded = Tree.of(snapshot);
    this.tree = new GuardedTree(loaded);
    this.planner = new Planner(loaded, b.ids, new HistoryLog(store::history));
    this.transports = new TransportPool(b.transports.resolve(), b.connectTimeout, b.responseTimeout);
    this.board = new StatusBoard(clock, this::statusMayHaveChanged);
    this.events = new EventHub(store, tree, this::statusSnapshot, b.maxSubscribers, b.subscriberQueue);
    this.deliveries = new Deliveries(transports::transport, board, this::delivered, commits, clock, b.maxInFlight,
        b.maxAttempts, b.retryBackoff);
    this.statusWatch = new StatusWatch(board, deliveries::pendingCount, events);
    this.forwarder = new Forwarder(transports, board, deliveries::answered);
    this.checks = new InstanceChecks(forwarder);
    this.reconciler = new Reconciler(tree, forwarder, deliveries, board,
        id -> apply(new Change.Sync(id), Optional.of("reconciler")), clock, b.reconcileEvery);
    this.rollouts = new Rollouts(tree, planner, forwarder, clock, b.rolloutTick, this::leads);
    this.ids = b.ids;
    this.scheduler = b.scheduler;
  }

  /** Starts the threads: fan-out completion, the outbox kept by the store, the background reconciler. */
  private Clusterd start(StoreSnapshot snapshot) {
    startDeliveries(snapshot);
    rollouts.start(this::commit, scheduler);
    return this;
  }

  private void startDeliveries(StoreSnapshot snapshot) {
    deliveries.start(snapshot.pending(), id -> tree.read(t -> t.instance(id)));
    reconciler.start(scheduler);
  }

  /** Whether this daemon may commit: always with a store of its own, only as the leader with a shared one. */
  private boolean leads() {
    ClusterMember m = member;
    return !closed && (m == null || m.isLeader());
  }

  /** A follower's tree takes the state the store holds now (the leader committed more). */
  void reload(StoreSnapshot snapshot) {
    tree.write(t -> {
      t.reload(snapshot);
      return null;
    });
  }

  /**
   * This daemon is about to lead: the tree takes the store's state, the outbox and the reconciler start. Called
   * before the member answers {@link ClusterMember#isLeader()}, so that no commit numbers a delivery before the
   * outbox is loaded; {@link #lead()} follows once it does.
   */
  void promote(StoreSnapshot snapshot) {
    tree.write(t -> {
      t.reload(snapshot);
      return null;
    });
    startDeliveries(snapshot);
  }

  /**
   * This daemon leads now: rollouts go on as after a restart of a single daemon (the wave in flight is sent again
   * and its outcomes recorded, paused rollouts are checked every tick).
   */
  void lead() {
    rollouts.start(this::commit, scheduler);
  }

  /**
   * Where this daemon stands among several on a shared store ({@link ClusterMember}); empty for a store of one
   * daemon.
   */
  public Optional<ClusterMember> membership() {
    return Optional.ofNullable(member);
  }

  /** A builder with an in-memory store, no transports but those discovered on request, default timeouts. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------------------------------- changes

  /** Evaluates a change without applying it: the conflicts it would raise and what each instance would get. */
  public Plan plan(Change change) {
    return tree.read(t -> planner.plan(change, clock.instant(), Optional.empty()).describe(t));
  }

  /**
   * A dry run of a sync that reads the live values: per instance below {@code node}, only the writes that would
   * change something. An instance that does not answer keeps every write the sync would send it. The sync itself
   * ({@code apply(new Change.Sync(node))}) still re-applies every effective pin.
   */
  public CompletableFuture<Plan> planSync(String node) {
    Plan full = plan(new Change.Sync(node));
    if (!full.accepted()) {
      return CompletableFuture.completedFuture(full);
    }
    return reconciler.drift(targets(node)).thenApply(drift -> SyncPreview.narrow(full, drift));
  }

  /** Applies a change with no known actor. */
  public CompletableFuture<ChangeResult> apply(Change change) {
    return apply(change, Optional.empty());
  }

  /**
   * A dry run that also reads what the change depends on at the hosts: for a write of an instance key that no
   * cluster locks, the checks of the key's metadata and of its {@code spec:/} key on that instance, so a value that
   * fails them is a conflict ({@code INVALID_VALUE}). Other changes plan as {@link #plan} does.
   */
  public CompletableFuture<Plan> planChecked(Change change) {
    Plan p = plan(change);
    if (!p.accepted() || !(change instanceof Change.WriteInstance w)
        || !InstanceChecks.needed(List.of(w.operation()))) {
      return CompletableFuture.completedFuture(p);
    }
    return checks.check(instance(w.instance()), w.operation().key(), List.of(w.operation()))
        .thenApply(c -> c.isEmpty() ? p : new Plan(c, List.of(), p.state()));
  }

  /**
   * Applies a change: refuses it with a {@link ClusterdException} listing every conflict, or commits it durably
   * (the returned future is created after the commit) and sends its key operations to the instances. A write of an
   * instance key that no cluster locks is first checked against the key's metadata and that of its {@code spec:/}
   * key on the instance, read in the same call: a value that fails them is not stored or sent, and the result
   * reports it as the instance's outcome ({@code INVALID_VALUE}, status 422).
   *
   * @throws ClusterdException when the change is refused or cannot be stored; nothing is changed then
   */
  public CompletableFuture<ChangeResult> apply(Change change, Optional<String> actor) {
    if (closed) {
      throw ClusterdException.of(ErrorCode.UNAVAILABLE, "clusterd is shutting down");
    }
    Function<Tree, WritePlan> planning = t -> planner.plan(change, clock.instant(), actor);
    if (change instanceof Change.WriteInstance w && InstanceChecks.needed(List.of(w.operation()))) {
      Plan p = plan(change);
      if (!p.accepted()) {
        throw ClusterdException.refused(p.conflicts());
      }
      Instance target = instance(w.instance());
      return checks.check(target, w.operation().key(), List.of(w.operation())).thenCompose(conflicts -> {
        if (conflicts.isEmpty()) {
          try {
            return commit(planning);
          } catch (ClusterdException refusedMeanwhile) {
            // the tree changed while the checks were read (the instance went, a cluster locked the key)
            conflicts = refusedMeanwhile.conflicts();
          }
        }
        return CompletableFuture.completedFuture(refusedBeforeSending(target, conflicts));
      });
    }
    return commit(planning);
  }

  /**
   * A write of one instance refused by the instance's checks: nothing was stored or sent; the refusal is the
   * instance's outcome (as a failure of the host would be), so the future still reports outcomes and never fails.
   */
  private static ChangeResult refusedBeforeSending(Instance target, List<io.clusterd.Conflict> conflicts) {
    io.clusterd.Conflict first = conflicts.get(0);
    InstanceOutcome outcome = new InstanceOutcome(target.id(), target.endpoint().toString(),
        first.code().httpStatus(), Optional.of(first), 0);
    return new ChangeResult(Optional.empty(), new Plan(conflicts, List.of()), FanOutResult.perInstance(
        List.of(outcome)));
  }

  /** Plans under the write lock, refuses, commits, edits the tree, delivers: every change and every rollout step. */
  private CompletableFuture<ChangeResult> commit(Function<Tree, WritePlan> planning) {
    if (closed) {
      throw ClusterdException.of(ErrorCode.UNAVAILABLE, "clusterd is shutting down");
    }
    ClusterMember m = member;
    if (m != null && !m.isLeader()) {
      throw ClusterdException.of(ErrorCode.UNAVAILABLE, "this daemon is a follower: only the leader"
          + m.leaderAddress().map(a -> " (" + a + ")").orElse("") + " applies changes", Map.of("member", m.id()));
    }
    return tree.write(t -> {
      WritePlan plan = planning.apply(t).refuseIfConflicting();
      Plan described = plan.describe(t);
      Deliveries.Batch batch = deliveries.number(plan, t);
      EventHub.Before before = events.before(plan.store().history(), t);
      commits.apply(batch.withRows(plan.store()));
      plan.applyTo(t);
      follow(plan.effects(), t);
      events.committed(before, t);
      Optional<Node> node = plan.resultNode().filter(t::contains).map(t::subtree);
      List<Node> nodes = plan.resultNodes().stream().filter(t::contains).map(t::subtree).toList();
      return deliveries.deliver(batch).thenApply(outcomes -> {
        FanOutResult fanOut = FanOutResult.perInstance(outcomes);
        board.resynced(plan.effects(), fanOut);
        rollouts.delivered(plan.effects(), fanOut);
        return new ChangeResult(node, described, fanOut, nodes);
      });
    });
  }

  /** What an applied change means beyond the tree: removed instances end, rebound ones move their lane. */
  private void follow(WritePlan.Effects effects, Tree t) {
    for (String gone : effects.removedInstances()) {
      deliveries.forget(gone);
      transports.release(gone);
      board.forget(gone);
      statusWatch.forget(gone);
      reconciler.forget(gone);
    }
    for (String moved : effects.reboundInstances()) {
      deliveries.rebind(t.instance(moved).orElseThrow());
      board.drift(moved, List.of());
    }
  }

  private void statusMayHaveChanged(String instance) {
    statusWatch.check(instance);
  }

  /** A delivery's outcome is an event, and the instance's status may have changed with it. */
  private void delivered(Instance instance, KeyOperation op, long seq, InstanceOutcome outcome) {
    events.delivered(instance, op, seq, outcome);
    statusWatch.check(instance.id());
  }

  /** The status of every instance, for a subscriber that resumes (what it missed of them is not replayed). */
  private List<Event> statusSnapshot(EventId id) {
    List<Event> out = new ArrayList<>();
    for (Instance i : instances()) {
      int pending = deliveries.pendingCount(i.id());
      out.add(new Event.Status(id, board.status(i.id(), pending), pending, events.lineageNow(i.id())));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------- conveniences

  /** Registers an instance (C7). */
  public Instance registerInstance(InstanceSpec spec) {
    return (Instance) apply(new Change.RegisterInstance(spec)).join().node().orElseThrow();
  }

  /**
   * Registers several instances as one change (C7 for each, and no two of them with the same id or host): all or
   * nothing, one store transaction, one history entry per instance.
   *
   * @return the instances in the order of {@code specs}
   * @throws ClusterdException listing every refused element, each conflict with its {@code index} in the list
   */
  public List<Instance> registerInstances(List<InstanceSpec> specs) {
    return apply(new Change.RegisterInstances(specs)).join().nodes().stream().map(n -> (Instance) n).toList();
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

  // ------------------------------------------------------------------------------------------- rollouts

  /**
   * Starts a staged rollout: the write is checked as if applied now, the rollout is stored with its first wave's
   * sends, and the first wave goes out; returns the rollout as committed (the waves go on in the background).
   *
   * @throws ClusterdException when the write or the plan is refused; nothing is changed then
   */
  public Rollout startRollout(Change.StartRollout start, Optional<String> actor) {
    Change.StartRollout named = start.id().isPresent() ? start : start.withId(ids.get());
    apply(named, actor);
    return rollout(named.id().orElseThrow());
  }

  /**
   * The waves a rollout would have, with their instances, without starting it (state {@code PLANNED}).
   *
   * @throws ClusterdException when the write or the plan is refused
   */
  public Rollout previewRollout(Change.StartRollout start) {
    Change.StartRollout named = start.id().isPresent() ? start : start.withId(ids.get());
    return tree.read(t -> {
      Rollout r = planner.plan(named, clock.instant(), Optional.empty()).refuseIfConflicting().rollout().orElseThrow();
      List<Rollout.Wave> waves = r.waves().stream().map(w -> new Rollout.Wave(w.label(),
          w.instances().stream().map(i -> Rollout.Target.waiting(i.instance())).toList())).toList();
      return new Rollout(r.id(), r.cluster(), r.operations(), r.plan(), Rollout.State.PLANNED, -1, waves, r.keys(),
          r.target(), r.started(), Optional.empty());
    });
  }

  /** Every rollout, the finished ones too, in start order. */
  public List<Rollout> rollouts() {
    return tree.read(Tree::rollouts);
  }

  /** @throws ClusterdException {@code ROLLOUT_NOT_FOUND} */
  public Rollout rollout(String id) {
    return tree.read(t -> t.rollout(id)).orElseThrow(() -> ClusterdException.of(ErrorCode.ROLLOUT_NOT_FOUND,
        "no rollout with id '" + id + "'", Map.of("id", id)));
  }

  /**
   * Runs the background rollout step now: resumes every rollout paused between waves whose pause is over (the
   * scheduler does so every tick). Does nothing on a follower among several daemons: only the leader moves
   * rollouts on.
   */
  public void resumeDueRollouts() {
    rollouts.resumeDue();
  }

  // ------------------------------------------------------------------------------------------- reads

  /**
   * The whole desired state as one canonical document (docs/state.md); its {@link DesiredState#version()} is the
   * state's version that {@link Change.ApplyState#ifMatch()} compares.
   */
  public DesiredState exportState() {
    return tree.read(StateModel::export);
  }

  /** Every top-level node with its subtree. */
  public List<Node> forest() {
    return tree.read(Tree::forest);
  }

  /** A node with its subtree, or empty. */
  public Optional<Node> node(String id) {
    return tree.read(t -> t.contains(id) ? Optional.of(t.subtree(id)) : Optional.empty());
  }

  /** @throws ClusterdException {@code INSTANCE_NOT_FOUND} */
  public Instance instance(String id) {
    return tree.read(t -> t.instance(id)).orElseThrow(() -> ClusterdException.of(ErrorCode.INSTANCE_NOT_FOUND,
        "no instance with id '" + id + "'", Map.of("id", id)));
  }

  /** A cluster with its subtree. @throws ClusterdException {@code CLUSTER_NOT_FOUND} */
  public Cluster cluster(String id) {
    return tree.read(t -> t.isCluster(id) ? Optional.of((Cluster) t.subtree(id)) : Optional.<Cluster>empty())
        .orElseThrow(() -> clusterMissing(id));
  }

  private static ClusterdException clusterMissing(String id) {
    return ClusterdException.of(ErrorCode.CLUSTER_NOT_FOUND, "no cluster with id '" + id + "'", Map.of("id", id));
  }

  public List<Instance> instances() {
    return tree.read(Tree::instances);
  }

  /** Every cluster (without children), ordered by id. */
  public List<Cluster> clusters() {
    return tree.read(Tree::clusters);
  }

  public Optional<String> parentOf(String id) {
    return tree.read(t -> t.parentOf(id));
  }

  /** The pins a cluster holds itself. */
  public List<Pin> pins(String cluster) {
    return tree.read(t -> t.isCluster(cluster) ? Optional.of(t.pinsOf(cluster)) : Optional.<List<Pin>>empty())
        .orElseThrow(() -> clusterMissing(cluster));
  }

  /** The instances at or below a node. @throws ClusterdException {@code NOT_FOUND} */
  public List<Instance> targets(String node) {
    return readNode(node, t -> t.targets(node));
  }

  /**
   * The pins in force on a node with the cluster locking each: for an instance the pins of its ancestors, for a
   * cluster its own pins and those it inherits. @throws ClusterdException {@code NOT_FOUND}
   */
  public List<EffectivePin> effectivePins(String node) {
    return readNode(node, t -> t.effectivePins(node));
  }

  private <T> T readNode(String id, Function<Tree, T> read) {
    return tree.read(t -> t.contains(id) ? Optional.of(read.apply(t)) : Optional.<T>empty())
        .orElseThrow(() -> ClusterdException.of(ErrorCode.NOT_FOUND, "no node with id '" + id + "'",
            Map.of("id", id)));
  }

  /** The cluster that locks a key on an instance, if any. */
  public Optional<String> lockOf(String instance, KeyName key) {
    instance(instance);
    return tree.read(t -> t.lockOf(instance, key));
  }

  /** History newest first, optionally of one node, paged by sequence number. */
  public List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit) {
    return store.history(node, beforeSeq, Math.max(1, Math.min(limit, 1000)));
  }

  // ------------------------------------------------------------------------------------------- instance reads

  /** Looks up a key on an instance (forwarded). */
  public CompletableFuture<LookupResult> lookup(String instance, KeyName key, int preload) {
    return forward(instance, t -> t.lookup(key, preload));
  }

  private <T> CompletableFuture<T> forward(String instance, Function<Transport, CompletableFuture<T>> read) {
    return forwarder.call(instance(instance), read);
  }

  /** Looks up a key on an instance and names the locked keys the lookup lists. */
  public CompletableFuture<LockedLookup> lookupWithLocks(String instance, KeyName key, int preload) {
    instance(instance);
    Map<String, String> locks = new LinkedHashMap<>();
    tree.read(t -> t.locksListedBy(instance, key)).forEach((k, c) -> locks.put(k.toString(), c));
    return lookup(instance, key, preload).thenApply(r -> new LockedLookup(r, locks));
  }

  public CompletableFuture<InstanceVersion> version(String instance) {
    return forward(instance, Transport::version);
  }

  public CompletableFuture<List<String>> find(String instance, String regex) {
    return forward(instance, t -> t.find(regex));
  }

  /** The version of every instance below a node; instances that fail are left out of the map. */
  public CompletableFuture<Map<String, InstanceVersion>> versions(String node) {
    Map<String, CompletableFuture<InstanceVersion>> futures = new LinkedHashMap<>();
    for (Instance i : targets(node)) {
      futures.put(i.id(), forwarder.call(i, Transport::version).exceptionally(t -> null));
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
    return reconciler.drift(targets(node));
  }

  /** The synchronization status of an instance as last observed. */
  public InstanceState status(String instance) {
    instance(instance);
    return board.status(instance, deliveries.pendingCount(instance));
  }

  /** Durable deliveries (writes of desired state) waiting for an instance. */
  public int pendingDeliveries(String instance) {
    instance(instance);
    return deliveries.pendingCount(instance);
  }

  /**
   * The live events: every committed change (one per history entry, with its sequence number), status change and
   * delivery outcome, for subscribers that may resume after the last id they saw (docs/http-api.md, "Live events").
   */
  public Events events() {
    return events;
  }

  /** The engine's counters: reconciler passes and failures, store commits and their time. */
  public EngineStats stats() {
    return new EngineStats(reconciler.runs(), reconciler.failures(), commits.commits(), commits.commitTime());
  }

  /**
   * One reconciliation pass over every instance, now: delivers pending writes to every instance that answers,
   * then checks drift and re-applies the effective pins of drifted instances. The background passes skip
   * instances that did not answer lately, for 2, 4, up to 8 periods.
   */
  public CompletableFuture<Void> reconcile() {
    ClusterMember m = member;
    if (m != null && !m.isLeader()) {
      return CompletableFuture.completedFuture(null); // the leader reconciles; a follower delivers nothing
    }
    return reconciler.reconcile(instances());
  }

  /** Checks invariants I1-I4; returns the violations (empty when all hold). For tests. */
  List<String> checkInvariants() {
    return tree.read(Tree::checkInvariants);
  }

  @Override
  public void close() {
    closed = true;
    ClusterMember m = member;
    if (m != null) {
      m.close();
    }
    scheduler.close();
    deliveries.close();
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
    private final TransportRegistry transports = new TransportRegistry();
    private Clock clock = Clock.systemUTC();
    private Supplier<String> ids = () -> UUID.randomUUID().toString();
    private int maxInFlight = 256;
    private int maxAttempts = 3;
    private Duration retryBackoff = Duration.ofMillis(100);
    private Duration connectTimeout = TransportConfig.DEFAULT_CONNECT_TIMEOUT;
    private Duration responseTimeout = TransportConfig.DEFAULT_RESPONSE_TIMEOUT;
    private Duration reconcileEvery = Duration.ofSeconds(30);
    private Duration rolloutTick = Duration.ofSeconds(1);
    private Scheduler scheduler;
    private int maxSubscribers = 64;
    private int subscriberQueue = 1024;
    private String memberId;
    private String memberAddress = "";
    private ClusterMember.Timing memberTiming = ClusterMember.Timing.DEFAULT;
    private Runnable onLostLeadership;

    private Builder() { }

    /**
     * With a {@link SharedRegistryStore}: this daemon's id among the daemons sharing it (default: a random one) and
     * the address the others forward mutations to (may be set later, {@link ClusterMember#advertise}).
     */
    public Builder member(String id, String address) {
      this.memberId = Objects.requireNonNull(id, "id");
      this.memberAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** With a shared store: lease length, renewal period, safety margin and staleness bound. */
    public Builder memberTiming(ClusterMember.Timing timing) {
      this.memberTiming = Objects.requireNonNull(timing, "timing");
      return this;
    }

    /**
     * With a shared store: what happens when this daemon, as leader, can no longer confirm its lease (default: it
     * closes, refusing every further call). The daemon halts its process so a supervisor restarts it.
     */
    public Builder onLostLeadership(Runnable action) {
      this.onLostLeadership = Objects.requireNonNull(action, "action");
      return this;
    }

    /** The store (default: in memory). The built Clusterd owns and closes it. */
    public Builder store(RegistryStore newStore) {
      if (this.store != null) {
        throw new IllegalStateException("store was already set");
      }
      this.store = Objects.requireNonNull(newStore, "store");
      return this;
    }

    /** Registers a transport factory explicitly; it wins over Guice bindings and discovered factories. */
    public Builder transport(TransportFactory factory) {
      return transport(new TransportRegistry.Registration(Objects.requireNonNull(factory, "factory"),
          TransportRegistry.Rank.EXPLICIT, "registered explicitly"));
    }

    /** Registers a transport factory with its rank and origin (the Guice module registers its bindings so). */
    public Builder transport(TransportRegistry.Registration registration) {
      transports.add(registration.factory(), registration.rank(), registration.origin());
      return this;
    }

    /**
     * Registers every factory that {@link ServiceLoader} finds on the given class loader; a provider that cannot
     * be loaded is logged with its class and jar, the others load.
     */
    public Builder discoverTransports(ClassLoader loader) {
      for (String problem : transports.discover(loader)) {
        LOG.warn(problem);
      }
      return this;
    }

    public Builder clock(Clock newClock) {
      this.clock = Objects.requireNonNull(newClock, "clock");
      return this;
    }

    /**
     * Where generated ids come from (default: random UUIDs): instances registered without an id, and clusters
     * created without one whose name has no ASCII letter or digit (other clusters get the slug of their name).
     */
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

    /**
     * How often paused rollouts are checked for a pause that is over (default 1 s); {@link Duration#ZERO} leaves
     * it to {@link Clusterd#resumeDueRollouts()}.
     */
    public Builder rolloutTick(Duration d) {
      Objects.requireNonNull(d, "rolloutTick");
      if (d.isNegative()) {
        throw new IllegalArgumentException("rolloutTick must not be negative: " + d);
      }
      this.rolloutTick = d;
      return this;
    }

    /** Bound on subscribers of {@link Clusterd#events()} (default 64); one more is refused {@code UNAVAILABLE}. */
    public Builder maxSubscribers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxSubscribers must be at least 1: " + n);
      }
      this.maxSubscribers = n;
      return this;
    }

    /** Live events that may wait for one subscriber (default 1024); a subscriber that lets more wait is dropped. */
    public Builder subscriberQueue(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("subscriberQueue must be at least 1: " + n);
      }
      this.subscriberQueue = n;
      return this;
    }

    /** Where the background reconciler runs (default: one daemon thread). The built Clusterd closes it. */
    public Builder scheduler(Scheduler newScheduler) {
      if (this.scheduler != null) {
        throw new IllegalStateException("scheduler was already set");
      }
      this.scheduler = Objects.requireNonNull(newScheduler, "scheduler");
      return this;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    /** Loads the store and starts the engine's threads. */
    public Clusterd build() {
      if (store == null) {
        store = new MemoryStore();
      }
      if (scheduler == null) {
        scheduler = Scheduler.daemonThread("clusterd-reconciler");
      }
      if (store instanceof SharedRegistryStore shared) {
        return buildMember(shared);
      }
      StoreSnapshot snapshot = store.load();
      return new Clusterd(this, snapshot).start(snapshot);
    }

    /** A member of several daemons: a follower until it gets the lease (at once when no one else holds it). */
    private Clusterd buildMember(SharedRegistryStore shared) {
      SequencedSnapshot loaded = shared.loadSequenced();
      Clusterd clusterd = new Clusterd(this, loaded.snapshot());
      Runnable lost = onLostLeadership != null ? onLostLeadership : clusterd::close;
      String id = memberId != null ? memberId : "daemon-" + UUID.randomUUID().toString().substring(0, 8);
      ClusterMember m = new ClusterMember(shared, clusterd, id, memberAddress, memberTiming, lost);
      clusterd.member = m;
      m.start(loaded.seq());
      return clusterd;
    }
  }
}

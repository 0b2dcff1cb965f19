package io.clusterd.core;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.spi.MemberRecord;
import io.clusterd.spi.SequencedSnapshot;
import io.clusterd.spi.SessionStore;
import io.clusterd.spi.SharedRegistryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon of several that share a {@link SharedRegistryStore} (SEMANTICS section 8). Every
 * {@code tick} it takes or renews the leadership lease and writes its heartbeat. As a follower its tree follows the
 * store's change sequence (pushed by the store's notifications, polled as a fallback) and it commits nothing; when
 * it gets the lease it loads the store (the outbox included) and becomes the leader: plans, commits, delivers,
 * and takes the rollouts up where they were (a wave in flight is sent again, as after a restart).
 *
 * <p>A leader that cannot renew its lease stops before the lease can expire in the store (a watchdog, apart from
 * the renewing thread, measures from the start of the last renewal that succeeded): it calls the
 * {@code onLostLeadership} action, which in the daemon halts the process so that a supervisor restarts it as a
 * follower, and never delivers or commits again. Commits are fenced by the store in any case.
 *
 * <p>Thread-safe. Created by {@link Clusterd.Builder#build()} when its store is shared.
 */
public final class ClusterMember implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

  /** Lease length, renewal period and the margin by which a leader stops before its lease can expire. */
  public record Timing(Duration lease, Duration tick, Duration margin, Duration staleAfter) {
    /** Lease 3 s, renewed every 500 ms; a leader stops 500 ms early; no contact for 1.5 s marks reads stale. */
    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(3), Duration.ofMillis(500),
        Duration.ofMillis(500), Duration.ofMillis(1500));
  }

  private final SharedRegistryStore store;
  private final Clusterd clusterd;
  private final String id;
  private final Timing timing;
  private final Runnable onLostLeadership;
  private final ReentrantLock follow = new ReentrantLock();
  private final ExecutorService catchUps;
  private final Scheduler ticks;
  private final Scheduler watchdog;
  private volatile String address;
  private volatile boolean leader;
  private volatile boolean stopped;
  private volatile long epoch;
  private volatile long appliedSeq;
  private volatile long seenSeq;
  private volatile long behindSinceNanos;
  private volatile long lastContactNanos;
  private volatile long leaseDeadlineNanos;
  private volatile String problem;
  private volatile List<MemberRecord> members = List.of();
  private volatile AutoCloseable watch;

  ClusterMember(SharedRegistryStore store, Clusterd clusterd, String id, String address, Timing timing,
      Runnable onLostLeadership) {
    this.store = store;
    this.clusterd = clusterd;
    this.id = Objects.requireNonNull(id, "id");
    this.address = Objects.requireNonNull(address, "address");
    this.timing = timing;
    this.onLostLeadership = onLostLeadership;
    this.catchUps = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "clusterd-follow");
      t.setDaemon(true);
      return t;
    });
    this.ticks = Scheduler.daemonThread("clusterd-lease");
    this.watchdog = Scheduler.daemonThread("clusterd-lease-watchdog");
  }

  /** Starts following from {@code seq} (the tree holds that state), leads at once when no one else does. */
  void start(long seq) {
    appliedSeq = seq;
    seenSeq = seq;
    lastContactNanos = System.nanoTime();
    tick();
    ticks.every(timing.tick(), this::tick);
    watchdog.every(Duration.ofMillis(100), this::checkLease);
    watch = store.watch(this::seen, timing.tick());
  }

  /** This daemon's id among the members. */
  public String id() {
    return id;
  }

  /** Sets the address other daemons forward mutations to (the daemon learns its port only once it listens). */
  public void advertise(String newAddress) {
    this.address = Objects.requireNonNull(newAddress, "address");
  }

  public String address() {
    return address;
  }

  public boolean isLeader() {
    return leader && !stopped;
  }

  /** Whether the store answered lately; when not, reads may be stale and mutations must be refused. */
  public boolean storeReachable() {
    return problem == null && System.nanoTime() - lastContactNanos < timing.staleAfter().toNanos();
  }

  /** Why the store is not reached, for answers and headers. */
  public String unreachableReason() {
    String p = problem;
    long silentMs = (System.nanoTime() - lastContactNanos) / 1_000_000;
    return "this daemon has not reached the store " + store.location() + " for " + silentMs + " ms"
        + (p == null ? "" : " (" + p + ")");
  }

  /** The browser sessions of every daemon sharing the store (kept in the store itself, outside the registry). */
  public SessionStore sessions() {
    return store;
  }

  /** The leader's address as the member list last told, if any daemon leads. */
  public Optional<String> leaderAddress() {
    if (isLeader()) {
      return Optional.of(address);
    }
    return members.stream().filter(m -> MemberRecord.LEADER.equals(m.role()) && !m.address().isEmpty())
        .map(MemberRecord::address).findFirst();
  }

  /** The daemons sharing the store as last read (every tick). */
  public List<MemberRecord> members() {
    return members;
  }

  public MemberStatus status() {
    long lag = Math.max(0, seenSeq - appliedSeq);
    long since = behindSinceNanos;
    long lagMs = lag == 0 || since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000;
    boolean reachable = storeReachable();
    return new MemberStatus(id, address, isLeader() ? MemberRecord.LEADER : MemberRecord.FOLLOWER, epoch, appliedSeq,
        seenSeq, lag, lagMs, reachable, reachable ? Optional.empty() : Optional.of(unreachableReason()),
        leaderAddress(), store.location());
  }

  /**
   * Completes once this daemon's tree holds every change committed before the call (read-your-writes after a
   * forwarded mutation): at once on the leader, else after reading the store's sequence and catching up to it.
   */
  public CompletableFuture<Void> caughtUp() {
    if (isLeader()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      long target = store.changeSeq();
      if (appliedSeq < target) {
        catchUp();
      }
      if (appliedSeq < target && !isLeader()) {
        throw ClusterdException.of(ErrorCode.UNAVAILABLE, "this daemon could not catch up to change " + target
            + " of the store; the write was applied, read it again", Map.of("seq", target));
      }
    }, catchUps);
  }

  // ------------------------------------------------------------------------------------------- lease

  private void tick() {
    if (stopped) {
      return;
    }
    long started = System.nanoTime();
    try {
      OptionalLong granted = store.lead(id, timing.lease());
      contact();
      if (granted.isPresent()) {
        leaseDeadlineNanos = started + timing.lease().toNanos() - timing.margin().toNanos();
        if (!leader) {
          promote(granted.getAsLong());
        }
      } else if (leader) {
        lose("another daemon holds the leadership lease");
        return;
      }
      store.heartbeat(new MemberRecord(id, address, isLeader() ? MemberRecord.LEADER : MemberRecord.FOLLOWER,
          appliedSeq, Instant.EPOCH));
      members = store.members();
    } catch (RuntimeException e) {
      if (problem == null) {
        LOG.warn("member {}: cannot reach the store {}: {}", id, store.location(), e.getMessage());
      }
      problem = e.getMessage();
    }
  }

  private void promote(long newEpoch) {
    promoteTree(newEpoch);
    try {
      clusterd.lead();
    } catch (RuntimeException e) {
      LOG.warn("member {}: leader now, but the rollouts could not be resumed yet: {}", id, e.getMessage());
    }
  }

  /** The tree and the outbox take the store's state, then this daemon answers as the leader. */
  private void promoteTree(long newEpoch) {
    follow.lock();
    try {
      SequencedSnapshot s = store.loadSequenced();
      clusterd.promote(s.snapshot());
      appliedSeq = s.seq();
      seenSeq = Math.max(seenSeq, s.seq());
      behindSinceNanos = 0;
      epoch = newEpoch;
      leader = true;
      LOG.info("member {}: leader now (epoch {}), {} pending deliveries loaded, at change {}", id, newEpoch,
          s.snapshot().pending().size(), s.seq());
    } finally {
      follow.unlock();
    }
  }

  private void checkLease() {
    if (leader && !stopped && System.nanoTime() > leaseDeadlineNanos) {
      lose("the leadership lease could not be renewed in time" + (problem == null ? "" : ": " + problem));
    }
  }

  private synchronized void lose(String why) {
    if (stopped) {
      return;
    }
    stopped = true;
    leader = false;
    LOG.error("member {}: no longer the leader ({}); this daemon stops delivering and committing", id, why);
    onLostLeadership.run();
  }

  // ------------------------------------------------------------------------------------------- following

  private void contact() {
    lastContactNanos = System.nanoTime();
    if (problem != null) {
      LOG.info("member {}: the store {} answers again", id, store.location());
    }
    problem = null;
  }

  private void seen(long seq) {
    contact();
    if (seq > seenSeq) {
      seenSeq = seq;
    }
    if (isLeader()) {
      appliedSeq = Math.max(appliedSeq, seq);
      return;
    }
    if (seq > appliedSeq) {
      if (behindSinceNanos == 0) {
        behindSinceNanos = System.nanoTime();
      }
      try {
        catchUp();
      } catch (RuntimeException e) {
        problem = e.getMessage();
      }
    }
  }

  private void catchUp() {
    follow.lock();
    try {
      if (leader || stopped) {
        return;
      }
      SequencedSnapshot s = store.loadSequenced();
      if (s.seq() > appliedSeq) {
        clusterd.reload(s.snapshot());
        appliedSeq = s.seq();
      }
      if (appliedSeq >= seenSeq) {
        behindSinceNanos = 0;
      }
    } finally {
      follow.unlock();
    }
  }

  /** Stops following and renewing; a leader gives its lease up so another daemon leads without waiting. */
  @Override
  public void close() {
    boolean wasLeader = isLeader();
    stopped = true;
    ticks.close();
    watchdog.close();
    catchUps.shutdownNow();
    AutoCloseable w = watch;
    if (w != null) {
      try {
        w.close();
      } catch (Exception e) {
        LOG.debug("member {}: closing the change watch: {}", id, e.toString());
      }
    }
    if (wasLeader) {
      try {
        store.resign(id);
      } catch (RuntimeException e) {
        LOG.warn("member {}: could not give up the lease (it expires by itself): {}", id, e.getMessage());
      }
    }
  }
}

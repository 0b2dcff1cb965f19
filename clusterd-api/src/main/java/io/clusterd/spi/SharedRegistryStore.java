package io.clusterd.spi;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * A {@link RegistryStore} that several daemons share, making them one clusterd (SEMANTICS section 8): it numbers
 * the batches that change the registry (the <em>change sequence</em>), tells its readers when the sequence moves,
 * holds the leadership lease and the list of members.
 *
 * <p>Fencing: {@link #apply} commits only while this store object holds the leadership lease that
 * {@link #lead} last granted it; the check runs in the same transaction as the batch, so a daemon whose lease
 * expired (another daemon may lead now) can never commit. Without a lease, {@code apply} fails with
 * {@link io.clusterd.ErrorCode#UNAVAILABLE}.
 *
 * <p>The change sequence counts only batches that write or remove nodes or pins or write rollout records (what a
 * follower's tree holds: a follower lists rollouts and their progress); history and outbox rows are read from the
 * store directly and do not move it. Browser sessions ({@link SessionStore}) are kept here too, outside the
 * change sequence. Implementations are thread-safe.
 */
public interface SharedRegistryStore extends RegistryStore, SessionStore {

  /** Where the store is, without credentials, for health answers and logs (e.g. {@code postgresql://db:5432/clusterd}). */
  String location();

  /** The registry as {@link #load()} reads it, with the change sequence it reflects, read in one transaction. */
  SequencedSnapshot loadSequenced();

  /** The newest committed change sequence; reads the store, so it fails when the store cannot be reached. */
  long changeSeq();

  /**
   * Calls {@code listener} with the newest change sequence whenever it may have moved: at once when the store
   * can push notifications, and at least every {@code pollEvery} in any case, so a lost notification delays but
   * never loses a change. Calls come from one background thread; they may repeat a sequence. Closing the
   * returned handle stops the calls.
   */
  AutoCloseable watch(LongConsumer listener, Duration pollEvery);

  /**
   * Takes or renews the leadership lease for {@code member} for {@code lease} (measured by the store's clock):
   * succeeds when no one holds an unexpired lease or {@code member} holds it.
   *
   * @return the leader's epoch (it grows with every change of leader) when {@code member} leads now, else empty
   * @throws io.clusterd.ClusterdException {@code UNAVAILABLE} when the store cannot be reached
   */
  OptionalLong lead(String member, Duration lease);

  /** Gives the lease up at once when {@code member} holds it, so another member may lead without waiting. */
  void resign(String member);

  /** Writes this member's row (address, role, applied sequence) with the store's time as its heartbeat. */
  void heartbeat(MemberRecord member);

  /** The members that sent a heartbeat lately, by id, the leader's row marked by its role. */
  List<MemberRecord> members();
}

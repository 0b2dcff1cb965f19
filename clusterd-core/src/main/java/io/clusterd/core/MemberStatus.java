package io.clusterd.core;

import java.util.Optional;

/**
 * How one daemon of several on a shared store stands, for {@code /api/health} and {@code /metrics}: its role, the
 * leader's epoch it knows, the change sequence its tree has applied against the newest it has seen in the store
 * (the lag, in changes and in milliseconds it has been behind), whether it reaches the store, and the leader's
 * address.
 *
 * @param problem why the store is not reached (then reads may be stale and mutations are refused), else empty
 */
public record MemberStatus(String id, String address, String role, long epoch, long appliedSeq, long storeSeq,
    long lagChanges, long lagMillis, boolean storeReachable, Optional<String> problem, Optional<String> leaderAddress,
    String store) {

  public boolean leader() {
    return io.clusterd.spi.MemberRecord.LEADER.equals(role);
  }
}

package io.clusterd.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One daemon of a clusterd that shares a {@link SharedRegistryStore}: its id, the address other daemons reach
 * it at (mutations are forwarded to the leader's), its role ({@code leader} or {@code follower}), the change
 * sequence its tree has applied and the store's time of its last heartbeat.
 *
 * <p>Immutable and thread-safe.
 */
public record MemberRecord(String id, String address, String role, long appliedSeq, Instant heartbeat) {

  /** The role of the member that holds the leadership lease. */
  public static final String LEADER = "leader";

  /** The role of every other member. */
  public static final String FOLLOWER = "follower";

  public MemberRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(heartbeat, "heartbeat");
  }
}

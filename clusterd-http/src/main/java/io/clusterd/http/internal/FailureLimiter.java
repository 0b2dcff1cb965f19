package io.clusterd.http.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits failed authentications (sign-in, bearer token, apikey) per client address: each address may fail
 * {@code burst} times in a row, then once more every {@code refill}; while it may not, every attempt it makes
 * with a secret is refused without being checked. Time comes from {@code clock}. Thread-safe.
 */
final class FailureLimiter {
  /** Failures an address may make at once. */
  static final int DEFAULT_BURST = 10;
  /** How long it takes an address to earn one more failure. */
  static final Duration DEFAULT_REFILL = Duration.ofSeconds(6);
  private static final int MAX_ADDRESSES = 10_000;

  private record Bucket(double allowance, Instant at) { }

  private final int burst;
  private final Duration refill;
  private final Clock clock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  FailureLimiter(int burst, Duration refill, Clock clock) {
    if (burst < 1 || refill.isNegative() || refill.isZero()) {
      throw new IllegalArgumentException("burst must be at least 1 and refill positive");
    }
    this.burst = burst;
    this.refill = refill;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** How long {@code address} must wait before it may try again, or empty when it may try now. */
  Optional<Duration> blocked(String address) {
    Bucket b = buckets.get(address);
    if (b == null) {
      return Optional.empty();
    }
    double now = refilled(b, clock.instant());
    if (now >= 1) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos((long) Math.ceil((1 - now) * refill.toNanos())));
  }

  /** Counts one failure of {@code address}. */
  void failed(String address) {
    Instant now = clock.instant();
    if (buckets.size() > MAX_ADDRESSES) {
      buckets.values().removeIf(b -> refilled(b, now) >= burst); // addresses that earned everything back
    }
    buckets.compute(address, (a, old) -> new Bucket((old == null ? burst : refilled(old, now)) - 1, now));
  }

  private double refilled(Bucket b, Instant now) {
    double earned = (double) Duration.between(b.at(), now).toNanos() / refill.toNanos();
    return Math.min(burst, b.allowance() + Math.max(0, earned));
  }
}

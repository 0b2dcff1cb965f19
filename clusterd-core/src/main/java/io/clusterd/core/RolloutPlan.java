package io.clusterd.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Change.StartRollout} delivers its write: the waves, how many failures a wave may have, the pause
 * between waves and whether each wave's instances are read back before the next wave starts.
 *
 * <pre>{@code
 * RolloutPlan.of(List.of(new RolloutPlan.Nodes(List.of("staging")), new RolloutPlan.Nodes(List.of("*"))))
 *     .withMaxFailures(RolloutPlan.FailureLimit.percent(10))
 *     .withPause(Optional.of(Duration.ofMinutes(5)))
 *     .withVerify(true);
 * }</pre>
 *
 * @param waves the waves in order; empty for one wave per direct child of the cluster, in child order
 * @param maxFailures the failures a wave may have and still count as done
 * @param pause the time between the end of one wave and the start of the next; empty for {@code manual} (the
 *     rollout pauses after every wave until it is resumed)
 * @param verify read the written keys back from every instance of a wave before the next wave starts
 */
public record RolloutPlan(List<Wave> waves, FailureLimit maxFailures, Optional<Duration> pause, boolean verify) {

  /** What one wave covers. */
  public sealed interface Wave { }

  /**
   * A wave along the tree: the instances at or below each named descendant of the cluster; {@code *} stands for
   * every instance no other wave names.
   */
  public record Nodes(List<String> ids) implements Wave {
    public Nodes {
      ids = List.copyOf(ids);
      if (ids.isEmpty()) {
        throw new IllegalArgumentException("a wave along the tree names at least one node or *");
      }
    }
  }

  /**
   * A wave as a cumulative share of the cluster's instances: {@code Share(10)} after {@code Share(1)} takes the
   * instances from the first 1 % up to 10 %, chosen deterministically and spread over the sub-clusters.
   */
  public record Share(int percent) implements Wave {
    public Share {
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("a wave's share is a percent from 1 to 100: " + percent);
      }
    }
  }

  /** The failures a wave may have: a count of instances, or a percent of the wave's instances. */
  public record FailureLimit(int value, boolean percent) {
    public FailureLimit {
      if (value < 0 || (percent && value > 100)) {
        throw new IllegalArgumentException("maxFailures must be a count of at least 0 or a percent from 0 to 100: "
            + value + (percent ? "%" : ""));
      }
    }

    public static FailureLimit count(int n) {
      return new FailureLimit(n, false);
    }

    public static FailureLimit percent(int p) {
      return new FailureLimit(p, true);
    }

    /** Whether {@code failed} failures of a wave of {@code size} instances are too many. */
    public boolean exceeded(int failed, int size) {
      return percent ? (long) failed * 100 > (long) value * size : failed > value;
    }

    @Override
    public String toString() {
      return value + (percent ? "%" : "");
    }
  }

  public RolloutPlan {
    waves = List.copyOf(waves);
    Objects.requireNonNull(maxFailures, "maxFailures");
    Objects.requireNonNull(pause, "pause");
    pause.ifPresent(p -> {
      if (p.isNegative()) {
        throw new IllegalArgumentException("the pause between waves must not be negative: " + p);
      }
    });
  }

  /** The given waves, no failure allowed, no pause, no read-back. */
  public static RolloutPlan of(List<Wave> waves) {
    return new RolloutPlan(waves, FailureLimit.count(0), Optional.of(Duration.ZERO), false);
  }

  /** One wave per direct child of the cluster, no failure allowed, no pause, no read-back. */
  public static RolloutPlan perChild() {
    return of(List.of());
  }

  public RolloutPlan withMaxFailures(FailureLimit limit) {
    return new RolloutPlan(waves, limit, pause, verify);
  }

  /** The pause between waves; empty for manual. */
  public RolloutPlan withPause(Optional<Duration> newPause) {
    return new RolloutPlan(waves, maxFailures, newPause, verify);
  }

  public RolloutPlan withVerify(boolean readBack) {
    return new RolloutPlan(waves, maxFailures, pause, readBack);
  }
}

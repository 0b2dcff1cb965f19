package io.clusterd.core;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A staged rollout of one cluster write, as it stands: the write, its plan, its state, the waves with each
 * instance's outcome, and the pins the cluster holds once it completes. Read with {@link Clusterd#rollouts()} and
 * {@link Clusterd#rollout(String)}; started with {@link Change.StartRollout}, controlled with
 * {@link Change.ControlRollout}.
 *
 * <p>While it is not finished, an instance of a started wave (and an instance that joined the cluster after the
 * first wave started) has the {@link #target()} pins as desired state for the rollout's {@link #keys()}; the others
 * keep the cluster's pins. Immutable and thread-safe.
 *
 * @param id the rollout's id
 * @param cluster the cluster whose write it rolls out
 * @param operations the write, as the key operations each instance receives
 * @param plan the plan it was started with
 * @param state where it stands
 * @param wave the index of the last started wave, -1 before the first
 * @param waves the waves in order, each with its instances
 * @param keys the keys of the cluster the write changes
 * @param target the cluster's pins of those keys once the rollout completes
 * @param started when it was started
 * @param resumeAt when a rollout paused between waves goes on by itself; empty when it waits to be resumed
 */
public record Rollout(String id, String cluster, List<KeyOperation> operations, RolloutPlan plan, State state,
    int wave, List<Wave> waves, List<KeyName> keys, List<Pin> target, Instant started, Optional<Instant> resumeAt) {

  /** The states of a rollout: planned (a dry run), running, paused, and the finished ones. */
  public enum State {
    PLANNED, RUNNING, PAUSED, HALTED, COMPLETED, ABORTED;

    /** Whether nothing more happens to the rollout. */
    public boolean finished() {
      return this == COMPLETED || this == ABORTED;
    }

    /** The lower-case name clients see, e.g. {@code running}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What became of the rollout's write on one instance. */
  public enum Outcome {
    /** Not sent yet, or sent and not answered yet. */
    WAITING,
    /** Acknowledged (and read back, with verify). */
    DONE,
    /** Failed, or read back with another value; the error says why. */
    FAILED,
    /** Left the cluster (or the registry) before its wave was sent. */
    SKIPPED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One instance of a wave and its outcome; {@code error} says why it failed. */
  public record Target(String instance, Outcome outcome, Optional<String> error) {
    public Target {
      Objects.requireNonNull(instance, "instance");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(error, "error");
    }

    public static Target waiting(String instance) {
      return new Target(instance, Outcome.WAITING, Optional.empty());
    }
  }

  /** One wave: what the plan said ({@code label}, e.g. {@code eu-web,eu-db} or {@code 10%}) and its instances. */
  public record Wave(String label, List<Target> instances) {
    public Wave {
      Objects.requireNonNull(label, "label");
      instances = List.copyOf(instances);
    }

    /** Whether every instance has an outcome. */
    public boolean answered() {
      return instances.stream().allMatch(t -> t.outcome() != Outcome.WAITING);
    }

    public long failures() {
      return instances.stream().filter(t -> t.outcome() == Outcome.FAILED).count();
    }

    /** The instances that count for {@code maxFailures}: every one but those skipped. */
    public int size() {
      return (int) instances.stream().filter(t -> t.outcome() != Outcome.SKIPPED).count();
    }

    /** Whether a wave's failures exceed the plan's limit. */
    public boolean failed(RolloutPlan.FailureLimit limit) {
      return limit.exceeded((int) failures(), size());
    }
  }

  public Rollout {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(cluster, "cluster");
    operations = List.copyOf(operations);
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(state, "state");
    waves = List.copyOf(waves);
    keys = List.copyOf(keys);
    target = List.copyOf(target);
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(resumeAt, "resumeAt");
    if (wave < -1 || wave >= Math.max(1, waves.size())) {
      throw new IllegalArgumentException("wave " + wave + " of a rollout with " + waves.size() + " waves");
    }
  }

  /** The wave an instance belongs to, or -1 when it is in none (it joined the cluster later). */
  public int waveOf(String instance) {
    for (int w = 0; w < waves.size(); w++) {
      for (Target t : waves.get(w).instances()) {
        if (t.instance().equals(instance)) {
          return w;
        }
      }
    }
    return -1;
  }

  /** This rollout in another state, paused until {@code until} (empty: until resumed). */
  public Rollout withState(State newState, Optional<Instant> until) {
    return new Rollout(id, cluster, operations, plan, newState, wave, waves, keys, target, started, until);
  }

  /** This rollout running wave {@code index}. */
  public Rollout running(int index) {
    return new Rollout(id, cluster, operations, plan, State.RUNNING, index, waves, keys, target, started,
        Optional.empty());
  }

  /** This rollout with the outcome of one instance of a wave replaced. */
  public Rollout withOutcome(int index, Target outcome) {
    List<Wave> all = new ArrayList<>(waves);
    List<Target> targets = new ArrayList<>(all.get(index).instances());
    for (int i = 0; i < targets.size(); i++) {
      if (targets.get(i).instance().equals(outcome.instance())) {
        targets.set(i, outcome);
      }
    }
    all.set(index, new Wave(all.get(index).label(), targets));
    return new Rollout(id, cluster, operations, plan, state, wave, all, keys, target, started, resumeAt);
  }
}

package io.clusterd.core.internal;

import io.clusterd.HistoryEntry;
import io.clusterd.core.Event;
import io.clusterd.core.EventId;
import io.clusterd.core.Rollout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the history entries of rollout steps ({@code rollout-start}, {@code rollout-wave}, {@code rollout-wave-done},
 * {@code rollout-halt}, {@code rollout-pause}, {@code rollout-resume}, {@code rollout-abort},
 * {@code rollout-complete}) into {@code rollout} events: one per entry, with the entry's sequence as id (so they are
 * replayed from the history like every change) and the rollout's progress as the tree given has it.
 */
final class RolloutEvents {
  private static final String PREFIX = "rollout-";

  private RolloutEvents() { }

  /** Whether a history entry records a step of a rollout. */
  static boolean isStep(HistoryEntry e) {
    return e.operation().startsWith(PREFIX);
  }

  /** The {@code rollout} event of a step's entry; progress fields are those of the rollout in {@code t}. */
  static Event.Rollout event(HistoryEntry e, Tree t, Set<String> nodes) {
    Optional<Rollout> rollout = rolloutOf(e, t);
    String id = rollout.map(Rollout::id).orElseGet(() -> firstWord(e.newValue().orElse("")));
    return new Event.Rollout(new EventId(e.seq(), 0), id, e.node(), progress(e, rollout), nodes);
  }

  /**
   * The rollout a step's entry is about: its {@code newValue} starts with the rollout's id (then ends, or goes on
   * with a space or a colon); of the cluster's rollouts the one with the longest such id.
   */
  static Optional<Rollout> rolloutOf(HistoryEntry e, Tree t) {
    String text = e.newValue().orElse("");
    Rollout best = null;
    for (Rollout r : t.rollouts()) {
      if (!r.cluster().equals(e.node()) || !text.startsWith(r.id())) {
        continue;
      }
      boolean bounded = text.length() == r.id().length() || text.charAt(r.id().length()) == ' '
          || text.charAt(r.id().length()) == ':';
      if (bounded && (best == null || r.id().length() > best.id().length())) {
        best = r;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The data of a step: {@code step} (the operation without {@code rollout-}), the entry's {@code seq},
   * {@code time}, {@code actor}, {@code key} and {@code detail} (its {@code newValue}), and, when the rollout is
   * known, its {@code state}, {@code wave} (the last started, 1-based; 0 before the first), {@code waves} (how many)
   * and the instances {@code done}, {@code failed}, {@code skipped} and {@code waiting} over all waves.
   */
  static Map<String, Object> progress(HistoryEntry e, Optional<Rollout> rollout) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", e.operation().substring(PREFIX.length()));
    m.put("seq", e.seq());
    m.put("time", e.time().toString());
    e.actor().ifPresent(a -> m.put("actor", a));
    e.key().ifPresent(k -> m.put("key", k));
    e.newValue().ifPresent(v -> m.put("detail", v));
    rollout.ifPresent(r -> {
      m.put("state", r.state().label());
      m.put("wave", r.wave() + 1);
      m.put("waves", r.waves().size());
      for (Rollout.Outcome o : Rollout.Outcome.values()) {
        m.put(o.label(), r.waves().stream().flatMap(w -> w.instances().stream())
            .filter(i -> i.outcome() == o).count());
      }
    });
    return m;
  }

  private static String firstWord(String text) {
    int end = 0;
    while (end < text.length() && text.charAt(end) != ' ' && text.charAt(end) != ':') {
      end++;
    }
    return text.substring(0, end);
  }
}

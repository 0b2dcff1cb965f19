package io.clusterd.core;

import java.util.Optional;

/**
 * Where an {@link Event} stands in the stream: {@code seq} is the sequence number of the last committed history
 * entry when it happened, {@code sub} counts the events without a history entry of their own (status, delivery,
 * rollout) since that entry. An event of a history entry has {@code sub = 0} and its entry's {@code seq}. Ids only
 * grow; as text ({@link #toString()}, the SSE {@code id}) they are {@code 42} or {@code 42.3}.
 *
 * <p>Resuming after an id replays the history entries after its {@code seq}; events without a history entry are
 * not replayed but summed up by a status snapshot (docs/http-api.md, "Live events").
 */
public record EventId(long seq, long sub) implements Comparable<EventId> {
  /** Before anything: the stream of an empty store starts here. */
  public static final EventId ORIGIN = new EventId(0, 0);

  public EventId {
    if (seq < 0 || sub < 0) {
      throw new IllegalArgumentException("an event id is not negative: " + seq + "." + sub);
    }
  }

  /** The id as the stream sends it: {@code 42} or {@code 42.3}. */
  @Override
  public String toString() {
    return sub == 0 ? Long.toString(seq) : seq + "." + sub;
  }

  /** Parses {@code 42} or {@code 42.3}; empty for anything else. */
  public static Optional<EventId> parse(String text) {
    if (text == null || !text.matches("[0-9]{1,18}(\\.[0-9]{1,18})?")) {
      return Optional.empty();
    }
    int dot = text.indexOf('.');
    return dot < 0 ? Optional.of(new EventId(Long.parseLong(text), 0))
        : Optional.of(new EventId(Long.parseLong(text.substring(0, dot)), Long.parseLong(text.substring(dot + 1))));
  }

  /** The next id of an event without a history entry. */
  public EventId next() {
    return new EventId(seq, sub + 1);
  }

  @Override
  public int compareTo(EventId o) {
    int c = Long.compare(seq, o.seq);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }
}

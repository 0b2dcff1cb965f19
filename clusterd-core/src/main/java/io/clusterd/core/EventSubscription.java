package io.clusterd.core;

import java.util.Optional;

/**
 * One subscriber's view of the event stream: first what it missed (replayed history, then a status snapshot, or a
 * reset), then the live events, in id order. Live events wait in a bounded queue; a subscriber that lets it fill is
 * {@linkplain #dropped() dropped} (writers never wait for a subscriber) and resumes by subscribing again after its
 * last id.
 *
 * <p>{@link #poll()} is for one consumer thread at a time; {@link #dropped()} and {@link #close()} may be called
 * from any thread.
 */
public interface EventSubscription extends AutoCloseable {

  /** The next event, or empty when none waits (the wake-up given to {@code subscribe} says when one arrives). */
  Optional<Event> poll();

  /** Whether the subscriber was dropped because its queue was full; what still waits can be polled. */
  boolean dropped();

  /** Ends the subscription; it frees its place among the subscribers. */
  @Override
  void close();
}

package io.clusterd.core;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The live events of one {@link Clusterd} ({@link Event}): every committed change, instance status change and
 * delivery outcome, in order, with ids that make resuming well defined ({@link EventId}).
 *
 * <pre>{@code
 * EventSubscription s = clusterd.events().subscribe(lastSeen, e -> true, wake);
 * for (Optional<Event> e = s.poll(); e.isPresent(); e = s.poll()) { ... }
 * }</pre>
 *
 * <p>Thread-safe. Publishing never blocks: the wake-up runs on the publishing thread and must only schedule work.
 */
public interface Events {

  /**
   * Subscribes. With {@code lastSeen}, what came after it is replayed first: the history entries after its
   * {@code seq} from the store, then one {@link Event.Status} per instance (events without a history entry are not
   * replayed); a {@link Event.Reset} instead when the id is ahead of this stream or more than the replay bound
   * behind it. Without it, only live events follow.
   *
   * @param accept which events this subscriber receives (e.g. the scopes of a token); runs on publishing threads
   * @param wake called after an event was queued and when the subscriber is dropped; must not block
   * @throws io.clusterd.ClusterdException {@code UNAVAILABLE} when the bound on subscribers is reached
   */
  EventSubscription subscribe(Optional<EventId> lastSeen, Predicate<Event> accept, Runnable wake);

  /** The id of the last event published. */
  EventId lastId();

  /** Subscribers now. */
  int subscribers();

  /** Subscribers dropped so far because their queue was full. */
  long dropped();
}

package io.clusterd.core.internal;

import io.clusterd.core.Event;
import io.clusterd.core.EventSubscription;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One subscriber of the {@link EventHub}: its backlog (what it missed, polled first), then a bounded queue of live
 * events. A full queue drops the subscriber instead of waiting. Offered by publishers, polled by one consumer.
 */
final class EventQueue implements EventSubscription {
  private final ArrayBlockingQueue<Event> live;
  private final Predicate<Event> accept;
  private final Runnable wake;
  private final Consumer<EventQueue> onClose;
  private final ArrayDeque<Event> backlog = new ArrayDeque<>();
  private volatile boolean dropped;
  private volatile boolean closed;

  EventQueue(int capacity, Predicate<Event> accept, Runnable wake, Consumer<EventQueue> onClose) {
    this.live = new ArrayBlockingQueue<>(capacity);
    this.accept = accept;
    this.wake = wake;
    this.onClose = onClose;
  }

  boolean accepts(Event e) {
    return accept.test(e);
  }

  /** Queues a live event; false (and dropped from now on) when the queue is full. */
  boolean offer(Event e) {
    if (dropped || closed) {
      return false;
    }
    if (!live.offer(e)) {
      dropped = true;
      return false;
    }
    return true;
  }

  void wake() {
    wake.run();
  }

  /** Set once, by the subscribing thread, before the subscription is handed out. */
  void backlog(List<Event> missed) {
    backlog.addAll(missed);
  }

  @Override
  public Optional<Event> poll() {
    Event e = backlog.poll();
    return Optional.ofNullable(e != null ? e : live.poll());
  }

  @Override
  public boolean dropped() {
    return dropped;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      onClose.accept(this);
    }
  }
}

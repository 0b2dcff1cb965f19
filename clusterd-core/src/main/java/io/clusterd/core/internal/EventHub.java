package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyOperation;
import io.clusterd.core.Event;
import io.clusterd.core.EventId;
import io.clusterd.core.EventSubscription;
import io.clusterd.core.Events;
import io.clusterd.spi.RegistryStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Publishes what the engine does to the subscribers of {@link Events}: the history entries of each commit (read
 * back from the store with the sequence numbers it gave them, so the ids are those of the durable history), status
 * changes, delivery outcomes, and the steps of rollouts (history entries too, published as {@code rollout} events
 * with the rollout's progress). Publishing takes one short lock and only offers to bounded
 * queues: a writer never waits for a subscriber. Resuming reads the missed history from the store outside that
 * lock. Thread-safe.
 */
public final class EventHub implements Events {
  /** At most this many history entries are replayed to one subscriber; further behind, it gets a reset. */
  public static final int MAX_REPLAY = 10_000;
  private static final int PAGE = 1000;

  /** The nodes and kinds of a commit's history entries as the tree was before it (see {@link #committed}). */
  public record Before(List<HistoryEntry> entries, Map<String, Set<String>> lineage, Set<String> clusters) { }

  private final RegistryStore store;
  private final GuardedTree tree;
  private final Function<EventId, List<Event>> statusSnapshot;
  private final int maxSubscribers;
  private final int queueCapacity;
  private final Object lock = new Object();
  private final List<EventQueue> subscribers = new ArrayList<>(); // guarded by lock
  private EventId last; // guarded by lock
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param statusSnapshot the status of every instance now, as events with the given id (sent after a replay)
   */
  public EventHub(RegistryStore store, GuardedTree tree, Function<EventId, List<Event>> statusSnapshot,
      int maxSubscribers, int queueCapacity) {
    this.store = store;
    this.tree = tree;
    this.statusSnapshot = statusSnapshot;
    this.maxSubscribers = maxSubscribers;
    this.queueCapacity = queueCapacity;
    List<HistoryEntry> newest = store.history(Optional.empty(), Long.MAX_VALUE, 1);
    this.last = newest.isEmpty() ? EventId.ORIGIN : new EventId(newest.get(0).seq(), 0);
  }

  // ------------------------------------------------------------------------------------------- publishing

  /** Notes, under the tree's write lock and before the commit, where the nodes of a plan's history entries are. */
  public Before before(List<HistoryEntry> entries, Tree t) {
    if (subscribers() == 0) {
      // nobody to tell where the nodes were: committed() only advances the ids (a subscriber arriving meanwhile
      // gets the nodes' lineage after the commit)
      return new Before(List.copyOf(entries), Map.of(), Set.of());
    }
    Map<String, Set<String>> lineage = new LinkedHashMap<>();
    Set<String> clusters = new HashSet<>();
    for (HistoryEntry e : entries) {
      lineage.computeIfAbsent(e.node(), n -> lineage(t, n));
      if (t.isCluster(e.node())) {
        clusters.add(e.node());
      }
    }
    return new Before(List.copyOf(entries), lineage, clusters);
  }

  /**
   * Publishes the history entries of a commit, still under the tree's write lock (so in commit order, before any
   * of its deliveries): reads them back from the store for their sequence numbers.
   */
  public void committed(Before before, Tree t) {
    int n = before.entries().size();
    if (n == 0) {
      return;
    }
    synchronized (lock) {
      if (subscribers.isEmpty()) {
        // no subscriber: advance the ids by the newest entry alone instead of reading back and building n events
        // (a bulk registration writes thousands); subscribe() waits for this, so no subscriber misses the commit
        List<HistoryEntry> newest = store.history(Optional.empty(), Long.MAX_VALUE, 1);
        EventId id = newest.isEmpty() ? last : new EventId(newest.get(0).seq(), 0);
        if (id.compareTo(last) > 0) {
          last = id;
        }
        return;
      }
    }
    List<HistoryEntry> stored = newest(n);
    List<Event> events = new ArrayList<>(stored.size());
    for (HistoryEntry e : stored) {
      Set<String> nodes = new HashSet<>(before.lineage().getOrDefault(e.node(), Set.of(e.node())));
      nodes.addAll(lineage(t, e.node()));
      boolean cluster = before.clusters().contains(e.node()) || t.isCluster(e.node());
      events.add(eventOf(e, cluster, t, nodes));
    }
    publish(events);
  }

  /** The {@code n} newest history entries, oldest first. */
  private List<HistoryEntry> newest(int n) {
    List<HistoryEntry> out = new ArrayList<>(n);
    long before = Long.MAX_VALUE;
    while (out.size() < n) {
      List<HistoryEntry> page = store.history(Optional.empty(), before, Math.min(PAGE, n - out.size()));
      out.addAll(page);
      if (page.isEmpty()) {
        break;
      }
      before = page.get(page.size() - 1).seq();
    }
    Collections.reverse(out);
    return out;
  }

  /** Publishes an instance's new status. */
  public void status(io.clusterd.InstanceState state, int pending, Set<String> nodes) {
    publish(id -> new Event.Status(id, state, pending, nodes));
  }

  /** Publishes the outcome of one operation on one instance. */
  public void delivered(Instance instance, KeyOperation op, long seq, InstanceOutcome outcome) {
    Set<String> nodes = lineageNow(instance.id());
    publish(id -> new Event.Delivery(id, op, seq, outcome, nodes));
  }

  /** The node and every cluster above it now (a removed node: itself). */
  public Set<String> lineageNow(String node) {
    return tree.read(t -> lineage(t, node));
  }

  /** The node and every cluster above it. */
  static Set<String> lineage(Tree t, String node) {
    Set<String> out = new HashSet<>();
    for (Optional<String> at = Optional.of(node); at.isPresent() && out.add(at.get()); at = t.parentOf(at.get())) {
      // walks up
    }
    return out;
  }

  /**
   * The event of a history entry: a step of a rollout is a {@code rollout} event with the rollout's progress in
   * {@code t}, anything else a change of its {@link #typeOf type}.
   */
  private static Event eventOf(HistoryEntry e, boolean cluster, Tree t, Set<String> nodes) {
    return RolloutEvents.isStep(e) ? RolloutEvents.event(e, t, nodes)
        : new Event.Change(new EventId(e.seq(), 0), typeOf(e, cluster), e, nodes);
  }

  /** The event type of a history entry (docs/http-api.md lists them). */
  static String typeOf(HistoryEntry e, boolean cluster) {
    if (RolloutEvents.isStep(e)) {
      return Event.ROLLOUT;
    }
    return switch (e.operation()) {
      case "register-instance", "create-cluster" -> Event.NODE_CREATED;
      case "unregister-instance", "delete-cluster" -> Event.NODE_REMOVED;
      case "pin", "unpin" -> Event.PIN_CHANGED;
      default -> e.key().isPresent() ? cluster ? Event.PIN_CHANGED : Event.KEY_CHANGED : Event.NODE_CHANGED;
    };
  }

  private void publish(List<Event> events) {
    List<EventQueue> wake = new ArrayList<>();
    synchronized (lock) {
      for (Event e : events) {
        if (e.id().compareTo(last) <= 0) {
          continue; // already published: a store that gave no new entry
        }
        last = e.id();
        offer(e, wake);
      }
    }
    wake.forEach(EventQueue::wake);
  }

  private void publish(Function<EventId, Event> event) {
    List<EventQueue> wake = new ArrayList<>();
    synchronized (lock) {
      last = last.next();
      offer(event.apply(last), wake);
    }
    wake.forEach(EventQueue::wake);
  }

  private void offer(Event e, List<EventQueue> wake) {
    for (int i = subscribers.size() - 1; i >= 0; i--) {
      EventQueue q = subscribers.get(i);
      if (!q.accepts(e)) {
        continue;
      }
      if (!q.offer(e)) {
        subscribers.remove(i);
        dropped.incrementAndGet();
      }
      if (!wake.contains(q)) {
        wake.add(q);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- subscribing

  @Override
  public EventSubscription subscribe(Optional<EventId> lastSeen, Predicate<Event> accept, Runnable wake) {
    EventQueue q = new EventQueue(queueCapacity, accept, wake, this::remove);
    EventId head;
    synchronized (lock) {
      if (subscribers.size() >= maxSubscribers) {
        throw ClusterdException.of(ErrorCode.UNAVAILABLE, "the event stream has its " + maxSubscribers
            + " subscribers already: try again later", Map.of("limit", maxSubscribers));
      }
      subscribers.add(q);
      head = last;
    }
    if (lastSeen.isPresent()) {
      q.backlog(backlog(lastSeen.get(), head).stream().filter(accept).toList());
    }
    return q;
  }

  /** What a subscriber that saw {@code seen} missed up to {@code head}: history, then the status of every instance. */
  private List<Event> backlog(EventId seen, EventId head) {
    if (seen.compareTo(head) > 0) {
      return List.of(new Event.Reset(head, "event " + seen + " is ahead of this stream (last " + head
          + "): the daemon's store is not the one it came from"));
    }
    List<HistoryEntry> missed = new ArrayList<>();
    long before = head.seq() + 1;
    while (before - 1 > seen.seq()) {
      List<HistoryEntry> page = store.history(Optional.empty(), before, PAGE);
      for (HistoryEntry e : page) {
        if (e.seq() > seen.seq()) {
          missed.add(e);
        }
      }
      if (missed.size() > MAX_REPLAY) {
        return List.of(new Event.Reset(head, "more than " + MAX_REPLAY + " changes since event " + seen));
      }
      if (page.size() < PAGE) {
        break;
      }
      before = page.get(page.size() - 1).seq();
    }
    // newest first: whether a node was a cluster then is what its next removal says, else what it is now
    List<Event> out = new ArrayList<>(missed.size());
    tree.read(t -> {
      Map<String, Boolean> cluster = new HashMap<>();
      for (HistoryEntry e : missed) {
        switch (e.operation()) {
          case "delete-cluster" -> cluster.put(e.node(), true);
          case "unregister-instance" -> cluster.put(e.node(), false);
          default -> { }
        }
        boolean wasCluster = cluster.computeIfAbsent(e.node(), t::isCluster);
        out.add(eventOf(e, wasCluster, t, lineage(t, e.node())));
      }
      return null;
    });
    Collections.reverse(out);
    out.addAll(statusSnapshot.apply(head));
    return out;
  }

  private void remove(EventQueue q) {
    synchronized (lock) {
      subscribers.remove(q);
    }
  }

  @Override
  public EventId lastId() {
    synchronized (lock) {
      return last;
    }
  }

  @Override
  public int subscribers() {
    synchronized (lock) {
      return subscribers.size();
    }
  }

  @Override
  public long dropped() {
    return dropped.get();
  }
}

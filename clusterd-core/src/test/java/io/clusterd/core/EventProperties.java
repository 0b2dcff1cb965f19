package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

/**
 * Random sequences of registry operations (those of {@link RegistryProperties}, refusals included): a subscriber
 * from the start sees one change event per history entry, in order, with the entry's sequence number as id, and ids
 * that only grow; one that resumes after any of those ids gets exactly the change events that followed, then the
 * status of every instance. (A replayed change names the nodes as they are now, a live one as they were then.)
 */
class EventProperties {

  @Test
  void anySequence_eventsFollowTheHistoryAndResumeLosesNothing() {
    PropertyCheck.forAll(RegistryProperties.chains(), SourceDSL.integers().between(0, 1000))
        .examples(100).check(both -> {
          try (RegistryProperties.World w = new RegistryProperties.World();
              EventSubscription live = w.clusterd.events().subscribe(Optional.empty(), e -> true, () -> { })) {
            w.run(both.first());
            List<Event> seen = drain(live);
            for (int i = 1; i < seen.size(); i++) {
              assertTrue(seen.get(i - 1).id().compareTo(seen.get(i).id()) < 0, "ids grow: " + seen);
            }
            List<Event.Change> changes = changes(seen);
            List<HistoryEntry> history = new ArrayList<>(w.clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000));
            Collections.reverse(history);
            assertEquals(history, changes.stream().map(Event.Change::entry).toList(), "one event per entry");
            for (Event.Change c : changes) {
              assertEquals(new EventId(c.entry().seq(), 0), c.id());
              assertTrue(c.nodes().contains(c.entry().node()), "an event concerns its node: " + c);
            }

            // resume after any id seen (or before everything): the changes after it, then every instance's status
            EventId after = seen.isEmpty() ? EventId.ORIGIN : seen.get(both.second() % seen.size()).id();
            try (EventSubscription resumed = w.clusterd.events().subscribe(Optional.of(after), e -> true, () -> { })) {
              List<Event> replay = drain(resumed);
              List<Event.Change> expected = changes.stream().filter(c -> c.id().seq() > after.seq()).toList();
              // the nodes of a replayed change are where they are now (the live event said where they were then)
              assertEquals(expected.stream().map(EventProperties::withoutNodes).toList(),
                  changes(replay).stream().map(EventProperties::withoutNodes).toList());
              List<String> statuses = replay.stream().filter(e -> e instanceof Event.Status)
                  .map(e -> ((Event.Status) e).state().instance()).sorted().toList();
              assertEquals(w.clusterd.instances().stream().map(Instance::id).sorted().toList(), statuses);
              assertEquals(expected.size() + statuses.size(), replay.size(), "nothing else: " + replay);
            }
          }
        });
  }

  static List<Event> drain(EventSubscription s) {
    List<Event> out = new ArrayList<>();
    for (Optional<Event> e = s.poll(); e.isPresent(); e = s.poll()) {
      out.add(e.get());
    }
    return out;
  }

  private static Event.Change withoutNodes(Event.Change c) {
    return new Event.Change(c.id(), c.type(), c.entry(), java.util.Set.of());
  }

  private static List<Event.Change> changes(List<Event> events) {
    return events.stream().filter(e -> e instanceof Event.Change).map(e -> (Event.Change) e).toList();
  }
}

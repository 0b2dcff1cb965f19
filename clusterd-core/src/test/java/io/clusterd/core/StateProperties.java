package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The desired-state document against any registry state the operations of {@link RegistryProperties} reach:
 * exporting and applying the export again is a no-op plan; applying it to an empty registry rebuilds a registry
 * whose export is the same document, with the invariants kept, and applying it there once more plans nothing.
 */
class StateProperties {

  @Test
  void anyRegistry_exportReappliedAndAppliedToAnEmptyRegistry_isANoOpAndRoundTrips() {
    PropertyCheck.forAll(RegistryProperties.chains()).examples(200).shrinkAlso(Shrink::removals).check(ops -> {
      try (Clusterd source = fresh(); Clusterd copy = fresh()) {
        for (RegistryProperties.Op op : ops) {
          RegistryProperties.apply(source, op.change());
        }
        DesiredState exported = source.exportState();

        Plan again = source.plan(new Change.ApplyState(exported, true, Optional.of(exported.version())));
        assertTrue(again.accepted(), "re-applying the export is refused: " + again.conflicts());
        assertTrue(again.state().orElseThrow().isEmpty(), "re-applying the export changes " + again.state());
        assertEquals(List.of(), again.changes(), "re-applying the export sends");

        copy.apply(new Change.ApplyState(exported, false, Optional.empty())).join();
        assertEquals(exported, copy.exportState(), "the export of the rebuilt registry");
        assertEquals(exported.version(), copy.exportState().version());
        assertEquals(List.of(), copy.checkInvariants());
        Plan twice = copy.plan(new Change.ApplyState(exported, true, Optional.empty()));
        assertTrue(twice.accepted() && twice.state().orElseThrow().isEmpty() && twice.changes().isEmpty(),
            "applying the same document twice: " + twice);
      }
    });
  }

  private static Clusterd fresh() {
    return Clusterd.builder().store(new MemoryStore()).transport(new MemTransportFactory())
        .reconcileEvery(Duration.ZERO).maxAttempts(1).build();
  }
}

package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registering many instances as one change ({@link Change.RegisterInstances}): all or nothing against a real
 * database file, every refused element named by its index, one history entry per instance, durable on reopen.
 */
class BulkRegistrationTest {
  @TempDir Path dir;
  private final MemTransportFactory mem = new MemTransportFactory();
  private Clusterd clusterd;

  private Clusterd open() {
    clusterd = Clusterd.builder().store(SqliteStore.open(dir)).transport(mem).reconcileEvery(Duration.ZERO).build();
    return clusterd;
  }

  @AfterEach
  void close() {
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private static List<InstanceSpec> specs(int n) {
    return IntStream.range(0, n).mapToObj(i -> InstanceSpec.of("host " + i, "mem://host-" + i).withId("host-" + i))
        .toList();
  }

  @Test
  void registerInstances_accepted_storesAllInOrderWithOneHistoryEntryEachAndSurvivesReopen() {
    open().registerInstance(InstanceSpec.of("before", "mem://before").withId("before"));
    List<InstanceSpec> specs = new ArrayList<>(specs(500));
    specs.add(InstanceSpec.of("no id", "mem://no-id"));

    List<Instance> registered = clusterd.registerInstances(specs);

    assertEquals(501, registered.size());
    assertEquals("host-0", registered.get(0).id());
    assertEquals("host-499", registered.get(499).id());
    assertEquals("mem://no-id", registered.get(500).endpoint().toString());
    assertFalse(registered.get(500).id().isBlank(), "an element without id gets a generated one");
    List<HistoryEntry> history = clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000);
    assertEquals(502, history.size());
    assertTrue(history.stream().limit(501).allMatch(h -> h.operation().equals("register-instance")));
    assertEquals("host-7", clusterd.history(Optional.of("host-7"), Long.MAX_VALUE, 10).get(0).node());

    clusterd.close();
    open();
    assertEquals(502, clusterd.instances().size());
    assertEquals("host 42", clusterd.instance("host-42").name());
  }

  @Test
  void registerInstances_someElementsRefused_storesNothingAndNamesEveryRefusedIndex() {
    open().registerInstance(InstanceSpec.of("taken", "mem://taken").withId("taken"));
    List<InstanceSpec> specs = new ArrayList<>(specs(5));
    specs.set(1, InstanceSpec.of("id of the tree", "mem://fresh-1").withId("taken"));   // id in the tree
    specs.set(2, InstanceSpec.of("host of the tree", "mem://taken").withId("fresh-2")); // C7 against the tree
    specs.set(3, InstanceSpec.of("same id as 0", "mem://fresh-3").withId("host-0"));    // id within the body
    specs.set(4, InstanceSpec.of("same host as 0", "mem://host-0").withId("fresh-4"));  // host within the body
    specs.add(InstanceSpec.of("bad host", "not a uri at all").withId("fresh-5"));
    specs.add(InstanceSpec.of("fine", "mem://fine").withId("fine"));

    ClusterdException e = assertThrows(ClusterdException.class, () -> clusterd.registerInstances(specs));

    List<Conflict> c = e.conflicts();
    assertEquals(List.of(1, 2, 3, 4, 5), c.stream().map(x -> x.details().get("index")).toList(), c.toString());
    assertEquals(List.of(ErrorCode.ID_ALREADY_EXISTS, ErrorCode.HOST_DOES_ALREADY_EXIST, ErrorCode.ID_ALREADY_EXISTS,
        ErrorCode.HOST_DOES_ALREADY_EXIST), c.stream().limit(4).map(Conflict::code).toList());
    assertTrue(c.get(0).message().startsWith("instance [1]: "), c.get(0).message());
    assertEquals(0, c.get(2).details().get("sameAs"));
    assertEquals(Map.of("host", "mem://host-0", "sameAs", 0, "index", 4), c.get(3).details());
    assertEquals(List.of("taken"), clusterd.instances().stream().map(Instance::id).toList(),
        "nothing of a refused bulk registration is stored");
    assertEquals(1, clusterd.history(Optional.empty(), Long.MAX_VALUE, 100).size());

    clusterd.close();
    open();
    assertEquals(1, clusterd.instances().size());
  }

  @Test
  void planOfRegisterInstances_changesNothing() {
    Plan plan = open().plan(new Change.RegisterInstances(specs(3)));
    assertTrue(plan.accepted());
    assertTrue(clusterd.instances().isEmpty());
  }

  @Test
  void registerInstances_emptyList_isRefusedWhenTheChangeIsBuilt() {
    assertThrows(IllegalArgumentException.class, () -> new Change.RegisterInstances(List.of()));
  }
}

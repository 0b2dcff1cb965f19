package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransportRegistryTest {

  /** A factory serving whatever schemes it is given; creating transports is not needed here. */
  private static final class Serving implements TransportFactory {
    private final Set<String> schemes;

    Serving(String... schemes) {
      this.schemes = Set.of(schemes);
    }

    @Override
    public Set<String> schemes() {
      return schemes;
    }

    @Override
    public Transport create(TransportConfig config) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void resolve_explicitBeatsGuiceBeatsDiscovered() {
    Serving explicit = new Serving("mem");
    Serving bound = new Serving("mem", "file");
    Serving discovered = new Serving("mem", "file", "x");
    Map<String, TransportFactory> byScheme = new TransportRegistry()
        .add(discovered, TransportRegistry.Rank.DISCOVERED, "x.jar")
        .add(bound, TransportRegistry.Rank.GUICE, "a binding")
        .add(explicit, TransportRegistry.Rank.EXPLICIT, "the program")
        .resolve();
    assertSame(explicit, byScheme.get("mem"));
    assertSame(bound, byScheme.get("file"));
    assertSame(discovered, byScheme.get("x"));
  }

  @Test
  void resolve_twoOfOneRankForOneScheme_failsNamingBoth() {
    TransportRegistry registry = new TransportRegistry()
        .add(new Serving("file"), TransportRegistry.Rank.DISCOVERED, "one.jar")
        .add(new Serving("file"), TransportRegistry.Rank.DISCOVERED, "two.jar");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, registry::resolve);
    assertTrue(e.getMessage().contains("'file'") && e.getMessage().contains("(one.jar)")
        && e.getMessage().contains("(two.jar)"), e.getMessage());
  }

  @Test
  void add_theSameFactoryTwice_countsOnce() {
    Serving f = new Serving("mem");
    Map<String, TransportFactory> byScheme = new TransportRegistry()
        .add(f, TransportRegistry.Rank.GUICE, "mem")
        .add(f, TransportRegistry.Rank.GUICE, "again")
        .resolve();
    assertSame(f, byScheme.get("mem"));
  }

  @Test
  void discover_findsTheBuiltInProvidersOnce() {
    TransportRegistry registry = new TransportRegistry();
    assertEquals(List.of(), registry.discover(getClass().getClassLoader()));
    assertEquals(List.of(), registry.discover(getClass().getClassLoader()), "known classes are not loaded again");
    Map<String, TransportFactory> byScheme = registry.resolve();
    assertTrue(byScheme.get("http") instanceof HttpTransportFactory, byScheme.toString());
    assertTrue(byScheme.get("mem") instanceof MemTransportFactory, byScheme.toString());
    assertEquals(2, registry.registrations().size());
  }

  @Test
  void builder_explicitFactoryWinsOverDiscoveredOne() throws Exception {
    MemTransportFactory mine = new MemTransportFactory();
    mine.database("a").set(io.clusterd.KeyName.parse("user:/x"), "mine");
    try (Clusterd clusterd = Clusterd.builder().discoverTransports(getClass().getClassLoader()).transport(mine)
        .reconcileEvery(java.time.Duration.ZERO).build()) {
      clusterd.registerInstance(InstanceSpec.of("a", "mem://a").withId("a"));
      assertEquals("mine", clusterd.lookup("a", io.clusterd.KeyName.parse("user:/x"), 0).join().value());
    }
  }
}

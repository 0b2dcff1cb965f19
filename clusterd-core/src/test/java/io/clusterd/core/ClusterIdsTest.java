package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Node;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A cluster created without an id gets the slug of its name, made unique; instances keep generated ids. */
class ClusterIdsTest {
  private final Clusterd clusterd = Clusterd.builder().transport(new MemTransportFactory())
      .reconcileEvery(Duration.ZERO).ids(() -> "generated-id").build();

  @AfterEach
  void close() {
    clusterd.close();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "EU web|eu-web",
      "  Zürich Öffentlich (2) |zurich-offentlich-2",
      "v1.2_beta|v1.2_beta",
      "--Edge--|edge",
      "Ärger!!!|arger",
  })
  void createCluster_withoutId_idIsTheSlugOfTheName(String name, String id) {
    assertEquals(id, clusterd.createCluster(ClusterSpec.of(name)).id());
  }

  @Test
  void createCluster_slugTaken_suffixMakesItUnique() {
    clusterd.registerInstance(InstanceSpec.of("x", "mem://x").withId("web"));
    assertEquals("web-2", clusterd.createCluster(ClusterSpec.of("Web")).id());
    assertEquals("web-3", clusterd.createCluster(ClusterSpec.of("web")).id());
  }

  @Test
  void createCluster_longName_slugStaysAValidIdWithItsSuffix() {
    String name = "a".repeat(70) + " b";
    String first = clusterd.createCluster(ClusterSpec.of(name)).id();
    String second = clusterd.createCluster(ClusterSpec.of(name)).id();
    assertEquals("a".repeat(63), first);
    assertEquals("a".repeat(61) + "-2", second);
    assertTrue(Node.ID_PATTERN.matcher(second).matches(), second);
  }

  @Test
  void createCluster_nameWithoutAsciiLetterOrDigit_getsAGeneratedId() {
    assertEquals("generated-id", clusterd.createCluster(ClusterSpec.of("日本")).id());
  }

  @Test
  void createCluster_givenId_keptAsGiven() {
    assertEquals("prod", clusterd.createCluster(ClusterSpec.of("Production").withId("prod")).id());
  }
}

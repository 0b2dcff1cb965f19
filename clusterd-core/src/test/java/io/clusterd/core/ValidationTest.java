package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.Pin;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pinned value is checked against the pin's metadata before anything is stored or sent. */
class ValidationTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  private final MemTransportFactory hosts = new MemTransportFactory();
  private Clusterd clusterd;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().transport(hosts).reconcileEvery(Duration.ZERO).build();
    clusterd.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    clusterd.pin("prod", PORT, "8080");
    write(KeyOperation.setMeta(PORT, "check/type", "unsigned_short"));
  }

  @AfterEach
  void stop() {
    clusterd.close();
  }

  private ChangeResult write(KeyOperation op) {
    return clusterd.apply(new Change.WriteCluster("prod", op, false)).join();
  }

  private Pin pin() {
    return clusterd.pins("prod").stream().filter(p -> p.key().equals(PORT)).findFirst().orElseThrow();
  }

  private String onHost() {
    return hosts.database("web-1").lookup(PORT, 0).value();
  }

  @Test
  void pin_valueFailingItsType_isRefusedBeforeAnythingIsStoredOrSent() {
    long historyBefore = clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000).size();
    ClusterdException e = assertThrows(ClusterdException.class, () -> write(KeyOperation.set(PORT, "8o8o")));
    assertEquals(ErrorCode.INVALID_VALUE, e.code());
    assertEquals(422, e.httpStatus());
    assertTrue(e.getMessage().contains("\"8o8o\" is not a unsigned_short"), e.getMessage());
    assertEquals("check/type", e.details().get("check"));
    assertEquals(PORT.toString(), e.details().get("key"));
    assertEquals("8080", pin().value());
    assertEquals("8080", onHost());
    assertEquals(historyBefore, clusterd.history(Optional.empty(), Long.MAX_VALUE, 1000).size());
  }

  @Test
  void pin_validValue_isStoredAndSent() {
    assertEquals(200, write(KeyOperation.set(PORT, "9090")).fanOut().status());
    assertEquals("9090", pin().value());
    assertEquals("9090", onHost());
  }

  @Test
  void dryRun_listsTheInvalidValueAsAConflict() {
    Plan plan = clusterd.plan(new Change.WriteCluster("prod", KeyOperation.set(PORT, "70000"), false));
    assertFalse(plan.accepted());
    assertEquals(ErrorCode.INVALID_VALUE, plan.conflicts().get(0).code());
    assertTrue(plan.conflicts().get(0).message().contains("out of the range"), plan.conflicts().get(0).message());
  }

  @Test
  void metadataChange_underWhichTheValueFails_isRefused() {
    ClusterdException e = assertThrows(ClusterdException.class,
        () -> write(KeyOperation.setMeta(PORT, "check/range", "1-1024")));
    assertEquals(ErrorCode.INVALID_VALUE, e.code());
    assertEquals("check/range", e.details().get("check"));
    assertEquals(Map.of("check/type", "unsigned_short"), pin().meta());
    assertEquals(200, write(KeyOperation.setMeta(PORT, "check/range", "1-65535")).fanOut().status());
  }

  @Test
  void pinMadeByItsMetadata_isCheckedFromItsFirstValueOn() {
    KeyName level = KeyName.parse("user:/app/level");
    write(KeyOperation.setMeta(level, "check/enum/#0", "debug"));
    write(KeyOperation.setMeta(level, "check/enum/#1", "info"));
    assertThrows(ClusterdException.class, () -> write(KeyOperation.set(level, "loud")));
    assertEquals(200, write(KeyOperation.set(level, "info")).fanOut().status());
  }
}

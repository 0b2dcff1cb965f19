package io.clusterd.core.transport.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.core.transport.TransportContract;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MemTransportTest extends TransportContract {

  private final MemTransportFactory factory = new MemTransportFactory();

  @Override
  protected Transport newTransport() {
    return factory.create(config("mem://contract", Map.of()));
  }

  @Override
  protected boolean supportsNamespace(Namespace ns) {
    return ns.isWritable();
  }

  @Override
  protected boolean refusesUnwritableNamespaces() {
    return true;
  }

  private static TransportConfig config(String endpoint, Map<String, String> options) {
    return new TransportConfig("i", Endpoint.parse(endpoint), TransportConfig.DEFAULT_CONNECT_TIMEOUT,
        TransportConfig.DEFAULT_RESPONSE_TIMEOUT, options);
  }

  @Test
  void version_always_answersElektrad011() {
    assertEquals(new InstanceVersion(1, "0.11.0", 0, 11, 0), await(transport.version()));
  }

  @Test
  void schemes_always_mem() {
    assertEquals(java.util.Set.of("mem"), factory.schemes());
  }

  @Test
  void serviceLoader_coreJar_discoversMemTransportFactory() {
    boolean found = ServiceLoader.load(TransportFactory.class).stream()
        .anyMatch(p -> p.type() == MemTransportFactory.class);
    assertTrue(found);
  }

  @Test
  void database_sameEndpoint_sharedByTransportsAndVisibleToTests() {
    KeyName k = KeyName.parse("user:/app/port");
    try (Transport other = factory.create(config("mem://CONTRACT", Map.of()))) {
      await(other.set(k, "8080"));
    }
    assertEquals("8080", lookup(k).value());
    assertSame(factory.database("contract"), factory.database("Contract"));
    assertEquals(KeyDatabase.Entry.of("8080"), factory.database("contract").get(k).orElseThrow());

    factory.database("contract").set(KeyName.parse("user:/app/host"), "example.org");
    assertEquals("example.org", lookup(KeyName.parse("user:/app/host")).value());
  }

  @Test
  void database_otherEndpoint_isolated() {
    KeyName k = KeyName.parse("user:/app/port");
    await(transport.set(k, "1"));
    try (Transport other = factory.create(config("mem://web-2", Map.of()))) {
      assertFalse(await(other.lookup(k, 0)).exists());
    }
    assertNotSame(factory.database("contract"), factory.database("web-2"));
    assertEquals(0, factory.database("web-2").size());
  }

  @Test
  void database_otherFactory_isolated() {
    MemTransportFactory second = new MemTransportFactory();
    factory.database("contract").set(KeyName.parse("user:/a"), "1");
    assertEquals(0, second.database("contract").size());
  }

  @Test
  void stop_namedDatabase_operationsFailUnreachableUntilStarted() {
    KeyName k = KeyName.parse("user:/app/port");
    await(transport.set(k, "8080"));
    factory.stop("contract");
    assertFalse(factory.isRunning("contract"));
    for (CompletableFuture<?> f : List.of(transport.version(), transport.lookup(k, 0), transport.set(k, "1"),
        transport.delete(k), transport.move(k, k.parent().orElseThrow().append("x")), transport.find("."),
        transport.copy(k, KeyName.parse("user:/copy")), transport.setMeta(k, "m", "v"),
        transport.deleteMeta(k, "m"))) {
      ClusterdException e = awaitFailure(f);
      assertEquals(ErrorCode.INSTANCE_UNREACHABLE, e.code());
      assertTrue(e.getMessage().contains("mem://contract"), e.getMessage());
    }
    assertEquals("8080", factory.database("contract").get(k).orElseThrow().value());

    factory.start("contract");
    assertTrue(factory.isRunning("contract"));
    assertEquals("8080", lookup(k).value());
  }

  @Test
  void stop_oneDatabase_othersStayReachable() {
    try (Transport other = factory.create(config("mem://web-2", Map.of()))) {
      factory.stop("web-2");
      assertEquals(ErrorCode.INSTANCE_UNREACHABLE, awaitFailure(other.version()).code());
      assertEquals(1, await(transport.version()).api());
    }
  }

  @Test
  void delayOption_set_completesLaterWithoutBlockingTheCaller() {
    try (Transport slow = factory.create(config("mem://slow", Map.of("delayMs", "300")))) {
      KeyName k = KeyName.parse("user:/slow");
      long start = System.nanoTime();
      CompletableFuture<Void> write = slow.set(k, "v");
      assertFalse(write.isDone(), "the caller must not wait for the delay");
      assertTrue(factory.database("slow").get(k).isEmpty(), "applied only after the delay");
      await(write);
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(elapsedMs >= 290, "completed after " + elapsedMs + " ms");
      assertEquals("v", factory.database("slow").get(k).orElseThrow().value());
    }
  }

  @Test
  void delayOption_failedOperation_failsAfterTheDelay() {
    try (Transport slow = factory.create(config("mem://slow", Map.of("delayMs", "50")))) {
      ClusterdException e = awaitFailure(slow.set(KeyName.parse("proc:/x"), "v"));
      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
    }
  }

  @Test
  void factoryDefaultDelay_noOption_delaysOperations() {
    MemTransportFactory slowFactory = new MemTransportFactory(Duration.ofMillis(200));
    try (Transport slow = slowFactory.create(config("mem://a", Map.of()))) {
      CompletableFuture<LookupResult> f = slow.lookup(KeyName.parse("user:/x"), 0);
      assertFalse(f.isDone());
      assertFalse(await(f).exists());
    }
    try (Transport fast = slowFactory.create(config("mem://a", Map.of("delayMs", "0")))) {
      assertTrue(fast.version().isDone());
    }
  }

  @Test
  void delay_longerThanResponseTimeout_failsWithTimeoutAndDoesNotApply() {
    TransportConfig config = new TransportConfig("i", Endpoint.parse("mem://slow"),
        TransportConfig.DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(50), Map.of("delayMs", "5000"));
    try (Transport slow = factory.create(config)) {
      KeyName k = KeyName.parse("user:/x");
      long start = System.nanoTime();
      ClusterdException e = awaitFailure(slow.set(k, "v"));
      assertEquals(ErrorCode.INSTANCE_TIMEOUT, e.code());
      assertTrue((System.nanoTime() - start) / 1_000_000 < 4000, "failed at the timeout, not the delay");
      assertTrue(factory.database("slow").get(k).isEmpty());
    }
  }

  @Test
  void delayOption_invalid_refusedAtCreate() {
    for (String bad : List.of("-1", "abc", "", "1.5")) {
      ClusterdException e = assertThrows(ClusterdException.class,
          () -> factory.create(config("mem://x", Map.of("delayMs", bad))));
      assertEquals(ErrorCode.INVALID_BODY, e.code());
      assertTrue(e.getMessage().contains("delayMs"), e.getMessage());
    }
  }

  @Test
  void create_endpointWithoutNameOrWithPath_refused() {
    for (String bad : List.of("mem:///x", "mem://web-1/path", "mem://web-1:80")) {
      ClusterdException e = assertThrows(ClusterdException.class, () -> factory.create(config(bad, Map.of())));
      assertEquals(ErrorCode.INVALID_BODY, e.code(), bad);
    }
    assertEquals(ErrorCode.UNKNOWN_TRANSPORT,
        assertThrows(ClusterdException.class, () -> factory.create(config("http://x:1", Map.of()))).code());
  }

  @Test
  void writes_refusedNamespaces_messageNamesWritableNamespaces() {
    ClusterdException e = awaitFailure(transport.set(KeyName.parse("proc:/app/x"), "v"));
    assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code());
    for (String ns : List.of("user:/", "system:/", "dir:/", "spec:/")) {
      assertTrue(e.getMessage().contains(ns), e.getMessage());
    }
    assertTrue(e.getMessage().contains("proc:/app/x"), e.getMessage());
    assertEquals(0, factory.database("contract").size());
  }

  @Test
  void lookup_preloadOutOfRange_failsInvalidBody() {
    assertEquals(ErrorCode.INVALID_BODY, awaitFailure(transport.lookup(KeyName.parse("user:/a"), 10)).code());
    assertEquals(ErrorCode.INVALID_BODY, awaitFailure(transport.lookup(KeyName.parse("user:/a"), -1)).code());
  }

  @Test
  void move_ontoOwnDescendant_failsInvalidBodyAndChangesNothing() {
    KeyName a = KeyName.parse("user:/a");
    await(transport.set(a, "v"));
    ClusterdException e = awaitFailure(transport.move(a, KeyName.parse("user:/a/b")));
    assertEquals(ErrorCode.INVALID_BODY, e.code());
    assertEquals(List.of("user:/a"), lookup(a).ls());
  }

  @Test
  void close_transport_laterCallsFailUnreachable() {
    transport.close();
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, awaitFailure(transport.version()).code());
  }
}

package io.clusterd.http.elektrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The elektrad transport over real loopback sockets: against the stand-in elektrad for every route, against
 * raw servers for timeouts, refused connections and garbage, and with no request at all for what it refuses.
 */
class HttpTransportTest {
  private final KeyDatabase db = new KeyDatabase();
  private ElektradServer server;
  private HttpTransportFactory factory;
  private Transport transport;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start() {
    server = ElektradServer.start("127.0.0.1", 0, db);
    factory = new HttpTransportFactory();
    transport = transport(server.url().toString(), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    transport.close();
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
    factory.close();
    server.close();
  }

  private Transport transport(String url, Duration responseTimeout) {
    return factory.create(new TransportConfig("web-7", Endpoint.parse(url), Duration.ofSeconds(2), responseTimeout,
        Map.of()));
  }

  private static KeyName k(String name) {
    return KeyName.parse(name);
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  private static ClusterdException failure(CompletableFuture<?> f) {
    try {
      Object v = f.get(10, TimeUnit.SECONDS);
      return fail("expected a failure, got " + v);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClusterdException c) {
        return c;
      }
      return fail("expected a ClusterdException", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  // --- routes against the stand-in ---

  @Test
  void version_standIn_reportsApiAndMicro() {
    assertEquals(new InstanceVersion(1, "0.11.0", 0, 11, 0), await(transport.version()));
  }

  @Test
  void answers_reachCallers_offTheClientsSelectorThread() {
    // the client's own work runs inline; callers' continuations (which may take locks) must not stall its I/O
    server.delay(Duration.ofMillis(20));
    List<CompletableFuture<String>> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      threads.add(transport.set(k("user:/t/k" + i), "v").thenApply(v -> Thread.currentThread().getName()));
      threads.add(transport.lookup(k("user:/t"), 0).thenApply(r -> Thread.currentThread().getName()));
    }
    for (CompletableFuture<String> t : threads) {
      String name = await(t);
      assertTrue(!name.contains("SelectorManager"), "a continuation ran on " + name);
    }
    assertEquals("v", await(transport.lookup(k("user:/t/k7"), 0)).value());
  }

  @Test
  void keyNames_specialCharacters_reachTheHostUnchanged() {
    List<String> parts = List.of("a b", "x#y", "50%", "%", "what?", "a/b", "a/", "h\u00e9llo \u65e5\u672c",
        "semi;colon", "plus+amp&eq=", "back\\slash", "..", ".", "#10", "~tilde@at:colon", "\ud83d\ude80",
        "%2F", "q?x=1#frag");
    for (String part : parts) {
      KeyName key = k("user:/esc").append(part);
      await(transport.set(key, "v " + part));
      assertEquals("v " + part, db.get(key).orElseThrow(() -> new AssertionError(key + " not stored")).value());
      LookupResult r = await(transport.lookup(key, 0));
      assertTrue(r.exists(), key.toString());
      assertEquals(part, r.name());
      assertEquals(key.toString(), r.path());
    }
    assertEquals(db.lookup(k("user:/esc"), 0), await(transport.lookup(k("user:/esc"), 0)));
  }

  @Test
  void lookup_wideDirectory_everyChildDespiteElektradSkippingSome() {
    for (int i = 0; i < 40; i++) {
      db.set(k("user:/wide/k" + (100 + i)), "v" + i);
      if (i % 3 == 0) {
        db.set(k("user:/wide/k" + (100 + i) + "/sub"), "s" + i);
        db.setMeta(k("user:/wide/k" + (100 + i) + "/sub"), "m", "x");
      }
    }
    for (int preload : List.of(0, 1, 2)) {
      assertEquals(db.lookup(k("user:/wide"), preload), await(transport.lookup(k("user:/wide"), preload)),
          "preload " + preload);
    }
  }

  @Test
  void lookup_cascadingRoot_listsEveryNamespace() {
    db.set(k("user:/a"), "u");
    db.set(k("system:/a"), "s");
    LookupResult r = await(transport.lookup(KeyName.root(Namespace.CASCADING), 0));
    assertEquals("/", r.path());
    assertEquals(List.of("user:/a", "system:/a"), r.ls());
  }

  @Test
  void lookup_preloadOutOfRange_refusedWithoutRequest() {
    long before = server.requestsReceived();
    assertEquals(ErrorCode.INVALID_BODY, failure(transport.lookup(k("user:/a"), 10)).code());
    assertEquals(ErrorCode.INVALID_BODY, failure(transport.lookup(k("user:/a"), -1)).code());
    assertEquals(before, server.requestsReceived());
  }

  @Test
  void delete_subtree_removesEveryKeyAndKeepsNeighbours() {
    for (String n : List.of("user:/d", "user:/d/a", "user:/d/a/b", "user:/d/c", "user:/d.1", "user:/e")) {
      db.set(k(n), n);
    }
    await(transport.delete(k("user:/d")));
    assertEquals(List.of("user:/d.1", "user:/e"), db.lookup(k("user:/"), 0).ls());
    await(transport.delete(k("user:/never")));
  }

  @Test
  void move_subtree_movedByTheHost() {
    db.set(k("user:/from"), "f");
    db.set(k("user:/from/x"), "x");
    db.setMeta(k("user:/from/x"), "m", "1");
    await(transport.move(k("user:/from"), k("system:/to")));
    assertEquals(List.of(), db.lookup(k("user:/from"), 0).ls());
    assertEquals(new KeyDatabase.Entry("x", Map.of("m", "1")), db.get(k("system:/to/x")).orElseThrow());
    assertEquals(ErrorCode.INVALID_BODY, failure(transport.move(k("user:/a"), k("user:/a/b"))).code());
  }

  @Test
  void copy_deepAndWideTree_everyKeyWithValueAndMetadata() {
    KeyName src = k("user:/src");
    KeyName deep = src;
    for (int depth = 0; depth < 14; depth++) {
      deep = deep.append("level" + depth);
      db.set(deep, "d" + depth);
      if (depth % 4 == 0) {
        db.setMeta(deep, "depth", Integer.toString(depth));
      }
      for (int sibling = 0; sibling < 3; sibling++) {
        db.set(deep.append("s" + sibling), "s" + sibling);
      }
    }
    db.set(src.append("a b").append("c"), "missing parents");
    await(transport.copy(src, k("dir:/dst")));
    SortedMap<String, KeyDatabase.Entry> expected = new TreeMap<>();
    SortedMap<String, KeyDatabase.Entry> actual = new TreeMap<>();
    db.snapshot().forEach((key, entry) -> {
      if (key.isBelowOrSame(src)) {
        expected.put(key.relocate(src, k("dir:/dst")).toString(), entry);
      } else if (key.isBelowOrSame(k("dir:/dst"))) {
        actual.put(key.toString(), entry);
      }
    });
    assertEquals(14 * 4 + 1, expected.size());
    assertEquals(expected, actual);
  }

  @Test
  void copy_overExistingKeys_replacesValuesAndMetadataAndKeepsOthers() {
    db.set(k("user:/s/a"), "new");
    db.setMeta(k("user:/s/a"), "keep", "source");
    db.set(k("user:/t/a"), "old");
    db.setMeta(k("user:/t/a"), "stale", "1");
    db.setMeta(k("user:/t/a"), "keep", "target");
    db.set(k("user:/t/other"), "stays");
    await(transport.copy(k("user:/s"), k("user:/t")));
    assertEquals(new KeyDatabase.Entry("new", Map.of("keep", "source")), db.get(k("user:/t/a")).orElseThrow());
    assertEquals("stays", db.get(k("user:/t/other")).orElseThrow().value());
    await(transport.copy(k("user:/s"), k("user:/s/inside")));
    assertEquals(List.of("user:/s/a", "user:/s/inside/a"), db.lookup(k("user:/s"), 0).ls());
  }

  @Test
  void meta_setAndDelete_missingKeyDeleteSucceedsWithoutCreatingIt() {
    await(transport.setMeta(k("user:/m"), "check//type", "long"));
    assertEquals(new KeyDatabase.Entry("", Map.of("check/type", "long")), db.get(k("user:/m")).orElseThrow());
    await(transport.deleteMeta(k("user:/m"), "check/type"));
    assertEquals(Map.of(), db.get(k("user:/m")).orElseThrow().meta());
    await(transport.deleteMeta(k("user:/missing"), "x"));
    assertTrue(db.get(k("user:/missing")).isEmpty());
    assertEquals(ErrorCode.INVALID_BODY, failure(transport.setMeta(k("user:/m"), "", "v")).code());
  }

  @Test
  void find_regexWithSlashesAndSpecialCharacters_matchesOnTheHost() {
    db.set(k("user:/f/a b"), "1");
    db.set(k("user:/f/q?x"), "2");
    db.set(k("system:/f/a b"), "3");
    assertEquals(List.of("user:/f/a b", "system:/f/a b"), await(transport.find("/f/a b$")));
    assertEquals(List.of("user:/f/q?x"), await(transport.find("^user:/f/q\\?x$")));
    assertEquals(List.of(), await(transport.find("nothing")));
    // slashes elektrad's router would redirect are rewritten into equivalent expressions
    assertEquals(List.of("user:/f/a b"), await(transport.find("^user:/+f//?a b$")));
    assertEquals(List.of("user:/f/a b", "system:/f/a b"), await(transport.find("/./a b$")));
    assertEquals(3, await(transport.find(".")).size());
    long before = server.requestsReceived();
    assertEquals(ErrorCode.INVALID_BODY, failure(transport.find("[")).code());
    assertEquals(before, server.requestsReceived());
  }

  @Test
  void errors_hostRefusesWrite_instanceErrorWithItsMessage() {
    ClusterdException e = failure(transport.set(k("system:/elektra/version/foo"), "v"));
    assertEquals(ErrorCode.INSTANCE_ERROR, e.code());
    assertTrue(e.getMessage().contains("C01320 Interface - The RESOLVER phase of kdbSet() has failed"), e.getMessage());
    assertTrue(e.getMessage().contains(server.url().getPort() + ""), "names the host: " + e.getMessage());
    assertEquals(400, e.details().get("status"));
    assertEquals(Endpoint.parse(server.url().toString()).toString(), e.details().get("host"));
  }

  // --- sessions ---

  @Test
  void session_manyRequestsSomeConcurrent_oneSessionOnTheHost() {
    List<CompletableFuture<?>> first = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      first.add(transport.set(k("user:/s/k" + i), "v"));
    }
    first.forEach(HttpTransportTest::await);
    for (int i = 0; i < 30; i++) {
      await(transport.lookup(k("user:/s"), 0));
    }
    await(transport.version());
    assertEquals(1, server.sessionsCreated());
    assertTrue(server.requestsReceived() >= 51);
  }

  @Test
  void session_hostForgetsSessions_oneNewSessionThenReusedAgain() {
    await(transport.version());
    await(transport.version());
    server.forgetSessions();
    for (int i = 0; i < 5; i++) {
      await(transport.lookup(k("user:/x"), 0));
    }
    assertEquals(2, server.sessionsCreated());
  }

  @Test
  void session_hostSetsAnotherSession_transportAdoptsIt() throws Exception {
    List<String> cookies = new CopyOnWriteArrayList<>();
    HttpServer raw = rawHttp(exchange -> {
      cookies.add(String.valueOf(exchange.getRequestHeaders().getFirst("Cookie")));
      exchange.getResponseHeaders().add("Set-Cookie", "session=chosen-by-host-" + cookies.size()
          + "; Max-Age=3600; HttpOnly");
      respond(exchange, 200, "{\"api\":1,\"elektra\":{\"version\":\"0.11.0\",\"major\":0,\"minor\":11,\"micro\":0}}");
    });
    Transport t = transport("http://127.0.0.1:" + raw.getAddress().getPort(), Duration.ofSeconds(5));
    await(t.version());
    await(t.version());
    await(t.version());
    assertTrue(cookies.get(0).matches("session=[0-9a-f-]{36}"), cookies.get(0));
    assertEquals(List.of("session=chosen-by-host-1", "session=chosen-by-host-2"), cookies.subList(1, 3));
  }

  @Test
  void basePath_endpointWithPath_addressesThatInstanceOnly() {
    KeyDatabase web7 = new KeyDatabase();
    server.mount("/i/web-7", web7);
    Transport t = transport(server.url("/i/web-7").toString(), Duration.ofSeconds(5));
    await(t.set(k("user:/app/port"), "8080"));
    await(t.setMeta(k("user:/app/port"), "check/type", "long"));
    assertEquals(new KeyDatabase.Entry("8080", Map.of("check/type", "long")),
        web7.get(k("user:/app/port")).orElseThrow());
    assertEquals(0, db.size());
    assertEquals(List.of("user:/app/port"), await(t.find("app")));
    assertEquals(1, server.sessionsCreated("/i/web-7"));
  }

  // --- what is refused before sending ---

  @Test
  void writes_unwritableNamespaces_refusedWithoutAnyRequest() {
    long before = server.requestsReceived();
    for (String name : List.of("proc:/p", "default:/d", "meta:/m", "/cascading")) {
      KeyName key = k(name);
      for (CompletableFuture<Void> write : List.of(transport.set(key, "v"), transport.delete(key),
          transport.setMeta(key, "m", "v"), transport.deleteMeta(key, "m"), transport.move(k("user:/a"), key),
          transport.move(key, k("user:/a")), transport.copy(key, k("user:/a")), transport.copy(k("user:/a"), key))) {
        ClusterdException e = failure(write);
        assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code(), name);
        for (String ns : List.of("user:/", "system:/", "dir:/", "spec:/")) {
          assertTrue(e.getMessage().contains(ns), e.getMessage());
        }
      }
    }
    assertTrue(failure(transport.set(k("proc:/p"), "v")).getMessage().contains("crashes"));
    assertEquals(before, server.requestsReceived(), "no request reached the host");
  }

  @Test
  void reads_cascadingOrUnaddressableNames_refusedWithoutAnyRequest() {
    long before = server.requestsReceived();
    ClusterdException cascading = failure(transport.lookup(k("/app/port"), 0));
    assertEquals(ErrorCode.INVALID_KEY_NAME, cascading.code());
    assertTrue(cascading.getMessage().contains("user:/app/port"), cascading.getMessage());
    KeyName emptySegment = k("user:/").append("a/").append("b");
    KeyName dotSegment = k("user:/").append("x/.").append("y");
    for (KeyName bad : List.of(emptySegment, dotSegment)) {
      assertEquals(ErrorCode.INVALID_KEY_NAME, failure(transport.lookup(bad, 0)).code(), bad.toString());
      assertEquals(ErrorCode.INVALID_KEY_NAME, failure(transport.set(bad, "v")).code(), bad.toString());
    }
    assertEquals(before, server.requestsReceived(), "no request reached the host");
  }

  // --- failures without an elektrad answer ---

  @Test
  void timeout_hostAcceptsButNeverAnswers_instanceTimeout() throws Exception {
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeAfter.add(silent);
    Transport t = transport("http://127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(300));
    long start = System.nanoTime();
    ClusterdException e = failure(t.lookup(k("user:/a"), 0));
    assertEquals(ErrorCode.INSTANCE_TIMEOUT, e.code(), e.getMessage());
    assertEquals(null, e.details().get(Transport.NOT_SENT), "the request went out: it may have been applied");
    assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
    assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
    assertEquals("http://127.0.0.1:" + silent.getLocalPort(), e.details().get("host"));
  }

  @Test
  void connect_closedPort_instanceUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Transport t = transport("http://127.0.0.1:" + port, Duration.ofSeconds(2));
    ClusterdException e = failure(t.set(k("user:/a"), "v"));
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertEquals("http://127.0.0.1:" + port, e.details().get("host"));
    assertEquals(true, e.details().get(Transport.NOT_SENT), "no connection: nothing reached the host");
  }

  @Test
  void answer_notHttp_instanceBadAnswer() throws Exception {
    int port = rawSocket("SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n\r\n");
    Transport t = transport("http://127.0.0.1:" + port, Duration.ofSeconds(2));
    ClusterdException e = failure(t.version());
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertEquals(null, e.details().get(Transport.NOT_SENT));
  }

  @Test
  void answer_200WithoutJson_instanceBadAnswerWithExcerpt() throws Exception {
    HttpServer raw = rawHttp(exchange -> respond(exchange, 200, "<html><body>a proxy page</body></html>"));
    Transport t = transport("http://127.0.0.1:" + raw.getAddress().getPort(), Duration.ofSeconds(2));
    ClusterdException e = failure(t.lookup(k("user:/a"), 0));
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, e.code(), e.getMessage());
    assertEquals(200, e.details().get("status"));
    assertEquals("<html><body>a proxy page</body></html>", e.details().get("body"));
    ClusterdException shape = failure(transport("http://127.0.0.1:" + rawHttp(exchange -> respond(exchange, 200,
        "{\"exists\":\"yes\"}")).getAddress().getPort(), Duration.ofSeconds(2)).lookup(k("user:/a"), 0));
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, shape.code(), shape.getMessage());
  }

  @Test
  void answer_errorStatusWithEmptyBody_instanceErrorSaysSo() throws Exception {
    HttpServer raw = rawHttp(exchange -> respond(exchange, 500, ""));
    Transport t = transport("http://127.0.0.1:" + raw.getAddress().getPort(), Duration.ofSeconds(2));
    ClusterdException e = failure(t.setMeta(k("user:/a"), "m", "v"));
    assertEquals(ErrorCode.INSTANCE_ERROR, e.code());
    assertTrue(e.getMessage().contains("elektrad answered 500 with an empty body"), e.getMessage());
    assertEquals(500, e.details().get("status"));
  }

  // --- factory and lifecycle ---

  @Test
  void factory_serviceLoader_discoversHttpForHttpAndHttps() {
    boolean found = false;
    for (TransportFactory f : ServiceLoader.load(TransportFactory.class)) {
      if (f instanceof HttpTransportFactory http) {
        found = true;
        assertEquals(java.util.Set.of("http", "https"), http.schemes());
        http.close();
      }
    }
    assertTrue(found, "META-INF/services lists HttpTransportFactory");
    ClusterdException e = assertThrows(ClusterdException.class,
        () -> factory.create(TransportConfig.of("x", Endpoint.parse("mem://x"))));
    assertEquals(ErrorCode.UNKNOWN_TRANSPORT, e.code());
  }

  @Test
  void close_transportOrFactory_laterCallsFailUnreachable() {
    Transport t = transport(server.url().toString(), Duration.ofSeconds(2));
    await(t.version());
    t.close();
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(t.version()).code());
    Transport other = transport(server.url().toString(), Duration.ofSeconds(2));
    factory.close();
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(other.version()).code());
    assertThrows(IllegalStateException.class, () -> transport(server.url().toString(), Duration.ofSeconds(2)));
    assertEquals(1, server.requestsReceived(), "only the first version() was sent");
  }

  // --- addresses the transport refuses, and redirects ---

  @Test
  void request_hostIsLinkLocalLiteral_forbiddenWithoutConnecting() {
    for (String host : List.of("http://[fe80::1]:33333", "http://[FE80:0:0:0:0:0:0:1]:33333",
        "http://[fe80::1%25lo]:33333")) {
      Transport t = transport(host, Duration.ofSeconds(2));
      for (CompletableFuture<?> f : List.of(t.version(), t.set(k("user:/a"), "v"), t.lookup(k("user:/a"), 0))) {
        ClusterdException e = failure(f);
        assertEquals(ErrorCode.FORBIDDEN, e.code(), e.getMessage());
        assertEquals("FORBIDDEN", e.code().token());
        assertTrue(e.getMessage().contains("link-local"), e.getMessage());
        assertEquals(null, e.details().get(Transport.NOT_SENT), "a refusal is final: not kept to be resent");
      }
    }
  }

  @Test
  void request_factoryWithAnyPolicy_connectsToLinkLocal() {
    HttpTransportFactory any = new HttpTransportFactory(io.clusterd.core.transport.http.AddressPolicy.any());
    try {
      Transport t = any.create(new TransportConfig("web-7", Endpoint.parse("http://[fe80::1]:33333"),
          Duration.ofSeconds(2), Duration.ofSeconds(2), Map.of()));
      // tried, and failed in the kernel: an address without a zone is not routable
      assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(t.version()).code());
    } finally {
      any.close();
    }
  }

  @Test
  void redirect_isNotFollowed() throws Exception {
    List<String> elsewhere = new CopyOnWriteArrayList<>();
    HttpServer target = rawHttp(exchange -> {
      elsewhere.add(exchange.getRequestURI().toString());
      respond(exchange, 200, "{\"api\":1,\"elektra\":{\"version\":\"0.11.0\",\"major\":0,\"minor\":11,"
          + "\"micro\":0}}");
    });
    HttpServer redirecting = rawHttp(exchange -> {
      exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + target.getAddress().getPort() + "/version");
      respond(exchange, 302, "");
    });
    Transport t = transport("http://127.0.0.1:" + redirecting.getAddress().getPort(), Duration.ofSeconds(2));
    ClusterdException e = failure(t.version());
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, e.code(), e.getMessage());
    assertEquals(302, e.details().get("status"));
    assertEquals(List.of(), elsewhere, "the redirect was not followed");
  }

  // --- kept-alive connections the host closed while idle ---

  @Test
  void set_afterHostClosedIdleConnection_resentAtOnceAndApplied() throws Exception {
    IdleClosingProxy proxy = new IdleClosingProxy(server.port(), Duration.ofSeconds(1));
    closeAfter.add(proxy);
    Transport t = transport("http://127.0.0.1:" + proxy.port(), Duration.ofSeconds(5));
    await(t.set(k("user:/a"), "1"));
    Thread.sleep(2000);
    await(t.set(k("user:/a"), "2"));
    assertEquals(1, proxy.dropped(), "the write went out on the connection the host had closed");
    assertEquals("2", db.lookup(k("user:/a"), 0).value());
    assertEquals(1, factory.resentRequests());
    assertEquals(2, proxy.connections(), "the resend opened a fresh connection");
  }

  @Test
  void lookup_afterHostClosedIdleConnection_resentAtOnce() throws Exception {
    db.set(k("user:/a"), "1");
    IdleClosingProxy proxy = new IdleClosingProxy(server.port(), Duration.ofSeconds(1));
    closeAfter.add(proxy);
    Transport t = transport("http://127.0.0.1:" + proxy.port(), Duration.ofSeconds(5));
    await(t.version());
    Thread.sleep(2000);
    assertEquals("1", await(t.lookup(k("user:/a"), 0)).value());
    assertEquals(1, proxy.dropped());
  }

  @Test
  void move_afterHostClosedIdleConnection_notResent() throws Exception {
    db.set(k("user:/from"), "1");
    IdleClosingProxy proxy = new IdleClosingProxy(server.port(), Duration.ofSeconds(1));
    closeAfter.add(proxy);
    Transport t = transport("http://127.0.0.1:" + proxy.port(), Duration.ofSeconds(5));
    await(t.version());
    Thread.sleep(2000);
    long before = server.requestsReceived();
    ClusterdException e = failure(t.move(k("user:/from"), k("user:/to")));
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("closed the connection before answering"), e.getMessage());
    assertEquals(true, e.details().get("closedBeforeAnswer"));
    assertEquals(null, e.details().get(Transport.NOT_SENT), "it may have been applied");
    assertEquals(before, server.requestsReceived(), "sent once, and lost");
    assertEquals(0, factory.resentRequests());
    assertTrue(db.lookup(k("user:/from"), 0).exists());
  }

  // --- raw servers ---

  private HttpServer rawHttp(Consumer<com.sun.net.httpserver.HttpExchange> handler) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext("/", exchange -> {
      try {
        handler.accept(exchange);
      } finally {
        exchange.close();
      }
    });
    s.start();
    closeAfter.add(() -> s.stop(0));
    return s;
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) {
    try {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A server that answers every connection with {@code answer} and closes it. */
  private int rawSocket(String answer) throws IOException {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeAfter.add(s);
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try (Socket c = s.accept()) {
          c.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
          c.getOutputStream().flush();
          c.shutdownOutput();
          Thread.sleep(50);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }, "garbage-server");
    t.setDaemon(true);
    t.start();
    return s.getLocalPort();
  }
}

package io.clusterd.http.elektrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterd.KeyName;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.Transcript.Command;
import io.clusterd.http.elektrad.Transcript.Exchange;
import io.clusterd.http.elektrad.Transcript.Step;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The stand-in against the real daemon: every exchange of the recorded elektrad 0.11.0 transcript is replayed
 * in order with a plain JDK client, and status, content type, location, cookie and body must be the ones the
 * real daemon gave (session ids and dates aside). Plus the stand-in's own features: mounts, delay, sessions.
 */
class ElektradServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEW_SESSION =
      Pattern.compile("session=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}; Max-Age=3600; HttpOnly");

  /**
   * Exchanges the stand-in answers differently on purpose, by title: a read that sees what {@code PUT /kdbAll}
   * left unpersisted in the real daemon's session. Exchanges that got no answer at all (the real daemon dropped
   * the connection or crashed; the stand-in answers 500 or 400 there) are skipped as well.
   */
  private static final List<String> DIFFERENT_ON_PURPOSE = List.of(
      "GET /kdb/user:/tests/all2?preload=1 in the SAME session A");

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  private static ElektradServer replayServer;
  private ElektradServer server;

  @AfterAll
  static void stopReplayServer() {
    if (replayServer != null) {
      replayServer.close();
    }
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  // --- the transcript ---

  @TestFactory
  Stream<DynamicTest> transcript_replayedInOrder_answersAsTheRealDaemon() {
    List<Step> steps = Transcript.load();
    KeyDatabase db = new KeyDatabase();
    seedElektraKeys(steps, db);
    replayServer = ElektradServer.start("127.0.0.1", 0, db);
    List<DynamicTest> tests = new ArrayList<>();
    int exchanges = 0;
    for (Step step : steps) {
      if (step instanceof Exchange e) {
        if (DIFFERENT_ON_PURPOSE.contains(e.title()) || e.status().isEmpty()) {
          continue;
        }
        exchanges++;
        tests.add(DynamicTest.dynamicTest(exchanges + ": " + e.title(), () -> replay(replayServer, e)));
      } else if (step instanceof Command c) {
        tests.add(DynamicTest.dynamicTest("kdb: " + String.join(" ", c.argv()), () -> apply(replayServer, db, c)));
      }
    }
    assertTrue(exchanges >= 100, "replayed only " + exchanges + " exchanges");
    return tests.stream();
  }

  /**
   * The real host also held Elektra's own keys below {@code system:/elektra}; the first full listing shows
   * them. Seeding them (with empty values) makes the whole-database answers comparable.
   */
  private static void seedElektraKeys(List<Step> steps, KeyDatabase db) {
    Exchange all = steps.stream().filter(s -> s instanceof Exchange e && e.target().equals("/kdb/"))
        .map(Exchange.class::cast).findFirst().orElseThrow();
    try {
      for (JsonNode name : JSON.readTree(all.body()).get("ls")) {
        if (name.asText().startsWith("system:/elektra/")) {
          db.set(KeyName.parse(name.asText()), "");
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void replay(ElektradServer s, Exchange e) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + e.target())).timeout(Duration.ofSeconds(5));
    e.requestHeaders().forEach(b::header);
    b.method(e.method(), e.data().map(d -> HttpRequest.BodyPublishers.ofString(d, StandardCharsets.UTF_8))
        .orElse(HttpRequest.BodyPublishers.noBody()));
    HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    String where = e.method() + " " + e.target();
    assertEquals(e.status().orElseThrow(), r.statusCode(), where + ": status");
    assertEquals(Optional.ofNullable(e.headers().get("content-type")), r.headers().firstValue("content-type"),
        where + ": content type");
    assertEquals(Optional.ofNullable(e.headers().get("location")), r.headers().firstValue("location"),
        where + ": location");
    assertEquals(Optional.ofNullable(e.headers().get("x-content-type-options")),
        r.headers().firstValue("x-content-type-options"), where + ": x-content-type-options");
    String expectedCookie = e.headers().get("set-cookie");
    Optional<String> cookie = r.headers().firstValue("set-cookie");
    if (expectedCookie == null) {
      assertEquals(Optional.empty(), cookie, where + ": no new session expected");
    } else if (e.requestHeaders().containsKey("Cookie")) {
      assertEquals(Optional.of(expectedCookie), cookie, where + ": the client's session id is adopted");
    } else {
      assertTrue(cookie.isPresent() && NEW_SESSION.matcher(cookie.get()).matches(), where + ": cookie " + cookie);
    }
    String body = e.method().equals("HEAD") ? "" : e.body();
    assertEquals(body, new String(r.body(), StandardCharsets.UTF_8), where + ": body");
  }

  /** The kdb CLI steps: writes are applied to the database, reads are checked against it. */
  private static void apply(ElektradServer s, KeyDatabase db, Command c) {
    List<String> argv = c.argv();
    if (argv.get(0).startsWith("(elektrad")) {
      s.forgetSessions(); // restarted: sessions are gone, the data stayed
      return;
    }
    if (!argv.get(0).equals("kdb")) {
      return;
    }
    switch (argv.get(1)) {
      case "set" -> {
        KeyName k = KeyName.parse(argv.get(2));
        if (k.namespace().isWritable()) {
          db.set(k, argv.get(3));
        }
      }
      case "get" -> assertEquals(c.output().get(0),
          db.get(KeyName.parse(argv.get(2))).orElseThrow().value());
      case "meta-get" -> assertEquals(c.output().get(0),
          db.get(KeyName.parse(argv.get(2))).orElseThrow().meta().get(argv.get(3)));
      case "ls" -> assertEquals(c.output().subList(0, c.output().size() - 1),
          db.lookup(KeyName.parse(argv.get(2)), 0).ls());
      default -> { }
    }
  }

  // --- the stand-in's own features ---

  @Test
  void mount_manyInstances_eachAnswersFromItsOwnDatabase() throws Exception {
    server = ElektradServer.builder().start();
    KeyDatabase a = new KeyDatabase();
    KeyDatabase b = new KeyDatabase();
    server.mount("/i/web-1", a);
    server.mount("/i/web-10/", b);
    assertEquals(201, send("PUT", server.url("/i/web-1") + "/kdb/user:/x", "\"one\"").statusCode());
    assertEquals(201, send("PUT", server.url("/i/web-10") + "/kdb/user:/x", "\"ten\"").statusCode());
    assertEquals("one", a.get(KeyName.parse("user:/x")).orElseThrow().value());
    assertEquals("ten", b.get(KeyName.parse("user:/x")).orElseThrow().value());
    assertEquals(1, server.sessionsCreated("/i/web-1"));
    assertEquals(2, server.sessionsCreated());
    HttpResponse<byte[]> none = send("GET", server.url() + "/kdb/user:/x", null);
    assertEquals(404, none.statusCode(), "nothing is mounted at the root");
    assertEquals("404 page not found\n", new String(none.body(), StandardCharsets.UTF_8));
    assertEquals(404, send("GET", server.url() + "/i/web-100/kdb/user:/x", null).statusCode());
    assertTrue(server.unmount("/i/web-1"));
    assertEquals(404, send("GET", server.url("/i/web-1") + "/kdb/user:/x", null).statusCode());
    assertThrows(IllegalArgumentException.class, () -> server.mount("/i/web-10", new KeyDatabase()));
    assertThrows(IllegalArgumentException.class, () -> server.mount("i//x", new KeyDatabase()));
    assertEquals(Optional.of(b), server.database("/i/web-10"));
  }

  @Test
  void delay_concurrentSessions_waitInParallelWithoutHoldingThreads() throws Exception {
    server = ElektradServer.builder().mount("", new KeyDatabase()).delay(Duration.ofMillis(300)).start();
    int clients = 40;
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      answers.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/version")).build(),
          HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> a : answers) {
      assertEquals(200, a.get().statusCode());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 300, "the delay was applied: " + millis + " ms");
    assertTrue(millis < 3000, clients + " sessions waited in parallel: " + millis + " ms");
    assertEquals(clients, server.sessionsCreated());
  }

  @Test
  void delay_oneSession_requestsRunOneAtATime() throws Exception {
    server = ElektradServer.builder().mount("", new KeyDatabase()).delay(Duration.ofMillis(150)).start();
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answers.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/version"))
          .header("Cookie", "session=one").build(), HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> a : answers) {
      assertEquals(200, a.get().statusCode());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 4 * 150, "one session is served serially: " + millis + " ms");
    assertEquals(1, server.sessionsCreated());
    server.delay(Duration.ZERO);
    assertEquals(Duration.ZERO, server.delay());
  }

  @Test
  void sessions_forgotten_clientSessionIsOpenedAgain() throws Exception {
    server = ElektradServer.builder().mount("", new KeyDatabase()).sessionIds(() -> "fixed-id").start();
    HttpResponse<byte[]> first = send("GET", server.url() + "/version", null);
    assertEquals(Optional.of("session=fixed-id; Max-Age=3600; HttpOnly"), first.headers().firstValue("set-cookie"));
    HttpResponse<byte[]> again = sendWithCookie(server.url() + "/version", "fixed-id");
    assertEquals(Optional.empty(), again.headers().firstValue("set-cookie"));
    server.forgetSessions();
    HttpResponse<byte[]> after = sendWithCookie(server.url() + "/version", "fixed-id");
    assertEquals(Optional.of("session=fixed-id; Max-Age=3600; HttpOnly"), after.headers().firstValue("set-cookie"));
    assertEquals(2, server.sessionsCreated());
    assertEquals(3, server.requestsReceived());
  }

  @Test
  void sessions_expiredAfterAnHour_newSessionOpened() throws Exception {
    io.clusterd.core.testing.HandClock clock = new io.clusterd.core.testing.HandClock(java.time.Instant.EPOCH);
    server = ElektradServer.builder().mount("", new KeyDatabase()).clock(clock).start();
    sendWithCookie(server.url() + "/version", "s1");
    clock.advance(java.time.Duration.ofMillis(3_599_000));
    assertEquals(Optional.empty(), sendWithCookie(server.url() + "/version", "s1").headers().firstValue("set-cookie"));
    clock.advance(java.time.Duration.ofMillis(3_600_000));
    assertTrue(sendWithCookie(server.url() + "/version", "s1").headers().firstValue("set-cookie").isPresent());
    assertEquals(2, server.sessionsCreated());
  }

  @Test
  void children_quirkSwitchedOff_everyDirectChildListed() throws Exception {
    KeyDatabase db = new KeyDatabase();
    for (String k : List.of("user:/t/a", "user:/t/b", "user:/t/c")) {
      db.set(KeyName.parse(k), "v");
    }
    server = ElektradServer.builder().mount("", db).elektrad011Children(false).start();
    JsonNode all = JSON.readTree(send("GET", server.url() + "/kdb/user:/t", null).body());
    assertEquals(3, all.get("children").size());
    try (ElektradServer quirky = ElektradServer.start("127.0.0.1", 0, db)) {
      JsonNode skipped = JSON.readTree(send("GET", quirky.url() + "/kdb/user:/t", null).body());
      assertEquals(List.of("user:/t/a", "user:/t/c"),
          List.of(skipped.get("children").get(0).get("path").asText(), skipped.get("children").get(1).get("path").asText()));
    }
  }

  @Test
  void writes_procNamespace_refusedWithoutCrashing() throws Exception {
    KeyDatabase db = new KeyDatabase();
    server = ElektradServer.start("127.0.0.1", 0, db);
    HttpResponse<byte[]> r = send("PUT", server.url() + "/kdb/proc:/tests/p", "\"p\"");
    assertEquals(400, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("proc:/"));
    assertEquals(200, send("GET", server.url() + "/version", null).statusCode(), "still serving");
    assertEquals(0, db.size());
  }

  @Test
  void delete_keyWithChildren_removesOnlyThatKeyWithItsMetadata() throws Exception {
    KeyDatabase db = new KeyDatabase();
    db.set(KeyName.parse("user:/d"), "d");
    db.set(KeyName.parse("user:/d/x"), "x");
    db.setMeta(KeyName.parse("user:/d/x"), "m", "1");
    db.setMeta(KeyName.parse("user:/d"), "m", "0");
    server = ElektradServer.start("127.0.0.1", 0, db);
    assertEquals(204, send("DELETE", server.url() + "/kdb/user:/d", null).statusCode());
    assertEquals(Optional.empty(), db.get(KeyName.parse("user:/d")));
    assertEquals(new KeyDatabase.Entry("x", Map.of("m", "1")), db.get(KeyName.parse("user:/d/x")).orElseThrow());
  }

  @Test
  void request_badPercentEscape_answers400() throws Exception {
    server = ElektradServer.start("127.0.0.1", 0, new KeyDatabase());
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write("GET /kdb/user:/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    }
  }

  @Test
  void cleanPath_goSemantics() {
    assertEquals("/kdb/tests/hello", GoPaths.cleanPath("/kdb//tests/hello"));
    assertEquals("/kdb/user:/", GoPaths.cleanPath("/kdb/user:/"));
    assertEquals("/x", GoPaths.cleanPath("/kdb/../x"));
    assertEquals("/kdb/a/", GoPaths.cleanPath("/kdb/./a/"));
    assertEquals("/", GoPaths.cleanPath("/.."));
    assertFalse(GoPaths.queryParam("a=1", "preload").isPresent());
    assertEquals(Optional.of(""), GoPaths.queryParam("preload=", "preload"));
  }

  private static HttpResponse<byte[]> send(String method, String url, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(url))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<byte[]> sendWithCookie(String url, String session) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", "session=" + session).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}

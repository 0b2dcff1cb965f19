package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/events} over real HTTP: resuming with {@code Last-Event-ID} loses nothing across 1,000 changes on
 * a SQLite store, a subscriber that never reads is dropped without slowing writes, the subscriber bound, tokens and
 * scopes, bad requests, and status and delivery events with elektrad stand-ins going down and coming back.
 */
class EventsApiTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  @TempDir
  Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private Clusterd clusterd;
  private ClusterdServer server;

  private void start(Function<Clusterd.Builder, Clusterd.Builder> setup, ServerConfig config) {
    clusterd = setup.apply(Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .discoverTransports(getClass().getClassLoader()).retryBackoff(Duration.ofMillis(5))
        .connectTimeout(Duration.ofMillis(500))).build();
    server = ClusterdServer.start(clusterd, config);
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    open.add(c);
    return c;
  }

  private SseClient subscribe(Optional<String> lastEventId) {
    return closeLater(SseClient.open(server.url(), Optional.empty(), lastEventId));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
    if (clusterd != null) {
      clusterd.close();
    }
  }

  private static long seqOf(SseClient.Message m) {
    return m.data().path("seq").asLong();
  }

  @Test
  void resume_withLastEventId_losesNothingAcrossAThousandChanges() throws Exception {
    start(b -> b.store(SqliteStore.open(dir)), ServerConfig.loopback(0));
    clusterd.createCluster(ClusterSpec.of("c").withId("c"));
    long first = clusterd.events().lastId().seq() + 1;
    int changes = 1000;
    SseClient before = subscribe(Optional.empty());
    assertEquals("text/event-stream;charset=utf-8", before.contentType().replace(" ", "").toLowerCase());
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < changes; i++) {
        clusterd.pin("c", KeyName.parse("user:/k/" + i), Integer.toString(i));
      }
    });

    // the first subscriber leaves after 300 changes; the writer goes on
    List<Long> seen = new ArrayList<>();
    String lastId = "";
    while (seen.size() < 300) {
      SseClient.Message m = before.next();
      assertEquals("pin.changed", m.event());
      assertEquals(Long.toString(seqOf(m)), m.id());
      seen.add(seqOf(m));
      lastId = m.id();
    }
    before.close();

    // it comes back while changes are still being made: what it missed is replayed, then live events follow
    SseClient after = subscribe(Optional.of(lastId));
    long last = first + changes - 1;
    while (seen.get(seen.size() - 1) < last) {
      SseClient.Message m = after.next();
      if (m.event().equals("pin.changed")) {
        seen.add(seqOf(m));
      }
    }
    writer.get();
    List<Long> expected = new ArrayList<>();
    for (long s = first; s <= last; s++) {
      expected.add(s);
    }
    assertEquals(expected, seen, "every change exactly once, in order");
  }

  @Test
  void aSubscriberThatNeverReads_isDroppedAndDoesNotHoldUpWrites() throws Exception {
    start(b -> b.subscriberQueue(64), ServerConfig.loopback(0));
    clusterd.createCluster(ClusterSpec.of("c").withId("c"));
    SseClient reader = subscribe(Optional.empty());
    try (Socket stuck = new Socket()) {
      stuck.setReceiveBufferSize(1024);
      stuck.connect(new InetSocketAddress("127.0.0.1", server.port()));
      OutputStream req = stuck.getOutputStream();
      req.write(("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      req.flush();
      while (clusterd.events().subscribers() < 2) {
        Thread.onSpinWait();
      }
      // writes go on however full the stuck client's buffers are, until its queue overflows and it is dropped;
      // the subscriber that reads gets every change (each is awaited, so it never falls behind)
      String padding = "x".repeat(2000);
      int writes = 0;
      while (clusterd.events().dropped() == 0) {
        clusterd.pin("c", KeyName.parse("user:/k/" + writes), padding);
        assertEquals("user:/k/" + writes, reader.next().data().path("key").asText());
        writes++;
        assertTrue(writes < 20_000, "the stuck subscriber was never dropped");
      }
      assertEquals(1, clusterd.events().subscribers(), "the reader stays");
      clusterd.pin("c", PORT, "after the drop");
      assertEquals("after the drop", reader.next().data().path("newValue").asText());
      // the stuck client's connection is closed: what it reads at last ends
      InputStream in = stuck.getInputStream();
      stuck.setSoTimeout((int) SseClient.PATIENCE.toMillis());
      byte[] buf = new byte[65536];
      try {
        while (in.read(buf) >= 0) {
          // drains what was sent before the drop
        }
      } catch (java.net.SocketException reset) {
        // closed under it: as good as the end
      }
    }
  }

  @Test
  void subscribers_areBounded_oneMoreIsRefusedWith503() throws Exception {
    start(b -> b.maxSubscribers(2), ServerConfig.loopback(0));
    SseClient a = subscribe(Optional.empty());
    subscribe(Optional.empty());
    SseClient refused = subscribe(Optional.empty());
    assertEquals(503, refused.status());
    assertEquals("UNAVAILABLE", refused.errorBody().path("error").path("i18n").asText());
    assertEquals(Optional.of("10"), refused.header("Retry-After"));

    // one leaves: the server sees it at its next write, and the place is free again
    a.close();
    clusterd.createCluster(ClusterSpec.of("c").withId("c"));
    for (int i = 0; clusterd.events().subscribers() == 2; i++) {
      clusterd.pin("c", PORT, Integer.toString(i));
      assertTrue(i < 10_000, "the server never noticed the subscriber that left");
    }
    SseClient again = subscribe(Optional.empty());
    assertEquals(200, again.status());
  }

  @Test
  void withTokens_noTokenIsRefused_aScopedTokenSeesItsSubtreeOnly() throws Exception {
    start(b -> b, ServerConfig.loopback(0).withTokens(List.of(ServerConfig.Token.parse("ops:admin:ops-secret"),
        ServerConfig.Token.parse("eu:read:eu-secret:eu"))));
    SseClient anonymous = closeLater(SseClient.open(server.url(), Optional.empty(), Optional.empty()));
    assertEquals(401, anonymous.status());
    assertEquals("NEED_AUTHENTICATION", anonymous.errorBody().path("error").path("i18n").asText());

    clusterd.createCluster(ClusterSpec.of("eu").withId("eu"));
    clusterd.createCluster(ClusterSpec.of("us").withId("us"));
    clusterd.createCluster(ClusterSpec.of("eu web").withId("eu-web").withParent("eu"));
    SseClient eu = closeLater(SseClient.open(server.url(), Optional.of("eu-secret"), Optional.empty()));
    SseClient ops = closeLater(SseClient.open(server.url(), Optional.of("ops-secret"), Optional.empty()));
    assertEquals(200, eu.status());
    clusterd.pin("us", PORT, "1");
    clusterd.pin("eu-web", PORT, "2");
    clusterd.pin("us", PORT, "3");
    clusterd.pin("eu", KeyName.parse("user:/app/level"), "4");
    assertEquals(List.of("us", "eu-web", "us", "eu"), List.of(ops.next(), ops.next(), ops.next(), ops.next())
        .stream().map(m -> m.data().path("node").asText()).toList());
    assertEquals(List.of("eu-web", "eu"), List.of(eu.next(), eu.next()).stream()
        .map(m -> m.data().path("node").asText()).toList());

    // resuming, a scoped token is replayed its subtree's changes only
    SseClient euAgain = closeLater(SseClient.open(server.url(), Optional.of("eu-secret"), Optional.of("0")));
    List<String> replayed = new ArrayList<>();
    for (SseClient.Message m : euAgain.until(m -> m.data().path("newValue").asText().equals("4"))) {
      replayed.add(m.event() + " " + m.data().path("node").asText());
    }
    assertEquals(List.of("node.created eu", "node.created eu-web", "pin.changed eu-web", "pin.changed eu"), replayed);
  }

  @Test
  void signingOut_endsTheStreamsOfThatSessionOnly() throws Exception {
    start(b -> b, ServerConfig.loopback(0).withTokens(List.of(ServerConfig.Token.parse("ops:admin:ops-secret"))));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> signIn = http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(server.url() + "/api/session")).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"token\":\"ops-secret\"}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signIn.statusCode(), signIn.body());
    String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    SseClient browser = closeLater(SseClient.open(server.url(), java.util.Map.of("Cookie", cookie)));
    SseClient program = closeLater(SseClient.open(server.url(), Optional.of("ops-secret"), Optional.empty()));
    assertEquals(200, browser.status());
    clusterd.createCluster(ClusterSpec.of("c").withId("c"));
    assertEquals("node.created", browser.next().event());
    assertEquals("node.created", program.next().event());

    java.net.http.HttpResponse<String> signOut = http.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(server.url() + "/api/session")).header("Cookie", cookie).DELETE().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signOut.statusCode(), signOut.body());
    browser.awaitEnd();
    clusterd.pin("c", PORT, "1");
    assertEquals("pin.changed", program.next().event(), "a bearer token's stream goes on");
    SseClient again = closeLater(SseClient.open(server.url(), java.util.Map.of("Cookie", cookie)));
    assertEquals(401, again.status());
  }

  @Test
  void badRequests_getAClearError() throws Exception {
    start(b -> b, ServerConfig.loopback(0));
    ApiClient api = new ApiClient(server.url());
    ApiClient.Answer noAccept = api.get("/api/events");
    assertEquals(400, noAccept.status());
    assertEquals("INVALID_REQUEST", noAccept.i18n());
    assertTrue(noAccept.raw().contains("text/event-stream"), noAccept.raw());

    SseClient badId = subscribe(Optional.of("yesterday"));
    assertEquals(400, badId.status());
    assertEquals("INVALID_REQUEST", badId.errorBody().path("error").path("i18n").asText());
    assertEquals(0, clusterd.events().subscribers(), "a refused request holds no place");

    // an id this stream never sent (another daemon's): reset, with the id to go on from
    clusterd.createCluster(ClusterSpec.of("c").withId("c"));
    SseClient ahead = subscribe(Optional.of("4711.2"));
    SseClient.Message reset = ahead.next();
    assertEquals("reset", reset.event());
    assertEquals(clusterd.events().lastId().toString(), reset.id());
    assertTrue(reset.data().path("reason").asText().contains("4711.2"), reset.data().toString());
  }

  @Test
  void statusAndDeliveryEvents_withStandInsGoingDownAndComingBack() throws Exception {
    start(b -> b.maxAttempts(1), ServerConfig.loopback(0));
    KeyDatabase db = new KeyDatabase();
    ElektradServer standIn = ElektradServer.builder().bindHost("127.0.0.1").port(0).mount("/i/web-1", db).start();
    int port = standIn.port();
    clusterd.registerInstance(InstanceSpec.of("web 1", standIn.url("/i/web-1").toString()).withId("web-1"));
    clusterd.createCluster(ClusterSpec.of("prod").withId("prod").withMembers(List.of("web-1")));
    SseClient events = subscribe(Optional.empty());

    clusterd.pin("prod", PORT, "8080");
    List<SseClient.Message> ok = events.until(m -> m.event().equals("status"));
    assertEquals(List.of("pin.changed", "delivery", "status"), ok.stream().map(SseClient.Message::event).toList());
    assertEquals(200, ok.get(1).data().path("status").asInt());
    assertEquals("web-1", ok.get(1).data().path("instance").asText());
    assertEquals("user:/app/port", ok.get(1).data().path("operation").path("key").asText());
    assertEquals("in-sync", ok.get(2).data().path("status").asText());

    standIn.stop();
    clusterd.pin("prod", PORT, "9090");
    List<SseClient.Message> down = events.until(m -> m.event().equals("status"));
    SseClient.Message failed = down.stream().filter(m -> m.event().equals("delivery")).findFirst().orElseThrow();
    assertEquals(502, failed.data().path("status").asInt());
    assertEquals("INSTANCE_UNREACHABLE", failed.data().path("error").path("i18n").asText());
    assertEquals("pending", down.get(down.size() - 1).data().path("status").asText());
    assertEquals(1, down.get(down.size() - 1).data().path("pending").asInt());

    ElektradServer back = closeLater(ElektradServer.builder().bindHost("127.0.0.1").port(port).mount("/i/web-1", db)
        .start());
    clusterd.reconcile().get();
    List<SseClient.Message> recovered = events.until(m -> m.event().equals("status"));
    assertTrue(recovered.stream().anyMatch(m -> m.event().equals("delivery") && m.data().path("status").asInt()
        == 200), recovered.toString());
    assertEquals("in-sync", recovered.get(recovered.size() - 1).data().path("status").asText());
    assertEquals("9090", db.get(PORT).orElseThrow().value());
    assertFalse(back.toString().isEmpty());
  }
}

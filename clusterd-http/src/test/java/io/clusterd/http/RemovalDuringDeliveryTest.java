package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes queued for an instance that leaves the registry are answered, over real HTTP: the one on the wire with
 * its real outcome, those behind it at once with {@code INSTANCE_NOT_FOUND}, and none stays in the outbox.
 */
class RemovalDuringDeliveryTest {
  private static final Duration SLOW = Duration.ofMillis(1500);

  private final HttpClient http = HttpClient.newHttpClient();
  private final MemoryStore store = new MemoryStore();
  private ElektradServer host;
  private Clusterd clusterd;
  private ClusterdServer server;

  @BeforeEach
  void start() {
    host = ElektradServer.builder().bindHost("127.0.0.1").port(0).mount("", new KeyDatabase()).delay(SLOW).start();
    clusterd = Clusterd.builder().store(store).discoverTransports(getClass().getClassLoader())
        .reconcileEvery(Duration.ZERO).build();
    clusterd.registerInstance(InstanceSpec.of("slow 1", host.url().toString()).withId("slow1"));
    clusterd.createCluster(ClusterSpec.of("cs 1").withId("cs1").withMembers(List.of("slow1")));
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
    host.close();
  }

  @Test
  void unregister_withWritesQueued_answersEveryRequest() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> writes = queueThreeWrites();

    assertEquals(200, send("DELETE", "/api/instances/slow1", null).join().statusCode());

    assertQueuedWritesAnswered(writes);
  }

  @Test
  void cascadingClusterDelete_withWritesQueued_answersEveryRequest() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> writes = queueThreeWrites();

    assertEquals(200, send("DELETE", "/api/clusters/cs1?cascade=delete", null).join().statusCode());

    assertQueuedWritesAnswered(writes);
  }

  /**
   * One write on the wire to the slow host (after the two reads of its checks: the key and its spec:/ key), one
   * instance write reading its checks and one cluster write queued behind it.
   */
  private List<CompletableFuture<HttpResponse<String>>> queueThreeWrites() throws InterruptedException {
    var inFlight = send("PUT", "/api/instances/slow1/kdb/user%3A/a", "1");
    awaitRequests(3);
    var queued = send("PUT", "/api/instances/slow1/kdb/user%3A/b", "2");
    var fannedOut = send("PUT", "/api/clusters/cs1/kdb/user%3A/c", "3");
    // both are accepted (the cluster write is committed) before the instance goes
    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); clusterd.pins("cs1").isEmpty(); ) {
      assertTrue(System.nanoTime() < end, "the cluster write was not committed");
      Thread.sleep(10);
    }
    Thread.sleep(200);
    return List.of(inFlight, queued, fannedOut);
  }

  private void assertQueuedWritesAnswered(List<CompletableFuture<HttpResponse<String>>> writes) throws Exception {
    // the write on the wire ends with its real outcome; the stand-in still answers it
    assertEquals(200, writes.get(0).get(10, TimeUnit.SECONDS).statusCode());

    // the instance write read its checks before the removal, then found the instance gone: never sent
    HttpResponse<String> queued = writes.get(1).get(10, TimeUnit.SECONDS);
    assertEquals(404, queued.statusCode(), queued.body());
    assertEquals("INSTANCE_NOT_FOUND", ApiClient.JSON.readTree(queued.body()).path("error").path("i18n").asText());

    HttpResponse<String> fannedOut = writes.get(2).get(5, TimeUnit.SECONDS);
    JsonNode result = ApiClient.JSON.readTree(fannedOut.body());
    assertEquals(1, result.path("summary").path("failed").asInt(), fannedOut.body());
    assertEquals("INSTANCE_NOT_FOUND", result.path("results").path(0).path("error").path("i18n").asText(),
        fannedOut.body());
    assertTrue(result.path("results").path(0).path("error").path("message").asText().contains("unregistered"),
        fannedOut.body());

    assertEquals(List.of(), store.load().pending(), "the outbox keeps nothing for a removed instance");
    assertEquals(5, host.requestsReceived(), "the write on the wire with its two reads, the two reads of the queued"
        + " write's checks (sent before the removal), and nothing after the removal");
  }

  private void awaitRequests(long n) throws InterruptedException {
    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); host.requestsReceived() < n; ) {
      assertTrue(System.nanoTime() < end, "the stand-in received no request");
      Thread.sleep(5);
    }
  }

  private CompletableFuture<HttpResponse<String>> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "text/plain");
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.Clusterd;
import io.clusterd.core.store.postgresql.PostgresStore;
import io.clusterd.core.testing.LocalPostgres;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two daemons in this process on one PostgreSQL database (one clusterd): a browser signed in on one daemon uses
 * its cookie on the other, for reads and for writes (forwarded to the leader, which knows the session too), and
 * signing out on either daemon ends the session on both.
 */
class SessionsOnSeveralDaemonsTest {
  private static final String SECRET = "ops-secret-0123456789";
  private static final ServerConfig CONFIG = ServerConfig.loopback(0)
      .withTokens(List.of(ServerConfig.Token.parse("ops:admin:" + SECRET)));

  private final List<Clusterd> engines = new ArrayList<>();
  private final List<ClusterdServer> servers = new ArrayList<>();
  private final MemTransportFactory hosts = new MemTransportFactory();

  private ClusterdServer daemon(String url, String id) {
    Clusterd c = Clusterd.builder().store(PostgresStore.open(url)).transport(hosts).member(id, "")
        .reconcileEvery(Duration.ZERO).build();
    engines.add(c);
    ClusterdServer server = ClusterdServer.start(c, CONFIG);
    servers.add(server);
    return server;
  }

  @AfterEach
  void stop() {
    servers.forEach(ClusterdServer::close);
    engines.forEach(Clusterd::close);
  }

  @Test
  void signedInOnTheLeader_theCookieReadsAndWritesOnTheFollower_andSignOutThereEndsItOnTheLeader()
      throws Exception {
    String url = LocalPostgres.shared().newDatabase();
    ClusterdServer leader = daemon(url, "a");
    ClusterdServer follower = daemon(url, "b");
    Clusterd followerEngine = engines.get(1);
    await("the follower knows the leader's address", () -> followerEngine.membership().orElseThrow()
        .leaderAddress().filter(a -> a.equals(leader.url())).isPresent());
    assertTrue(engines.get(0).membership().orElseThrow().isLeader());

    HttpResponse<String> signIn = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(leader.url() + "/api/session")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + SECRET + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signIn.statusCode(), signIn.body());
    String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];

    ApiClient onFollower = new ApiClient(follower.url()).cookie(cookie);
    ApiClient onLeader = new ApiClient(leader.url()).cookie(cookie);
    ApiClient.Answer read = onFollower.get("/api/clusters");
    assertEquals(200, read.status(), read.raw());
    ApiClient.Answer write = onFollower.json("POST", "/api/clusters", "{\"id\":\"prod\",\"name\":\"Production\"}");
    assertEquals(201, write.status(), "forwarded to the leader with the cookie: " + write.raw());
    assertEquals(200, onFollower.get("/api/clusters/prod").status(), "read-your-writes on the follower");
    assertEquals(200, onLeader.get("/api/clusters/prod").status());

    ApiClient.Answer signOut = onFollower.delete("/api/session");
    assertEquals(200, signOut.status(), signOut.raw());
    ApiClient.Answer refused = onLeader.get("/api/clusters");
    assertEquals(401, refused.status(), "signed out on the follower, refused on the leader: " + refused.raw());
    assertEquals("NEED_AUTHENTICATION", refused.json().path("error").path("i18n").asText(
        refused.json().path("i18n").asText()));
    assertEquals(401, onFollower.get("/api/clusters").status());
    assertEquals(401, onFollower.json("POST", "/api/clusters", "{\"id\":\"qa\",\"name\":\"QA\"}").status());
    assertEquals(200, new ApiClient(leader.url()).bearer(SECRET).get("/api/clusters").status(),
        "the token itself still works");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what + " within 20 s");
      Thread.sleep(10);
    }
  }
}

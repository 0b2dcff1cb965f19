package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.Clusterd;
import io.clusterd.core.testing.HandClock;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bearer tokens, roles, browser sessions and the self-registration key, over real HTTP. */
class ApiAuthTest {
  private static final String ADMIN = "admin-secret-1";
  private static final String READER = "reader-secret-1";

  private Clusterd clusterd;
  private ClusterdServer server;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO).build();
    ServerConfig config = ServerConfig.loopback(0)
        .withTokens(List.of(ServerConfig.Token.parse("ops:admin:" + ADMIN), ServerConfig.Token.parse("ro:read:" + READER)))
        .withRegisterKey("register-key-1");
    server = ClusterdServer.start(clusterd, config);
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  private ApiClient client() {
    return new ApiClient(server.url());
  }

  @Test
  void everyProtectedRoute_withoutToken_is401() {
    for (ApiClient.Answer a : List.of(client().get("/api/instances"), client().get("/api/tree"),
        client().json("POST", "/api/clusters", "{\"name\":\"x\"}"), client().get("/metrics"),
        client().get("/api/openapi.json"))) {
      assertEquals(401, a.status(), a.raw());
      assertEquals("NEED_AUTHENTICATION", a.i18n());
    }
    assertEquals(0, clusterd.clusters().size());
  }

  @Test
  void wrongToken_is401_andHealthStaysPublic() {
    assertEquals(401, client().bearer("nope-nope-nope").get("/api/instances").status());
    assertEquals(200, client().get("/api/health").status());
  }

  @Test
  void readToken_readsButCannotWrite() {
    assertEquals(200, client().bearer(READER).get("/api/instances").status());
    ApiClient.Answer w = client().bearer(READER).json("POST", "/api/clusters", "{\"name\":\"x\"}");
    assertEquals(403, w.status());
    assertEquals("FORBIDDEN", w.i18n());
    assertEquals(0, clusterd.clusters().size());
    assertEquals(201, client().bearer(ADMIN).json("POST", "/api/clusters", "{\"name\":\"x\"}").status());
  }

  @Test
  void session_signInWithToken_authenticatesByCookie() {
    ApiClient anonymous = client();
    HttpResponse<String> r = anonymous.raw(HttpRequest.newBuilder(URI.create(server.url() + "/api/session"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + ADMIN + "\"}")));
    assertEquals(200, r.statusCode(), r.body());
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    ApiClient browser = client().cookie(cookie);
    assertEquals(201, browser.json("POST", "/api/clusters", "{\"name\":\"via cookie\"}").status());
    assertEquals(200, browser.delete("/api/session").status());
    assertEquals(401, browser.get("/api/instances").status());
  }

  /** Signs in with the admin token on a server whose sessions age on {@code clock}; returns the cookie. */
  private static String signIn(ClusterdServer on) {
    HttpResponse<String> r = new ApiClient(on.url()).raw(HttpRequest.newBuilder(URI.create(on.url() + "/api/session"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + ADMIN + "\"}")));
    assertEquals(200, r.statusCode(), r.body());
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private ClusterdServer serverWithClock(HandClock clock) {
    ServerConfig config = ServerConfig.loopback(0)
        .withTokens(List.of(ServerConfig.Token.parse("ops:admin:" + ADMIN)))
        .withSessionLifetimes(Duration.ofHours(1), Duration.ofHours(12));
    return ClusterdServer.start(clusterd, config, clock, List.of());
  }

  @Test
  void session_idleLongerThanIdleLifetime_expires() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    try (ClusterdServer timed = serverWithClock(clock)) {
      ApiClient browser = new ApiClient(timed.url()).cookie(signIn(timed));
      clock.advance(Duration.ofMinutes(59));
      assertEquals(200, browser.get("/api/instances").status(), "used within the hour");
      clock.advance(Duration.ofMinutes(59));
      assertEquals(200, browser.get("/api/instances").status(), "each use keeps it alive");
      clock.advance(Duration.ofMinutes(60));
      ApiClient.Answer a = browser.get("/api/instances");
      assertEquals(401, a.status(), a.raw());
      assertEquals("NEED_AUTHENTICATION", a.i18n());
      assertTrue(a.raw().contains("expired"), a.raw());
      assertEquals(401, browser.get("/api/instances").status(), "gone for good");
      assertEquals(200, new ApiClient(timed.url()).cookie(signIn(timed)).get("/api/instances").status());
    }
  }

  @Test
  void session_olderThanMaxLifetime_expiresEvenWhenBusy() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    try (ClusterdServer timed = serverWithClock(clock)) {
      ApiClient browser = new ApiClient(timed.url()).cookie(signIn(timed));
      for (int i = 0; i < 14; i++) { // 11 h 40 min in all, never idle for an hour
        clock.advance(Duration.ofMinutes(50));
        assertEquals(200, browser.get("/api/instances").status(), "at " + clock.instant());
      }
      clock.advance(Duration.ofMinutes(20)); // 12 h after sign-in
      assertEquals(401, browser.get("/api/instances").status());
    }
  }

  @Test
  void bearerToken_isNotASession_neverExpires() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    try (ClusterdServer timed = serverWithClock(clock)) {
      clock.advance(Duration.ofDays(30));
      assertEquals(200, new ApiClient(timed.url()).bearer(ADMIN).get("/api/instances").status());
    }
  }

  @Test
  void session_wrongToken_is401() {
    ApiClient.Answer a = client().json("POST", "/api/session", "{\"token\":\"wrong-wrong\"}");
    assertEquals(401, a.status());
    assertEquals("NEED_AUTHENTICATION", a.i18n());
  }

  @Test
  void selfRegistration_checksTheApiKey() {
    String body = "{\"name\":\"self\",\"host\":\"mem://self\"}";
    assertEquals("APIKEY_MISSING", client().json("POST", "/api/register", body).i18n());
    ApiClient.Answer bad = client().json("POST", "/api/register?apikey=wrong", body);
    assertEquals(401, bad.status());
    assertEquals("APIKEY_INVALID", bad.i18n());
    assertEquals(201, client().json("POST", "/api/register?apikey=register-key-1", body).status());
    assertEquals(1, clusterd.instances().size());
  }

  @Test
  void hashedToken_bearerAndSignIn_acceptedAndWrongOnesRefused() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    ServerConfig config = ServerConfig.loopback(0).withTokens(List.of(ServerConfig.Token.parse(
        "ops:admin:" + Secret.hash("hashed-secret-1", SecretTest.TEST_ITERATIONS))))
        .withRegisterKey(Secret.hash("hashed-register-1", SecretTest.TEST_ITERATIONS));
    try (ClusterdServer hashed = ClusterdServer.start(clusterd, config, clock, List.of())) {
      ApiClient api = new ApiClient(hashed.url());
      assertEquals(200, api.bearer("hashed-secret-1").get("/api/instances").status());
      assertEquals(401, api.bearer("hashed-secret-2").get("/api/instances").status());
      assertEquals(200, api.bearer(null).json("POST", "/api/session", "{\"token\":\"hashed-secret-1\"}").status());
      ApiClient.Answer wrong = api.json("POST", "/api/session", "{\"token\":\"hashed-secret-2\"}");
      assertEquals(401, wrong.status());
      assertFalse(wrong.raw().contains("hashed-secret"), wrong.raw());
      String body = "{\"name\":\"self\",\"host\":\"mem://self\"}";
      assertEquals("APIKEY_INVALID", api.json("POST", "/api/register?apikey=hashed-register-2", body).i18n());
      assertEquals(201, api.json("POST", "/api/register?apikey=hashed-register-1", body).status());
    }
  }

  @Test
  void failedBearerTokens_pastTheLimit_are429WithRetryAfterUntilTimePasses() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    try (ClusterdServer limited = serverWithClock(clock)) {
      ApiClient wrong = new ApiClient(limited.url()).bearer("wrong-secret-1");
      for (int i = 0; i < 10; i++) {
        assertEquals(401, wrong.get("/api/instances").status(), "failure " + (i + 1));
      }
      HttpResponse<String> r = wrong.raw(HttpRequest.newBuilder(URI.create(limited.url() + "/api/instances"))
          .header("Authorization", "Bearer wrong-secret-1"));
      assertEquals(429, r.statusCode(), r.body());
      assertEquals("TOO_MANY_REQUESTS", ApiClient.answer(r).i18n());
      long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 1 && retryAfter <= 6, "Retry-After " + retryAfter);
      ApiClient right = new ApiClient(limited.url()).bearer(ADMIN);
      assertEquals(429, right.get("/api/instances").status(), "the right token is not even checked meanwhile");
      assertEquals(429, right.bearer(null).json("POST", "/api/session", "{\"token\":\"" + ADMIN + "\"}").status(),
          "sign-in neither");
      assertEquals(200, new ApiClient(limited.url()).get("/api/health").status(), "public routes stay open");
      clock.advance(Duration.ofSeconds(retryAfter));
      assertEquals(200, new ApiClient(limited.url()).bearer(ADMIN).get("/api/instances").status());
      assertEquals(401, wrong.get("/api/instances").status(), "one more failure earned back");
      assertEquals(429, wrong.get("/api/instances").status());
    }
  }

  @Test
  void failedSignIns_pastTheLimit_are429() {
    HandClock clock = new HandClock(Instant.parse("2026-01-05T08:00:00Z"));
    try (ClusterdServer limited = serverWithClock(clock)) {
      ApiClient api = new ApiClient(limited.url());
      for (int i = 0; i < 10; i++) {
        assertEquals(401, api.json("POST", "/api/session", "{\"token\":\"wrong-" + i + "-secret\"}").status());
      }
      ApiClient.Answer a = api.json("POST", "/api/session", "{\"token\":\"" + ADMIN + "\"}");
      assertEquals(429, a.status(), a.raw());
      assertTrue(a.raw().contains("try again in"), a.raw());
      clock.advance(Duration.ofMinutes(1));
      assertEquals(200, api.json("POST", "/api/session", "{\"token\":\"" + ADMIN + "\"}").status());
    }
  }

  @Test
  void noTokens_refusesToBindBeyondLoopback() {
    ServerConfig open = new ServerConfig("0.0.0.0", 0, List.of(), java.util.Optional.empty(), List.of(),
        ServerConfig.DEFAULT_MAX_BODY, java.util.Optional.empty());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterdServer.start(clusterd, open));
    assertTrue(e.getMessage().contains("--token"), e.getMessage());
  }
}

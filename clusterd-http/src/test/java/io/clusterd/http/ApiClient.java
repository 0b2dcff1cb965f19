package io.clusterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A tiny test client for the daemon's REST API over real loopback HTTP. */
final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: status, content type and parsed JSON body (null when empty or not JSON). */
  record Answer(int status, String contentType, String raw, JsonNode json) {
    String i18n() {
      return json == null ? null : json.path("error").path("i18n").asText(null);
    }

    Optional<String> header(String name) {
      return Optional.empty();
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private String bearer;
  private String cookie;

  ApiClient(String base) {
    this.base = base;
  }

  ApiClient bearer(String token) {
    this.bearer = token;
    return this;
  }

  ApiClient cookie(String c) {
    this.cookie = c;
    return this;
  }

  Answer get(String path) {
    return send("GET", path, null, null);
  }

  Answer json(String method, String path, String body) {
    return send(method, path, "application/json", body);
  }

  Answer text(String method, String path, String body) {
    return send(method, path, "text/plain", body);
  }

  Answer delete(String path) {
    return send("DELETE", path, null, null);
  }

  HttpResponse<String> raw(HttpRequest.Builder b) {
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  Answer send(String method, String path, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    HttpResponse<String> r = raw(b);
    return answer(r);
  }

  static Answer answer(HttpResponse<String> r) {
    JsonNode node = null;
    try {
      node = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (IOException e) {
      node = null;
    }
    return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), node);
  }
}

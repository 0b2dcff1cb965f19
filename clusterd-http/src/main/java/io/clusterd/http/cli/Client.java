package io.clusterd.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The client's one way to the daemon: its REST API over the JDK HTTP client, with the bearer token if any. */
final class Client {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The daemon could not be reached at all (exit code 3). */
  static final class Unreachable extends Exception {
    Unreachable(String message) {
      super(message);
    }
  }

  /** One answer. */
  record Answer(int status, String contentType, byte[] body, Optional<String> etag) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as JSON, or null when it is not JSON. */
    JsonNode json() {
      try {
        return body.length == 0 ? null : JSON.readTree(body);
      } catch (IOException e) {
        return null;
      }
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final String server;
  private final Optional<String> token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  Client(String server, Optional<String> token) {
    this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.token = token;
  }

  String server() {
    return server;
  }

  Answer get(String path, String accept) throws Unreachable {
    return send("GET", path, null, null, accept, null);
  }

  Answer send(String method, String path, String contentType, byte[] body, String accept, String ifMatch)
      throws Unreachable {
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(60));
    } catch (IllegalArgumentException e) {
      throw new Unreachable("'" + server + "' is not a daemon URL (" + e.getMessage() + "): give --server"
          + " http://HOST:PORT");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.header("Accept", accept == null ? "application/json" : accept);
    if (ifMatch != null) {
      b.header("If-Match", ifMatch.startsWith("\"") || ifMatch.equals("*") ? ifMatch : "\"" + ifMatch + "\"");
    }
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
          r.headers().firstValue("ETag"));
    } catch (IOException e) {
      throw new Unreachable("cannot reach the daemon at " + server + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while waiting for the daemon at " + server);
    } catch (IllegalArgumentException e) {
      throw new Unreachable("'" + server + "' is not a daemon URL: " + e.getMessage());
    }
  }

  /** A node id as one path segment. */
  static String id(String id) {
    return encode(id);
  }

  /** A key name as path segments, each part percent-encoded as encodeURIComponent does. */
  static String key(String key) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\' && i + 1 < key.length()) {
        part.append(c).append(key.charAt(++i));
      } else if (c == '/') {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    return String.join("/", parts.stream().map(Client::encode).toList());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

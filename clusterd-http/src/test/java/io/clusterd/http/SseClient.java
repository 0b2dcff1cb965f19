package io.clusterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client for tests: opens {@code GET /api/events} over real HTTP (optionally with a bearer
 * token and {@code Last-Event-ID}) and parses the stream on its own thread into {@link Message}s.
 */
final class SseClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The longest a test waits for one message before it fails. */
  static final Duration PATIENCE = Duration.ofSeconds(20);

  /** One event: its id (empty when it had none), its name and its data as JSON. */
  record Message(String id, String event, JsonNode data) { }

  private static final Message END = new Message("", "", null);

  private final HttpResponse<InputStream> response;
  private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile boolean ended;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  static SseClient open(String base, Optional<String> bearer, Optional<String> lastEventId) {
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    bearer.ifPresent(t -> headers.put("Authorization", "Bearer " + t));
    lastEventId.ifPresent(id -> headers.put("Last-Event-ID", id));
    return open(base, headers);
  }

  /** Opens the stream with these request headers (besides {@code Accept: text/event-stream}). */
  static SseClient open(String base, java.util.Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/events"))
        .header("Accept", "text/event-stream");
    headers.forEach(b::header);
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      return new SseClient(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static SseClient open(String base) {
    return open(base, Optional.empty(), Optional.empty());
  }

  int status() {
    return response.statusCode();
  }

  String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  Optional<String> header(String name) {
    return response.headers().firstValue(name);
  }

  /** The body of an answer that is not a stream (an error). */
  JsonNode errorBody() throws IOException {
    return JSON.readTree(response.body().readAllBytes());
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = "";
      String event = "message";
      StringBuilder data = new StringBuilder();
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            messages.add(new Message(id, event, JSON.readTree(data.toString())));
          }
          id = "";
          event = "message";
          data.setLength(0);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (IOException e) {
      // the stream ended
    } finally {
      ended = true;
      messages.add(END);
    }
  }

  /** The next message; fails when none comes within {@link #PATIENCE} or the stream ended. */
  Message next() {
    try {
      Message m = messages.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new AssertionError("no event within " + PATIENCE);
      }
      if (m == END) {
        messages.add(END);
        throw new AssertionError("the stream ended");
      }
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Messages up to and including the first that matches. */
  List<Message> until(Predicate<Message> last) {
    List<Message> out = new ArrayList<>();
    while (true) {
      Message m = next();
      out.add(m);
      if (last.test(m)) {
        return out;
      }
    }
  }

  /** Waits until the server ended the stream; fails after {@link #PATIENCE}. */
  void awaitEnd() throws InterruptedException {
    reader.join(PATIENCE.toMillis());
    if (!ended) {
      throw new AssertionError("the stream did not end within " + PATIENCE);
    }
  }

  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException e) {
      // closing anyway
    }
    reader.interrupt();
  }
}

package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Event;
import io.clusterd.core.EventId;
import io.clusterd.core.EventSubscription;
import io.clusterd.core.Events;
import io.javalin.http.Context;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/events}: Server-Sent Events of the engine's {@link Events}, resumable with {@code Last-Event-ID}.
 * A scoped token receives the events of its subtrees only. Two writer threads serve every stream (writes never
 * block), one timer sends a comment to each stream every {@link #HEARTBEAT}.
 */
final class EventStreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);
  /** Period of the keep-alive comment; below the connection idle timeout. */
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  private final Events events;
  private final Auth auth;
  private final ScheduledExecutorService timer;
  private final java.util.concurrent.ExecutorService writers;
  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();

  EventStreams(Events events, Auth auth) {
    this.events = events;
    this.auth = auth;
    auth.onSessionClosed(id -> open.stream().filter(s -> id.equals(s.session())).forEach(s -> s.end(false)));
    this.writers = Executors.newFixedThreadPool(2, r -> daemon(r, "clusterd-events"));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "clusterd-events-ping"));
    timer.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Ends the streams whose session ended (signed out or expired); sends the others a comment. */
  void heartbeat() {
    for (EventStream s : open) {
      if (s.authorized()) {
        s.ping();
      } else {
        s.end(false);
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  void register(RouteTable r) {
    r.get("/api/events", "live events (Server-Sent Events), resumable with Last-Event-ID", this::stream)
        .query("Last-Event-ID", "lastEventId").answers(200, "EventStream");
  }

  private void stream(Context ctx) {
    String wanted = ctx.header("Accept");
    if (wanted == null || !wanted.contains("text/event-stream")) {
      throw ClusterdException.of(ErrorCode.INVALID_REQUEST, "GET /api/events is a stream of Server-Sent Events: "
          + "send 'Accept: text/event-stream' (EventSource does)");
    }
    Optional<EventId> last = lastEventId(ctx);
    Predicate<Event> accept = visibleTo(ctx);
    EventStream[] stream = new EventStream[1];
    EventSubscription s;
    try {
      s = events.subscribe(last, accept, () -> {
        if (stream[0] != null) {
          stream[0].wake();
        }
      });
    } catch (ClusterdException e) {
      if (e.code() == ErrorCode.UNAVAILABLE) {
        ctx.header("Retry-After", "10");
      }
      throw e;
    }
    try {
      ctx.status(200);
      ctx.contentType("text/event-stream; charset=utf-8");
      ctx.header("Cache-Control", "no-cache");
      ctx.header("X-Accel-Buffering", "no");
      ctx.future(() -> {
        try {
          stream[0] = new EventStream(ctx.res().getOutputStream(), writers, () -> abort(ctx), open::remove,
              authorization(ctx), () -> live(ctx), sessionOf(ctx));
          ctx.req().getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
              stream[0].requestGone();
            }

            @Override
            public void onTimeout(AsyncEvent event) {
              stream[0].requestGone();
            }

            @Override
            public void onError(AsyncEvent event) {
              stream[0].requestGone();
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
              // not restarted
            }
          });
        } catch (java.io.IOException e) {
          s.close();
          return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        open.add(stream[0]);
        stream[0].attach(s);
        return stream[0].done();
      });
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Whether the stream may go on: a bearer token stays valid; a browser session must still be open (the stream
   * itself does not count as a use of it, so an idle session ends as it would without the stream).
   */
  private java.util.function.BooleanSupplier authorization(Context ctx) {
    String header = ctx.header("Authorization");
    if (!auth.enabled() || header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return () -> true;
    }
    String session = ctx.cookie("clusterd_session");
    return () -> auth.sessionOpen(session);
  }

  /** The browser session the stream was opened with, or empty (a bearer token, or no authentication). */
  private String sessionOf(Context ctx) {
    String header = ctx.header("Authorization");
    if (!auth.enabled() || header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "";
    }
    return Optional.ofNullable(ctx.cookie("clusterd_session")).orElse("");
  }

  /** The header, else {@code ?lastEventId=} (for a client that cannot set headers). */
  private static Optional<EventId> lastEventId(Context ctx) {
    String raw = Optional.ofNullable(ctx.header("Last-Event-ID")).orElse(ctx.queryParam("lastEventId"));
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(EventId.parse(raw.strip()).orElseThrow(() -> ClusterdException.of(ErrorCode.INVALID_REQUEST,
        "Last-Event-ID must be an id this stream sent, such as 42 or 42.3: '" + raw + "'",
        java.util.Map.of("lastEventId", raw))));
  }

  /** A scoped token sees the events about its clusters and below (and resets); others see everything. */
  private static Predicate<Event> visibleTo(Context ctx) {
    Optional<Auth.Principal> p = Scopes.scoped(ctx);
    if (p.isEmpty()) {
      return e -> true;
    }
    List<String> scopes = List.copyOf(p.get().scopes());
    return e -> e.nodes().isEmpty() || scopes.stream().anyMatch(e.nodes()::contains);
  }

  /** Whether the server still holds the response (Jetty recycles it once the connection failed). */
  private static boolean live(Context ctx) {
    try {
      ctx.res().getStatus();
      return true;
    } catch (IllegalStateException | NullPointerException e) {
      return false;
    }
  }

  /** Closes the connection under a stream whose client stopped reading. */
  private static void abort(Context ctx) {
    try {
      org.eclipse.jetty.ee10.servlet.ServletContextRequest r =
          org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(ctx.req());
      if (r != null) {
        r.getConnectionMetaData().getConnection().getEndPoint().close();
      }
    } catch (RuntimeException e) {
      LOG.debug("could not close the connection of a dropped event stream: {}", e.toString());
    }
  }

  /** Streams open now. */
  int open() {
    return open.size();
  }

  /** Ends every stream and stops the threads. */
  @Override
  public void close() {
    timer.shutdownNow();
    List.copyOf(open).forEach(s -> s.end(false));
    writers.shutdown();
  }
}

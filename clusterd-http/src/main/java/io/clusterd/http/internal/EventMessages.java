package io.clusterd.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.clusterd.core.Event;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** One {@link Event} as a Server-Sent Events message: {@code id}, {@code event} (its type), {@code data} (JSON). */
final class EventMessages {
  /** How long a browser waits before it reconnects, sent first on every stream. */
  static final byte[] RETRY = "retry: 3000\n\n".getBytes(StandardCharsets.UTF_8);
  /** A comment that keeps idle connections (and proxies) open and finds clients that are gone. */
  static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

  /** The same event goes to every subscriber: the last ones written are kept, by identity, to be written once. */
  private record Written(Event event, byte[] bytes) { }

  private static final int CACHED = 256;
  private static final AtomicReferenceArray<Written> WRITTEN = new AtomicReferenceArray<>(CACHED);

  private EventMessages() { }

  static byte[] message(Event e) {
    int slot = System.identityHashCode(e) & (CACHED - 1);
    Written w = WRITTEN.get(slot);
    if (w != null && w.event() == e) {
      return w.bytes();
    }
    byte[] bytes = format(e);
    WRITTEN.set(slot, new Written(e, bytes));
    return bytes;
  }

  private static byte[] format(Event e) {
    String data;
    try {
      data = Json.MAPPER.writeValueAsString(data(e));
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot write event " + e.id(), ex);
    }
    // compact JSON has no line breaks: one data line
    return ("id: " + e.id() + "\nevent: " + e.type() + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The JSON of an event's data (docs/http-api.md, "Live events"). */
  static Map<String, Object> data(Event e) {
    if (e instanceof Event.Change c) {
      return Json.history(c.entry());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    if (e instanceof Event.Status s) {
      m.put("instance", s.state().instance());
      m.put("status", s.state().status().label());
      m.put("lastSeen", s.state().lastSeen().map(Object::toString).orElse(null));
      m.put("statusDetail", s.state().detail());
      m.put("pending", s.pending());
    } else if (e instanceof Event.Delivery d) {
      m.putAll(Json.outcome(d.outcome()));
      m.put("seq", d.seq());
      m.put("operation", Json.operation(d.operation()));
    } else if (e instanceof Event.Rollout r) {
      m.put("rollout", r.rollout());
      m.put("cluster", r.cluster());
      m.putAll(r.progress());
    } else if (e instanceof Event.Reset r) {
      m.put("reason", r.reason());
    }
    return m;
  }
}

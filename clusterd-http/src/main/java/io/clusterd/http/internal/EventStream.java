package io.clusterd.http.internal;

import io.clusterd.core.Event;
import io.clusterd.core.EventSubscription;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@code GET /api/events} response. Writes without blocking (servlet non-blocking output): when the client
 * does not read, nothing waits, events pile up in the subscription's bounded queue until it is dropped, and then
 * the connection is closed. No thread is held while the stream is idle.
 */
final class EventStream implements WriteListener {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

  private final ServletOutputStream out;
  private final Executor writers;
  private final Consumer<EventStream> onEnd;
  private final Runnable abort;
  private final java.util.function.BooleanSupplier authorized;
  private final java.util.function.BooleanSupplier responseLive;
  private volatile boolean requestGone;
  private final String session;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile EventSubscription subscription;
  private volatile boolean pingDue;
  private boolean started; // guarded by this
  private boolean unflushed; // guarded by this
  private boolean ended; // guarded by this

  /**
   * {@code abort} closes the connection under a stuck write; {@code onEnd} hears that the stream ended;
   * {@code authorized} says whether its client may still read (its session is open); {@code responseLive} whether
   * the server still has the response (not once the connection failed and Jetty recycled it); {@code session} is
   * the browser session it was opened with (empty for a bearer token).
   */
  EventStream(ServletOutputStream out, Executor writers, Runnable abort, Consumer<EventStream> onEnd,
      java.util.function.BooleanSupplier authorized, java.util.function.BooleanSupplier responseLive,
      String session) {
    this.session = session;
    this.out = out;
    this.authorized = authorized;
    this.responseLive = responseLive;
    // Javalin completes the future itself when the request fails or times out: the stream ends with it
    done.whenComplete((v, t) -> end(false));
    this.writers = writers;
    this.abort = abort;
    this.onEnd = onEnd;
  }

  /** Completes when the stream ended (the client left, was dropped, or the server stops). */
  CompletableFuture<Void> done() {
    return done;
  }

  /** Starts writing what the subscription yields; from now on Jetty calls back when it can take more. */
  void attach(EventSubscription s) {
    this.subscription = s;
    out.setWriteListener(this);
  }

  /** New events (or a drop): write them on a writer thread. Never blocks. */
  void wake() {
    if (subscription != null && scheduled.compareAndSet(false, true)) {
      writers.execute(this::drain);
    }
  }

  /** The browser session it was opened with, or empty. */
  String session() {
    return session;
  }

  boolean authorized() {
    return authorized.getAsBoolean();
  }

  void ping() {
    pingDue = true;
    wake();
  }

  @Override
  public void onWritePossible() {
    drain();
  }

  @Override
  public void onError(Throwable t) {
    LOG.debug("event stream ended: {}", t.toString());
    end(false);
  }

  private synchronized void drain() {
    scheduled.set(false);
    EventSubscription s = subscription;
    if (ended || s == null) {
      return;
    }
    try {
      while (out.isReady()) {
        byte[] chunk;
        Optional<Event> next = started ? s.poll() : Optional.empty();
        if (!started) {
          started = true;
          chunk = EventMessages.RETRY;
        } else if (s.dropped()) {
          // the client did not keep up: it reconnects with its last id and gets what it missed from the history
          end(true);
          return;
        } else if (next.isPresent()) {
          chunk = EventMessages.message(next.get());
        } else if (pingDue) {
          pingDue = false;
          chunk = EventMessages.PING;
        } else if (unflushed) {
          unflushed = false;
          out.flush();
          continue;
        } else {
          return;
        }
        out.write(chunk);
        unflushed = true;
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("event stream ended: {}", e.toString());
      end(false);
    }
  }

  /** Jetty is done with the request (completed, failed, timed out): end without touching the response again. */
  void requestGone() {
    requestGone = true;
    end(false);
  }

  /** Ends the stream; {@code hard} closes the connection too (a write may be stuck on a client that does not read). */
  synchronized void end(boolean hard) {
    if (ended) {
      return;
    }
    ended = true;
    EventSubscription s = subscription;
    if (s != null) {
      s.close();
    }
    if (hard) {
      abort.run();
    }
    onEnd.accept(this);
    // completing the future makes Javalin finish the response: only while there is one
    if (!requestGone && responseLive.getAsBoolean()) {
      done.complete(null);
    }
  }
}

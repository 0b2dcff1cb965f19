package io.clusterd.http.elektrad;

import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradInstance.Session;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for Elektra's REST daemon {@code elektrad} 0.11.0: serves {@link KeyDatabase}s over elektrad's
 * protocol, answering as the real daemon does (routes, status codes, bodies, content types, session cookies
 * and quirks, see {@code docs/elektrad.md}), for tests, demos and benchmarks without real hosts.
 *
 * <pre>{@code
 * KeyDatabase db = new KeyDatabase();
 * try (ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, db)) {
 *   // register an instance with host elektrad.url(), e.g. http://127.0.0.1:41234
 * }
 *
 * // many instances on one server, each under its own base path, answering after 5 ms
 * ElektradServer many = ElektradServer.builder().delay(Duration.ofMillis(5)).start();
 * for (int i = 0; i < 1000; i++) {
 *   many.mount("/i/web-" + i, new KeyDatabase());   // instance host: many.url("/i/web-" + i)
 * }
 * }</pre>
 *
 * <p>Each mounted database is one elektrad instance with its own sessions: a request without a known
 * {@code session} cookie opens one ({@code Set-Cookie: session=<uuid>; Max-Age=3600; HttpOnly}, no
 * {@code Path}; a client-chosen id is adopted), and the requests of one session run one at a time, as in
 * elektrad. {@link #sessionsCreated()} counts them, {@link #forgetSessions()} simulates a host restart.
 * The optional per-request delay is applied without holding a server thread.
 *
 * <p>Deliberate differences from the real daemon: a write under {@code proc:/} is refused with 400 (elektrad
 * 0.11.0 crashes); {@code PUT /kdbAll} with an entry lacking {@code value} answers 500 (elektrad drops the
 * connection), and what it stores is invisible to the session's reads until the session's next write persists
 * it; elektrad's error texts for libelektra failures are reproduced for {@code meta:/} writes and Elektra's
 * read-only mountpoints below {@code system:/elektra} only.
 *
 * <p>Thread-safe. The server runs until {@link #stop()} or {@link #close()}.
 */
public final class ElektradServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ElektradServer.class);

  private final Map<String, ElektradInstance> mounts = new ConcurrentHashMap<>();
  private final boolean childrenQuirk;
  private final Supplier<String> sessionIds;
  private final Clock clock;
  private final WriteListener writes;
  private final ScheduledExecutorService scheduler;
  /** Runs delayed requests, so that the scheduler thread only keeps time. */
  private final ExecutorService workers;
  private final AtomicLong requests = new AtomicLong();
  private final String urlHost;
  private volatile Duration delay;
  private final Javalin app;

  private ElektradServer(Builder b) {
    this.childrenQuirk = b.childrenQuirk;
    this.sessionIds = b.sessionIds;
    this.clock = b.clock;
    this.writes = b.writes;
    this.delay = b.delay;
    b.mounts.forEach(this::mount);
    AtomicInteger count = new AtomicInteger();
    this.scheduler = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "elektrad-stand-in-delay-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "elektrad-stand-in-worker-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.urlHost = urlHost(b.bindHost);
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.http.compressionStrategy = CompressionStrategy.NONE; // elektrad never compresses its answers
      // elektrad reads raw paths: let '//', '%2F', '%25', ';' and dot segments through to the handler
      config.jetty.modifyHttpConfiguration(http -> {
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setSendServerVersion(false);
      });
      config.jetty.modifyServletContextHandler(h -> h.getServletHandler().setDecodeAmbiguousURIs(true));
      // Go writes "text/plain; charset=utf-8"; Jetty would write "text/plain;charset=utf-8"
      config.jetty.modifyServer(server -> server.setHandler(new GoContentType(server.getHandler())));
      for (HandlerType type : HandlerType.values()) {
        if (type.isHttpMethod()) {
          config.routes.addHttpHandler(type, "*", this::handle);
        }
      }
    });
    try {
      app.start(b.bindHost, b.port);
      if (!b.idleTimeout.isZero()) {
        for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
          if (c instanceof org.eclipse.jetty.server.AbstractConnector connector) {
            connector.setIdleTimeout(b.idleTimeout.toMillis());
          }
        }
      }
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      workers.shutdownNow();
      throw e;
    }
  }

  /** Serves {@code db} at the root of {@code bindHost:port} (port 0 picks a free port). */
  public static ElektradServer start(String bindHost, int port, KeyDatabase db) {
    return builder().bindHost(bindHost).port(port).mount("", db).start();
  }

  /** A builder: loopback, an ephemeral port, no database yet, no delay. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  /** The URL of the database mounted at the root, e.g. {@code http://127.0.0.1:41234}. */
  public URI url() {
    return URI.create("http://" + urlHost + ":" + port());
  }

  /** The URL of the database mounted at {@code basePath}, e.g. {@code http://127.0.0.1:41234/i/web-7}. */
  public URI url(String basePath) {
    return URI.create(url() + normalizeBasePath(basePath));
  }

  /**
   * Serves {@code db} as one more elektrad instance below {@code basePath} ({@code ""} or {@code "/"} for the
   * root, otherwise like {@code /i/web-7}); takes effect immediately.
   *
   * @throws IllegalArgumentException when the base path is invalid or already used
   */
  public void mount(String basePath, KeyDatabase db) {
    Objects.requireNonNull(db, "db");
    String base = normalizeBasePath(basePath);
    if (mounts.putIfAbsent(base, new ElektradInstance(db, childrenQuirk)) != null) {
      throw new IllegalArgumentException("a database is already mounted at '" + base + "'");
    }
  }

  /** Stops serving the database at {@code basePath}; its requests answer 404 from now on. */
  public boolean unmount(String basePath) {
    return mounts.remove(normalizeBasePath(basePath)) != null;
  }

  /** The database mounted at {@code basePath}, if any. */
  public Optional<KeyDatabase> database(String basePath) {
    return Optional.ofNullable(mounts.get(normalizeBasePath(basePath))).map(ElektradInstance::database);
  }

  /** The number of sessions opened so far, over all mounted instances. */
  public long sessionsCreated() {
    return mounts.values().stream().mapToLong(ElektradInstance::sessionsCreated).sum();
  }

  /** The number of sessions the instance at {@code basePath} opened so far (0 when nothing is mounted there). */
  public long sessionsCreated(String basePath) {
    ElektradInstance i = mounts.get(normalizeBasePath(basePath));
    return i == null ? 0 : i.sessionsCreated();
  }

  /** Forgets every session, as a restarted elektrad does: the next request of each client opens a new one. */
  public void forgetSessions() {
    mounts.values().forEach(ElektradInstance::forgetSessions);
  }

  /** The number of HTTP requests received so far, whatever their answer. */
  public long requestsReceived() {
    return requests.get();
  }

  /** The delay applied to every routed request. */
  public Duration delay() {
    return delay;
  }

  /** Changes the delay applied to every routed request from now on. */
  public void delay(Duration newDelay) {
    this.delay = checkDelay(newDelay);
  }

  /** Stops the server and releases its port; idempotent. */
  public void stop() {
    app.stop();
    scheduler.shutdownNow();
    workers.shutdown();
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "ElektradServer[" + url() + ", " + mounts.size() + " instance(s)]";
  }

  // --- request handling ---

  private enum Route { DOC, VERSION, KDB, KDB_ALL, KDB_FIND, KDB_MV, KDB_META, KDB_META_BULK }

  private void handle(Context ctx) {
    requests.incrementAndGet();
    String raw = ctx.req().getRequestURI();
    String rawQuery = ctx.req().getQueryString();
    Map.Entry<String, ElektradInstance> mount = findMount(raw);
    if (mount == null) {
      write(ctx, Reply.notFound(), null);
      return;
    }
    String rest = raw.substring(mount.getKey().length());
    Optional<String> decoded = GoPaths.percentDecode(rest.isEmpty() ? "/" : rest);
    if (decoded.isEmpty()) {
      write(ctx, new Reply(400, Optional.of(Reply.TEXT), "400 Bad Request".getBytes(StandardCharsets.UTF_8),
          Optional.empty()), null);
      return;
    }
    String path = decoded.get();
    String clean = GoPaths.cleanPath(path);
    if (!clean.equals(path)) {
      write(ctx, Reply.cleanRedirect(mount.getKey() + clean + (rawQuery == null ? "" : "?" + rawQuery)), null);
      return;
    }
    String method = ctx.req().getMethod();
    Route route;
    String arg;
    if (path.equals("/")) {
      route = Route.DOC;
      arg = "";
    } else if (path.equals("/version")) {
      route = Route.VERSION;
      arg = "";
    } else if (path.equals("/kdb")) {
      route = Route.KDB;
      arg = "";
      if (!method.equals("GET")) {
        write(ctx, Reply.empty(405), null);
        return;
      }
    } else if (path.startsWith("/kdb/")) {
      route = Route.KDB;
      arg = path.substring(5);
    } else if (path.startsWith("/kdbAll/")) {
      route = Route.KDB_ALL;
      arg = path.substring(8);
    } else if (path.startsWith("/kdbFind/")) {
      route = Route.KDB_FIND;
      arg = path.substring(9);
    } else if (path.startsWith("/kdbMv/")) {
      route = Route.KDB_MV;
      arg = path.substring(7);
    } else if (path.startsWith("/kdbMeta/")) {
      route = Route.KDB_META;
      arg = path.substring(9);
    } else if (path.startsWith("/kdbMetaBulk/")) {
      route = Route.KDB_META_BULK;
      arg = path.substring(13);
    } else {
      write(ctx, Reply.notFound(), null);
      return;
    }
    if (!allowed(route, method)) {
      write(ctx, Reply.empty(405), null);
      return;
    }
    byte[] body = ctx.bodyAsBytes();
    Optional<String> preload = GoPaths.queryParam(rawQuery, "preload");
    ElektradInstance instance = mount.getValue();
    Optional<String> cookie = Optional.ofNullable(ctx.cookie("session"));
    ElektradInstance.Opened opened = instance.session(cookie, sessionIds.get(), clock.millis());
    Session session = opened.session();
    String setCookie = opened.created() ? "session=" + session.id + "; Max-Age=3600; HttpOnly" : null;
    Duration wait = delay;
    // one request of a session at a time: each waits for the previous one (its tail) to finish
    CompletableFuture<Reply> answer = new CompletableFuture<>();
    CompletableFuture<?> previous;
    synchronized (session) {
      previous = session.tail;
      session.tail = answer;
    }
    String mountPath = mount.getKey();
    Supplier<Reply> run = () -> {
      try {
        Reply reply = dispatch(instance, route, method, arg, preload, body, session);
        if (!method.equals("GET") && reply.status() < 300) {
          writes.written(mountPath, method, path, new String(body, StandardCharsets.UTF_8));
        }
        return reply;
      } catch (RuntimeException e) {
        LOG.warn("elektrad stand-in failed on {} {}", method, raw, e);
        return Reply.empty(500);
      }
    };
    if (wait.isZero() && previous.isDone()) {
      // the common case: answered on this thread, without suspending the request
      Reply reply = run.get();
      answer.complete(reply);
      write(ctx, reply, setCookie);
      return;
    }
    previous.handle((x, e) -> null)
        .thenCompose(x -> delayed(wait))
        .thenApply(x -> run.get())
        .whenComplete((reply, error) -> answer.complete(reply != null ? reply : Reply.empty(500)));
    ctx.future(() -> answer.thenAccept(reply -> write(ctx, reply, setCookie)));
  }

  private static boolean allowed(Route route, String method) {
    return switch (route) {
      case DOC, VERSION, KDB_FIND -> method.equals("GET");
      case KDB -> method.equals("GET") || method.equals("PUT") || method.equals("DELETE");
      case KDB_ALL -> method.equals("PUT");
      case KDB_MV, KDB_META_BULK -> method.equals("POST");
      case KDB_META -> method.equals("POST") || method.equals("DELETE");
    };
  }

  private static Reply dispatch(ElektradInstance instance, Route route, String method, String arg,
      Optional<String> preload, byte[] body, Session session) {
    return switch (route) {
      case DOC -> Reply.docRedirect();
      case VERSION -> instance.version();
      case KDB -> switch (method) {
        case "GET" -> instance.get(arg, preload);
        case "PUT" -> instance.put(arg, body, session);
        default -> instance.delete(arg, session);
      };
      case KDB_ALL -> instance.putAll(arg, body, session);
      case KDB_FIND -> instance.find(arg);
      case KDB_MV -> instance.move(arg, body, session);
      case KDB_META -> method.equals("POST") ? instance.setMeta(arg, body, session)
          : instance.deleteMeta(arg, body, session);
      case KDB_META_BULK -> instance.setMetaBulk(arg, body, session);
    };
  }

  private CompletableFuture<Void> delayed(Duration wait) {
    if (wait.isZero()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      scheduler.schedule(() -> workers.execute(() -> done.complete(null)), wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      done.complete(null); // stopping: answer at once
    }
    return done;
  }

  private static void write(Context ctx, Reply reply, String setCookie) {
    ctx.status(reply.status());
    if (setCookie != null) {
      ctx.res().addHeader("Set-Cookie", setCookie);
    }
    reply.location().ifPresent(l -> ctx.header("Location", l));
    if (reply.contentType().isPresent()) {
      ctx.contentType(reply.contentType().get());
    } else {
      ctx.res().setContentType(null);
    }
    if (reply.status() == 404 && reply.contentType().isPresent()) {
      ctx.header("X-Content-Type-Options", "nosniff");
    }
    ctx.result(reply.body());
  }

  /** The mount serving {@code rawPath}: the longest base path that is the path or a prefix ending at '/'. */
  private Map.Entry<String, ElektradInstance> findMount(String rawPath) {
    ElektradInstance exact = mounts.get(rawPath);
    if (exact != null && !rawPath.isEmpty()) {
      return Map.entry(rawPath, exact);
    }
    for (int i = rawPath.lastIndexOf('/'); i > 0; i = rawPath.lastIndexOf('/', i - 1)) {
      String base = rawPath.substring(0, i);
      ElektradInstance m = mounts.get(base);
      if (m != null) {
        return Map.entry(base, m);
      }
    }
    ElektradInstance root = mounts.get("");
    return root == null ? null : Map.entry("", root);
  }

  private static final class GoContentType extends Handler.Wrapper {
    GoContentType(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Response goStyle = new Response.Wrapper(request, response) {
        private boolean fixed;

        @Override
        public void write(boolean last, ByteBuffer content, Callback written) {
          if (!fixed) {
            fixed = true;
            HttpFields.Mutable headers = getHeaders();
            String type = headers.get(HttpHeader.CONTENT_TYPE);
            if (type != null && type.contains(";charset=")) {
              headers.put(HttpHeader.CONTENT_TYPE, type.replace(";charset=", "; charset="));
            }
          }
          super.write(last, content, written);
        }
      };
      return super.handle(request, goStyle, callback);
    }
  }

  private static String normalizeBasePath(String basePath) {
    Objects.requireNonNull(basePath, "basePath");
    String b = basePath;
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    if (b.isEmpty()) {
      return "";
    }
    if (!b.startsWith("/") || b.contains("//") || b.contains("?") || b.contains("#") || b.contains(" ")
        || !GoPaths.cleanPath(b).equals(b)) {
      throw new IllegalArgumentException("invalid base path '" + basePath + "': write it like /i/web-7");
    }
    return b;
  }

  private static String urlHost(String bindHost) {
    if (bindHost.equals("0.0.0.0") || bindHost.isEmpty()) {
      return "127.0.0.1";
    }
    if (bindHost.equals("::")) {
      return "[::1]";
    }
    return bindHost.contains(":") && !bindHost.startsWith("[") ? "[" + bindHost + "]" : bindHost;
  }

  private static Duration checkDelay(Duration d) {
    Objects.requireNonNull(d, "delay");
    if (d.isNegative()) {
      throw new IllegalArgumentException("the delay must not be negative: " + d);
    }
    return d;
  }

  /**
   * Configures and starts an {@link ElektradServer}. Not thread-safe; build once.
   *
   * <pre>{@code
   * ElektradServer s = ElektradServer.builder().port(0).mount("/i/a", dbA).mount("/i/b", dbB)
   *     .delay(Duration.ofMillis(2)).start();
   * }</pre>
   */
  /** Hears of each write a database applied: its mount path, the method, the decoded path and the body. */
  @FunctionalInterface
  public interface WriteListener {
    void written(String mountPath, String method, String path, String body);
  }

  public static final class Builder {
    private String bindHost = "127.0.0.1";
    private int port;
    private final Map<String, KeyDatabase> mounts = new LinkedHashMap<>();
    private Duration delay = Duration.ZERO;
    private boolean childrenQuirk = true;
    private Supplier<String> sessionIds = () -> UUID.randomUUID().toString();
    private Clock clock = Clock.systemUTC();
    private Duration idleTimeout = Duration.ZERO;
    private WriteListener writes = (mountPath, method, path, body) -> { };

    private Builder() {}

    /** Told of every write the server applied, in the order applied per database (default: nobody). */
    public Builder onWrite(WriteListener listener) {
      this.writes = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The address to listen on (default {@code 127.0.0.1}). */
    public Builder bindHost(String host) {
      this.bindHost = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /** Serves {@code db} below {@code basePath} ({@code ""} for the root). */
    public Builder mount(String basePath, KeyDatabase db) {
      String base = normalizeBasePath(basePath);
      if (mounts.putIfAbsent(base, Objects.requireNonNull(db, "db")) != null) {
        throw new IllegalArgumentException("a database is already mounted at '" + base + "'");
      }
      return this;
    }

    /** Delays every routed request by {@code delay} (default none), without holding a server thread. */
    public Builder delay(Duration delay) {
      this.delay = checkDelay(delay);
      return this;
    }

    /**
     * Whether lookups leave out children as elektrad 0.11.0 does (default true: the key following each
     * child's subtree is missing from {@code children}); false answers every direct child.
     */
    public Builder elektrad011Children(boolean quirk) {
      this.childrenQuirk = quirk;
      return this;
    }

    /** Where new session ids come from (default random UUIDs). */
    public Builder sessionIds(Supplier<String> ids) {
      this.sessionIds = Objects.requireNonNull(ids, "ids");
      return this;
    }

    /** The clock that ages sessions (they expire an hour after their last use). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How long a kept-alive connection may stay idle before the server closes it, as a host's keep-alive
     * timeout; default (zero) Jetty's own, 30 s.
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("the idle timeout must not be negative, was " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Starts the server. */
    public ElektradServer start() {
      return new ElektradServer(this);
    }
  }
}

package io.clusterd.http;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.http.internal.ApiRoutes;
import io.clusterd.http.internal.Auth;
import io.clusterd.http.internal.Json;
import io.clusterd.http.internal.JsonErrorHandler;
import io.clusterd.http.internal.Metrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.clusterd.spi.TransportFactory;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinBindException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import io.clusterd.http.internal.TlsFiles;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusterd daemon's HTTP server: the REST API of {@code docs/http-api.md} over a {@link Clusterd} facade, with
 * bearer-token and session authentication, request limits, JSON errors and an access log, plus the web client at
 * {@code /}.
 *
 * <pre>{@code
 * try (Clusterd clusterd = Clusterd.builder().discoverTransports(loader).build();
 *      ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
 *   System.out.println(server.url());
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing stops the server; the facade stays open (its owner closes it).
 */
public final class ClusterdServer implements AutoCloseable {
  private static final Logger ACCESS = LoggerFactory.getLogger("io.clusterd.access");
  private static final String VERSION = Optional.ofNullable(ClusterdServer.class.getPackage().getImplementationVersion())
      .orElse("0.1.0");

  private static final Logger LOG = LoggerFactory.getLogger(ClusterdServer.class);
  /** {@code Strict-Transport-Security: max-age} under TLS: one year. */
  static final long HSTS_MAX_AGE_SECONDS = 31_536_000;

  private final Javalin app;
  private final ApiRoutes api;
  private final ServerConfig config;
  private final Metrics metrics;
  private final SslContextFactory.Server ssl;
  private final ScheduledExecutorService tlsWatcher;
  private String tlsFingerprint;

  private ClusterdServer(Javalin app, ApiRoutes api, ServerConfig config, Metrics metrics,
      SslContextFactory.Server ssl) {
    this.app = app;
    this.api = api;
    this.config = config;
    this.metrics = metrics;
    this.ssl = ssl;
    this.tlsFingerprint = config.tls().map(TlsFiles::fingerprint).orElse(null);
    Duration every = config.tls().map(ServerConfig.Tls::reloadCheck).orElse(Duration.ZERO);
    if (ssl != null && !every.isZero()) {
      tlsWatcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clusterd-tls-reload");
        t.setDaemon(true);
        return t;
      });
      tlsWatcher.scheduleWithFixedDelay(this::reloadTlsIfChanged, every.toMillis(), every.toMillis(),
          TimeUnit.MILLISECONDS);
    } else {
      tlsWatcher = null;
    }
  }

  /** HTTPS on the daemon's port: the certificate of {@code tls}, HTTP/2 or HTTP/1.1, HSTS, SNI not required. */
  private static SslContextFactory.Server sslFactory(ServerConfig.Tls tls) {
    SslContextFactory.Server f = new SslContextFactory.Server();
    // ciphers HTTP/2 accepts first (RFC 9113 9.2.2): a client offering h2 is not refused for the suite chosen
    f.setCipherComparator(HTTP2Cipher.COMPARATOR);
    f.setKeyStore(TlsFiles.serverKeyStore(tls));
    f.setKeyStorePassword(TlsFiles.MEMORY_PASSWORD);
    f.setKeyManagerPassword(TlsFiles.MEMORY_PASSWORD);
    f.setSniRequired(false);
    return f;
  }

  private static Connector httpsConnector(Server server, HttpConfiguration http, SslContextFactory.Server ssl,
      ServerConfig config) {
    HttpConfiguration https = new HttpConfiguration(http);
    https.setSecureScheme("https");
    https.setSecurePort(config.port());
    // a client reaching the daemon by IP address sends no SNI; names are the client's to verify
    https.addCustomizer(new SecureRequestCustomizer(false, false, HSTS_MAX_AGE_SECONDS, false));
    // ALPN offers the protocols after it on the connector, in that order (h2 first, then http/1.1: their ALPN
    // names as the connector lists them); a client without ALPN speaks HTTP/1.1
    HttpConnectionFactory http1 = new HttpConnectionFactory(https);
    HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol(http1.getProtocol());
    ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, http2,
        http1);
    c.setHost(config.bind());
    c.setPort(config.port());
    return c;
  }

  /**
   * Reads the certificate and key files again and serves the new certificate to new connections; connections
   * already open keep theirs and are not dropped. What SIGHUP does; also run when the files change. A file that
   * cannot be read or does not fit keeps the certificate served now (the reason is logged and thrown).
   *
   * @throws IllegalStateException without TLS
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public synchronized void reloadTls() {
    if (ssl == null) {
      throw new IllegalStateException("the daemon serves plain HTTP: there is no certificate to reload");
    }
    ServerConfig.Tls tls = config.tls().orElseThrow();
    String fingerprint = TlsFiles.fingerprint(tls);
    java.security.KeyStore fresh = TlsFiles.serverKeyStore(tls);
    try {
      ssl.reload(f -> f.setKeyStore(fresh));
    } catch (Exception e) {
      throw new IllegalArgumentException("the new certificate cannot be served: " + e.getMessage(), e);
    }
    tlsFingerprint = fingerprint;
    LOG.info("TLS certificate reloaded");
  }

  /** Reloads the certificate when its files changed since the last load; answers whether it did. */
  public synchronized boolean reloadTlsIfChanged() {
    if (ssl == null || config.tls().map(TlsFiles::fingerprint).orElseThrow().equals(tlsFingerprint)) {
      return false;
    }
    try {
      reloadTls();
      return true;
    } catch (RuntimeException e) {
      // e.g. the certificate written but its key not yet: the next check tries again
      LOG.warn("the TLS files changed but cannot be used yet ({}); still serving the previous certificate",
          e.getMessage());
      return false;
    }
  }

  /**
   * Starts the server; sessions age on the system clock.
   *
   * @throws IllegalStateException when no token is configured and {@code bind} is not loopback
   */
  public static ClusterdServer start(Clusterd clusterd, ServerConfig config) {
    return start(clusterd, config, Clock.systemUTC(), List.of(), Optional.empty());
  }

  /**
   * Starts the server; with a demo, its {@code /api/demo} routes (take a stand-in down, bring it back) are served
   * too.
   *
   * @throws IllegalStateException when no token is configured and {@code bind} is not loopback
   */
  public static ClusterdServer start(Clusterd clusterd, ServerConfig config, Optional<DemoTree> demo) {
    return start(clusterd, config, Clock.systemUTC(), List.of(), demo);
  }

  /**
   * Starts the server with the clock that ages browser sessions and the transport factories {@code clusterd}
   * uses (the metrics report what the http transport counts, such as requests resent on a fresh connection).
   *
   * @throws IllegalStateException when no token is configured and {@code bind} is not loopback
   */
  public static ClusterdServer start(Clusterd clusterd, ServerConfig config, Clock clock,
      Collection<? extends TransportFactory> transports) {
    return start(clusterd, config, clock, transports, Optional.empty());
  }

  /**
   * Starts the server as {@link #start(Clusterd, ServerConfig, Clock, Collection)} does; with a demo, its
   * {@code /api/demo} routes (take a stand-in down, bring it back) are served too.
   *
   * @throws IllegalStateException when no token is configured and {@code bind} is not loopback
   */
  public static ClusterdServer start(Clusterd clusterd, ServerConfig config, Clock clock,
      Collection<? extends TransportFactory> transports, Optional<DemoTree> demo) {
    Objects.requireNonNull(clusterd, "clusterd");
    config.checkSafeToListen();
    // on a store several daemons share, browser sessions are kept there: they work on every daemon
    Auth auth = new Auth(config.tokens(), config.registerKey(), config.sessionIdle(), config.sessionMax(), clock,
        clusterd.membership().map(io.clusterd.core.ClusterMember::sessions));
    Metrics metrics = new Metrics(clusterd);
    // one factory serves several schemes (http and https): its meters are registered once
    for (TransportFactory f : new java.util.LinkedHashSet<TransportFactory>(transports)) {
      if (f instanceof HttpTransportFactory http) {
        metrics.httpTransport(http);
      }
    }
    ApiRoutes api = new ApiRoutes(clusterd, config, auth, metrics, VERSION, demo);
    SslContextFactory.Server ssl = config.tls().map(ClusterdServer::sslFactory).orElse(null);
    Javalin app = Javalin.create(cfg -> {
      if (ssl != null) {
        cfg.jetty.addConnector((server, http) -> httpsConnector(server, http, ssl, config));
      }
      cfg.startup.showJavalinBanner = false;
      cfg.http.maxRequestSize = config.maxBodyBytes() * 4;
      cfg.http.prefer405over404 = true; // a known path with another method: 405 METHOD_NOT_ALLOWED
      cfg.jetty.modifyHttpConfiguration(h -> h.setUriCompliance(UriCompliance.LEGACY));
      cfg.jetty.modifyServletContextHandler(h -> h.getServletHandler().setDecodeAmbiguousURIs(true));
      cfg.staticFiles.add(s -> {
        s.hostedPath = "/";
        s.directory = "/web";
        s.location = Location.CLASSPATH;
      });
      cfg.requestLogger.http((ctx, ms) -> {
        metrics.request(ctx.method().name(), routeOf(ctx), ctx.status().getCode(),
            java.time.Duration.ofNanos((long) (ms * 1_000_000)));
        // reads are DEBUG (the web client polls the tree every 2 s); writes and errors are INFO
        boolean read = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD
            || ctx.method() == HandlerType.OPTIONS;
        boolean info = !read || ctx.status().getCode() >= 400;
        if (info ? ACCESS.isInfoEnabled() : ACCESS.isDebugEnabled()) {
          Auth.Principal p = ctx.attribute("principal");
          String who = p == null ? "-" : p.name();
          if (info) {
            ACCESS.info("{} {} {} {}ms {}", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms), who);
          } else {
            ACCESS.debug("{} {} {} {}ms {}", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms), who);
          }
        }
      });
      cfg.routes.before("/api/*", ctx -> guard(ctx, auth, config, api));
      cfg.routes.before("/metrics", ctx -> guard(ctx, auth, config, api));
      clusterd.membership().ifPresent(member -> cfg.routes.before("/api/*", ctx -> {
        // a daemon cut off from the shared store still answers reads, from a tree that may be behind
        if (!member.storeReachable()) {
          ctx.header(STALE, "store unreachable");
        }
      }));
      api.register(cfg.routes);
      cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
    });
    try {
      app.start(config.bind(), config.port());
    } catch (RuntimeException e) {
      app.stop();
      api.close();
      metrics.close();
      throw cannotListen(config, e);
    }
    ClusterdServer server = new ClusterdServer(app, api, config, metrics, ssl);
    clusterd.membership().filter(m -> m.address().isEmpty()).ifPresent(m -> m.advertise(server.url()));
    return server;
  }

  /** Marks an answer of a daemon that does not reach its shared store: the data may be behind. */
  public static final String STALE = "X-Clusterd-Stale";

  /**
   * Refuses an address the server could never listen on (not an IP address and no known host name), before
   * anything starts.
   *
   * @throws IllegalStateException naming the address
   */
  static void checkAddress(String bind) {
    try {
      InetAddress.getByName(bind);
    } catch (UnknownHostException | SecurityException e) {
      throw new IllegalStateException("cannot listen on " + bind
          + ": it is neither an IP address nor a known host name (use e.g. --bind 127.0.0.1 or --bind 0.0.0.0)");
    }
  }

  /** One line saying why the server could not listen. */
  private static IllegalStateException cannotListen(ServerConfig config, RuntimeException e) {
    String where = config.bind() + ":" + config.port();
    BindException bind = null;
    boolean javalinBind = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      javalinBind |= t instanceof JavalinBindException;
      if (t instanceof BindException b) {
        bind = b;
      }
      if (t instanceof UnresolvedAddressException) {
        return new IllegalStateException("cannot listen on " + where + ": " + config.bind() + " cannot be resolved", e);
      }
    }
    String why = bind == null ? "" : String.valueOf(bind.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (why.contains("in use") || bind == null && javalinBind) {
      return new IllegalStateException("cannot listen on " + where + ": the port is in use (by another clusterd, "
          + "a running --demo, or another program); choose another with --port", e);
    }
    if (bind != null) {
      return new IllegalStateException("cannot listen on " + where + ": " + config.bind()
          + " is not an address of this host (" + bind.getMessage() + ")", e);
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return new IllegalStateException("cannot listen on " + where + ": "
        + Optional.ofNullable(root.getMessage()).orElse(root.getClass().getSimpleName()), e);
  }

  private static String routeOf(Context ctx) {
    try {
      var e = ctx.endpoints().lastHttpEndpoint();
      return e == null ? "unmatched" : e.path;
    } catch (RuntimeException ex) {
      return "unmatched";
    }
  }

  /** Method and path of every HTTP route Javalin actually serves (for the OpenAPI sync test). */
  List<String> servedRoutes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        .map(p -> p.endpoint.method.name() + " " + p.endpoint.path).toList();
  }

  /** Authentication, roles, scopes and body limits, before every /api route. */
  private static void guard(Context ctx, Auth auth, ServerConfig config, ApiRoutes api) {
    String length = ctx.header("Content-Length");
    if (length != null) {
      try {
        long declared = Long.parseLong(length.strip());
        if (declared > config.maxBodyBytes()) {
          if (declared <= config.maxBodyBytes() * 4) {
            // read what the client is still sending, so it receives the 413 instead of a reset connection
            ctx.bodyAsBytes();
          }
          throw tooLarge(config);
        }
      } catch (NumberFormatException e) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "invalid Content-Length header");
      }
    } else if (ctx.method() != HandlerType.GET && ctx.bodyAsBytes().length > config.maxBodyBytes()) {
      throw tooLarge(config);
    }
    if (!auth.enabled()) {
      return;
    }
    String path = ctx.path();
    if (ApiRoutes.PUBLIC_PATHS.contains(path)) {
      return;
    }
    Optional<Auth.Principal> p = Optional.empty();
    String header = ctx.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      p = Optional.of(auth.authenticate(header.substring(7).strip(), ctx.ip(), "the bearer token"));
    } else {
      String session = ctx.cookie("clusterd_session");
      p = auth.bySession(session);
      if (p.isEmpty() && session != null && !session.isEmpty()) {
        throw ClusterdException.of(ErrorCode.NEED_AUTHENTICATION,
            "the session has expired or was closed: sign in again with POST /api/session");
      }
    }
    if (p.isEmpty()) {
      throw ClusterdException.of(ErrorCode.NEED_AUTHENTICATION,
          "authentication needed: send 'Authorization: Bearer <token>' or sign in with POST /api/session");
    }
    ctx.attribute("principal", p.get());
    boolean write = ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD
        && ctx.method() != HandlerType.OPTIONS;
    if (write && p.get().role() != ServerConfig.Role.ADMIN) {
      throw ClusterdException.of(ErrorCode.FORBIDDEN,
          "token '" + p.get().name() + "' has the read role; this request needs admin");
    }
    api.checkScopes(ctx);
  }

  private static ClusterdException tooLarge(ServerConfig config) {
    return ClusterdException.of(ErrorCode.PAYLOAD_TOO_LARGE,
        "the request body is larger than " + config.maxBodyBytes() + " bytes", Map.of("limit", config.maxBodyBytes()));
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:33334} ({@code https://} under TLS). */
  public String url() {
    String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
    if (host.equals("0.0.0.0")) {
      host = "127.0.0.1";
    }
    return (ssl == null ? "http://" : "https://") + host + ":" + port();
  }

  /** The API routes this server registered (method, path, summary). */
  public List<ApiRoutes.Route> routes() {
    return api.routes();
  }

  @Override
  public void close() {
    if (tlsWatcher != null) {
      tlsWatcher.shutdownNow();
    }
    api.close();
    app.stop();
    metrics.close();
  }
}

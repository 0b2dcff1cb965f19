package io.clusterd.http;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import io.clusterd.ClusterdException;
import io.clusterd.core.guice.ClusterdModule;
import io.clusterd.core.guice.TransportBinder;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.TransportFactory;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.TransportRegistry;
import io.clusterd.core.store.postgresql.PostgresStore;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.http.internal.PluginLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The daemon's command line: {@code java -jar clusterd.jar [options]} runs the daemon,
 * {@code java -jar clusterd.jar instance --port P} runs one stand-in elektrad. Options may also come from a
 * properties file ({@code --config}); flags win. Exit codes: 0 normal stop, 1 failure at start, 2 usage error,
 * 75 lost the leadership of a shared store (restart it to join as a follower).
 */
@Command(name = "clusterd", mixinStandardHelpOptions = true, version = "clusterd 0.1.0",
    description = "Runs the clusterd daemon: one point of entry that manages the configuration of many Elektra hosts.",
    subcommands = {InstanceCommand.class, HashTokenCommand.class, io.clusterd.http.cli.CtlCommand.class})
public final class Main implements Callable<Integer> {
  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  private static final String KEEP_ALIVE = "jdk.httpclient.keepalive.timeout";

  @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})", defaultValue = "33334")
  int port;

  @Option(names = "--bind", description = "address to listen on (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1")
  String bind;

  @Option(names = "--data-dir", description = "directory of the embedded database (default ${DEFAULT-VALUE})",
      defaultValue = "clusterd-data")
  Path dataDir;

  @Option(names = "--store", paramLabel = "URL", description = "the registry in a PostgreSQL database that several"
      + " daemons share, postgresql://host:5432/db?user=NAME&password=SECRET or a jdbc:postgresql: URL"
      + " (default: the embedded database in --data-dir)")
  String store;

  @Option(names = "--advertise", paramLabel = "URL", description = "with --store: the address the other daemons"
      + " forward mutations to (default: the address this daemon listens on)")
  String advertise;

  @Option(names = "--member-id", paramLabel = "ID", description = "with --store: this daemon's name among the daemons"
      + " sharing it (default: host name and port)")
  String memberId;

  @Option(names = "--config", description = "properties file with the same option names (port=..., data-dir=...)")
  Path config;

  @Option(names = "--token", description = "NAME:ROLE:SECRET[:SCOPE,...], role read or admin, scopes limit it to"
      + " those clusters; SECRET may be a hash from hash-token; repeatable")
  List<String> tokens = new ArrayList<>();

  @Option(names = "--token-file", description = "file with one NAME:ROLE:SECRET[:SCOPE,...] per line")
  Path tokenFile;

  @Option(names = "--register-key", description = "key instances use to register themselves (POST /api/register)")
  String registerKey;

  @Option(names = "--max-in-flight", description = "bound on requests in flight to instances (default ${DEFAULT-VALUE})",
      defaultValue = "256")
  int maxInFlight;

  @Option(names = "--max-subscribers", description = "bound on open GET /api/events streams (default ${DEFAULT-VALUE})",
      defaultValue = "64")
  int maxSubscribers;

  @Option(names = "--timeout", description = "response timeout per instance request, e.g. 10s (default ${DEFAULT-VALUE})",
      defaultValue = "10s", converter = DurationConverter.class)
  Duration timeout;

  @Option(names = "--connect-timeout", description = "connect timeout, e.g. 2s (default ${DEFAULT-VALUE})",
      defaultValue = "2s", converter = DurationConverter.class)
  Duration connectTimeout;

  @Option(names = "--keep-alive", description = "how long an idle connection to an instance is kept for reuse; keep it"
      + " below the hosts' keep-alive timeout, at least 1s (default ${DEFAULT-VALUE})",
      defaultValue = "20s", converter = DurationConverter.class)
  Duration keepAlive;

  @Option(names = "--session-idle", description = "a browser session ends this long after its last request"
      + " (default ${DEFAULT-VALUE})", defaultValue = "1h", converter = DurationConverter.class)
  Duration sessionIdle;

  @Option(names = "--session-max", description = "a browser session ends this long after sign-in, however busy"
      + " (default ${DEFAULT-VALUE})", defaultValue = "12h", converter = DurationConverter.class)
  Duration sessionMax;

  @Option(names = "--reconcile-every", description = "reconciler period, 0 switches it off (default ${DEFAULT-VALUE})",
      defaultValue = "30s", converter = DurationConverter.class)
  Duration reconcileEvery;

  @Option(names = "--allow-hosts", split = ",", description = "glob patterns of instance endpoints that may be registered")
  List<String> allowHosts = new ArrayList<>();

  @Option(names = "--instance", description = "register this elektrad URL as instance 'my' (single-instance mode)")
  String instance;

  @Option(names = "--demo", description = "start a demo tree of stand-in instances on loopback")
  boolean demo;

  @Option(names = "--demo-ports", paramLabel = "FROM",
      description = "with --demo: the stand-ins listen on FROM and the 11 ports after it (default: free ports)")
  Integer demoPorts;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
      description = "error, warn, info (writes and errors), debug (also every read) or trace (default ${DEFAULT-VALUE})")
  String logLevel;

  @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "plain",
      description = "plain or json (one JSON object per line, for log shippers) (default ${DEFAULT-VALUE})")
  String logFormat;

  /** The demo's stand-ins, started before the wiring so the server serves the demo routes. */
  private DemoTree demoTree;

  @Option(names = "--plugins", description = "directory of transport plugin jars: each *.jar in it is loaded "
      + "(ServiceLoader, META-INF/services/io.clusterd.spi.TransportFactory); broken ones are reported and skipped")
  Path plugins;

  static {
    // The http transport needs no flag (it completes answers on threads of its own when the common pool has fewer
    // than two threads), but with two it uses sendAsync, which holds no thread per request in flight: up to 256
    // fewer threads in a large fan-out, so a smaller daemon. Set before first use.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests and embedding). */
  public static int run(String... args) {
    CommandLine cmd = commandLine();
    try {
      Optional<Path> cfg = configFile(args);
      if (cfg.isPresent()) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(cfg.get())) {
          props.load(in);
        }
        cmd.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(props));
      }
    } catch (IOException e) {
      cmd.getErr().println("clusterd: cannot read the config file: " + e.getMessage());
      return 2;
    }
    return cmd.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setExecutionExceptionHandler((e, c, parse) -> {
      c.getErr().println("clusterd: " + reason(e));
      return e instanceof UsageException ? 2 : 1;
    });
    // a usage error is one line too: what is wrong, and where the options are listed
    cmd.setParameterExceptionHandler((e, args) -> {
      e.getCommandLine().getErr().println("clusterd: " + e.getMessage() + " (clusterd --help lists the options)");
      return 2;
    });
    return cmd;
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** A usage error (exit code 2) found after parsing. */
  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** One line saying why the daemon could not start, also through Guice's wrapping exceptions. */
  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ClusterdException || t instanceof IllegalStateException || t instanceof IllegalArgumentException
          || t instanceof UsageException) {
        return t.getMessage();
      }
    }
    return e.toString();
  }

  private static Optional<Path> configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Optional.of(Path.of(args[i + 1]));
      }
      if (args[i].startsWith("--config=")) {
        return Optional.of(Path.of(args[i].substring("--config=".length())));
      }
    }
    return Optional.empty();
  }

  /** Bad option values found after parsing: one line on stderr and exit code 2, as picocli's own usage errors. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() throws Exception {
    configureLogs();
    if (demoPorts != null && !demo) {
      throw usage("--demo-ports needs --demo");
    }
    if (demoPorts != null && (demoPorts < 1 || demoPorts > 65535 - DemoTree.SIZE + 1)) {
      throw usage("--demo-ports must be 1.." + (65535 - DemoTree.SIZE + 1) + " (the demo uses " + DemoTree.SIZE
          + " ports from it): " + demoPorts);
    }
    ClusterdServer.checkAddress(bind);
    ServerConfig serverConfig = serverConfig();
    List<ServerConfig.Token> parsed = serverConfig.tokens();
    warnAboutSecretsOnFlags(System.err);
    if (System.getProperty(KEEP_ALIVE) == null) {
      // read by the JDK when the first HTTP client is built, which is after this: the transport drops idle
      // connections before the hosts close them (a request on a connection closing under it gets no answer)
      System.setProperty(KEEP_ALIVE, Long.toString(keepAlive.toSeconds()));
    }
    if (parsed.isEmpty() && !serverConfig.bindsLoopbackOnly()) {
      throw new IllegalStateException("refusing to listen on " + bind
          + " without authentication: configure at least one --token, or bind to 127.0.0.1");
    }
    if (store == null) {
      checkDataDir(dataDir);
    }
    List<PluginLoader.Plugin> loadedPlugins = loadPlugins(System.err);
    if (demo) {
      demoTree = DemoTree.startStandIns(demoPorts == null ? OptionalInt.empty() : OptionalInt.of(demoPorts));
    }
    List<AutoCloseable> closeables = new ArrayList<>();
    Optional.ofNullable(demoTree).ifPresent(closeables::add);
    Injector injector;
    try {
      injector = wire(loadedPlugins, serverConfig);
    } catch (RuntimeException e) {
      closeAll(closeables);
      throw e;
    }
    Clusterd clusterd = injector.getInstance(Clusterd.class);
    ClusterdServer server;
    try {
      if (demoTree != null) {
        demoTree.register(clusterd);
      }
      if (instance != null && clusterd.node("my").isEmpty()) {
        clusterd.registerInstance(InstanceSpec.of("my", instance).withId("my"));
      }
      server = injector.getInstance(ClusterdServer.class);
    } catch (RuntimeException e) {
      closeAll(closeables);
      clusterd.close();
      throw e;
    }
    reloadTlsOnHangup(server);
    PrintWriter out = new PrintWriter(System.out, true);
    out.println("clusterd listening on " + server.url());
    out.println("  web client: " + server.url() + "/");
    out.println("  API:        " + server.url() + "/api/tree");
    if (store == null) {
      out.println("  data:       " + dataDir.toAbsolutePath());
    } else {
      clusterd.membership().ifPresent(m -> out.println("  store:      " + m.status().store() + " as member "
          + m.id() + " (" + m.status().role() + ")"));
    }
    for (PluginLoader.Plugin p : loadedPlugins) {
      out.println("  plugin:     " + p.jar().getFileName() + " serves " + String.join(", ", new TreeSet<>(p.schemes()))
          + " (" + p.factory().getClass().getName() + ")");
    }
    if (parsed.isEmpty()) {
      out.println("  no tokens configured: listening on loopback only, without authentication");
    }
    // every instance is probed now, not one reconciler period from now: status and pending writes are current
    clusterd.reconcile();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      clusterd.close();
      closeAll(closeables);
      stopped.countDown();
    }, "clusterd-shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * The server's configuration from the options.
   *
   * @throws UsageException for a malformed token, two tokens sharing a secret, or an option value out of range
   */
  ServerConfig serverConfig() throws IOException {
    try {
      List<ServerConfig.Token> parsed = new ArrayList<>();
      for (String t : tokens) {
        try {
          parsed.add(ServerConfig.Token.parse(t));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--token: " + e.getMessage(), e);
        }
      }
      if (tokenFile != null) {
        for (String line : Files.readAllLines(tokenFile)) {
          if (!line.isBlank() && !line.startsWith("#")) {
            parsed.add(ServerConfig.Token.parse(line.strip()));
          }
        }
      }
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("--max-in-flight must be at least 1");
      }
      if (maxSubscribers < 1) {
        throw new IllegalArgumentException("--max-subscribers must be at least 1");
      }
      if (keepAlive.toSeconds() < 1) {
        throw new IllegalArgumentException("--keep-alive must be at least 1s, e.g. 20s");
      }
      return withTls(new ServerConfig(bind, port, parsed, Optional.ofNullable(registerKey), allowHosts,
          ServerConfig.DEFAULT_MAX_BODY, Optional.ofNullable(instance).map(x -> "my"), sessionIdle, sessionMax));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** Sets up logging from {@code --log-level} and {@code --log-format}, before anything logs. */
  private void configureLogs() {
    Logs.Format format = switch (logFormat.toLowerCase(java.util.Locale.ROOT)) {
      case "plain" -> Logs.Format.PLAIN;
      case "json" -> Logs.Format.JSON;
      default -> throw usage("--log-format must be plain or json, not '" + logFormat + "'");
    };
    try {
      Logs.configure(Logs.level(logLevel), format);
    } catch (IllegalArgumentException e) {
      throw usage("--log-level: " + e.getMessage());
    }
  }

  /** Creates the data directory when missing; says why it cannot be used (in one line) otherwise. */
  static void checkDataDir(Path dir) {
    String why = null;
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      why = "it is a file, not a directory";
    } else {
      try {
        Files.createDirectories(dir);
      } catch (java.nio.file.AccessDeniedException e) {
        why = "permission denied creating " + e.getFile();
      } catch (java.nio.file.FileAlreadyExistsException e) {
        why = e.getFile() + " exists and is not a directory";
      } catch (java.nio.file.FileSystemException e) {
        why = "cannot create " + e.getFile() + ": " + (e.getReason() != null ? e.getReason()
            : "the file system refuses (read-only, or a virtual file system such as /proc)");
      } catch (IOException e) {
        why = "cannot create it: " + e;
      }
    }
    if (why == null && !Files.isWritable(dir)) {
      why = "it is not writable by this user";
    }
    if (why != null) {
      throw new IllegalStateException("cannot use data directory " + dir + ": " + why + " (choose another with --data-dir)");
    }
  }

  /** The transport plugins of {@code --plugins} (none without it); each broken one is reported on {@code err}. */
  List<PluginLoader.Plugin> loadPlugins(PrintStream err) {
    return plugins == null ? List.of() : PluginLoader.load(plugins, Main.class.getClassLoader(), err);
  }

  /**
   * The daemon's Guice wiring: the core module (embedded store, built-in transports, the plugins' factories,
   * the options of this command line) and the HTTP module. The server starts when first requested.
   *
   * @throws IllegalArgumentException when a plugin serves a scheme of a built-in transport (naming both)
   */
  Injector wire(List<PluginLoader.Plugin> loadedPlugins, ServerConfig serverConfig) {
    // plugins are bound beside the built-in transports: one that serves a built-in scheme is refused, naming both
    TransportRegistry bound = new TransportRegistry();
    ClusterdModule.builtInTransports().forEach(f -> bound.add(f, TransportRegistry.Rank.GUICE, "built in"));
    loadedPlugins.forEach(p -> bound.add(p.factory(), TransportRegistry.Rank.GUICE,
        "plugin " + p.jar().getFileName()));
    bound.resolve();
    RegistryStore store = openStore();
    try {
      return Guice.createInjector(
          new ClusterdModule(b -> {
            b.maxInFlight(maxInFlight).responseTimeout(timeout).connectTimeout(connectTimeout)
                .reconcileEvery(reconcileEvery).maxSubscribers(maxSubscribers);
            if (this.store != null) {
              b.member(memberId != null ? memberId : defaultMemberId(), advertise != null ? advertise : "")
                  .onLostLeadership(Main::haltAfterLostLeadership);
            }
          }, new HttpTransportFactory(serverConfig.addressPolicy(), instanceTls())),
          new ClusterdHttpModule(serverConfig),
          binder -> {
            OptionalBinder.newOptionalBinder(binder, RegistryStore.class).setBinding().toInstance(store);
            if (demoTree != null) {
              OptionalBinder.newOptionalBinder(binder, DemoTree.class).setBinding().toInstance(demoTree);
            }
            TransportBinder transports = TransportBinder.of(binder);
            for (PluginLoader.Plugin p : loadedPlugins) {
              transports.add(p.factory());
            }
          });
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The store of {@code --store} (PostgreSQL, shared by several daemons), else the embedded one of --data-dir. */
  private RegistryStore openStore() {
    if (store == null) {
      return SqliteStore.open(dataDir);
    }
    if (!PostgresStore.isPostgresUrl(store)) {
      throw new IllegalArgumentException("--store takes a PostgreSQL URL (postgresql://host:5432/db?user=NAME), not '"
          + store.replaceAll("(?i)password=[^&]*", "password=***")
          + "'; for the embedded database of one daemon give --data-dir instead");
    }
    return PostgresStore.open(store);
  }

  private String defaultMemberId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return host + ":" + port + "-" + ProcessHandle.current().pid();
  }

  /**
   * A leader that can no longer confirm its lease stops at once, before another daemon's lease begins: no
   * delivery of this process may overlap the new leader's. A supervisor (systemd, Kubernetes) restarts it; it
   * comes back as a follower.
   */
  private static void haltAfterLostLeadership() {
    System.err.println("clusterd: lost the leadership of the shared store; stopping at once (exit 75) so that"
        + " no delivery overlaps the new leader's; restart the daemon to join again as a follower");
    System.err.flush();
    Runtime.getRuntime().halt(75);
  }

  /** The facade as the daemon runs it (without starting the server). */
  Clusterd buildClusterd(List<PluginLoader.Plugin> loadedPlugins) {
    return wire(loadedPlugins, ServerConfig.loopback(0)).getInstance(Clusterd.class);
  }

  private static void closeAll(List<AutoCloseable> closeables) {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // shutting down anyway
      }
    }
  }

  // ------------------------------------------------------------------------------------------ security

  @Option(names = "--tls-cert", description = "PEM certificate chain (server certificate first): serve HTTPS"
      + " (HTTP/2 by ALPN, or HTTP/1.1); re-read when it changes or on SIGHUP")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM private key (PKCS#8) of --tls-cert")
  Path tlsKey;

  @Option(names = "--tls-keystore", description = "PKCS#12 keystore with the certificate and key, instead of"
      + " --tls-cert and --tls-key")
  Path tlsKeystore;

  @Option(names = "--tls-keystore-password-file", description = "file holding the password of --tls-keystore")
  Path tlsKeystorePasswordFile;

  @Option(names = "--tls-reload-check", description = "how often the TLS files are checked for changes, 0 for"
      + " SIGHUP only (default ${DEFAULT-VALUE})", defaultValue = "10s", converter = DurationConverter.class)
  Duration tlsReloadCheck;

  @Option(names = "--insecure-http", description = "allow plain HTTP beyond loopback with tokens (TLS ends in"
      + " front of clusterd)")
  boolean insecureHttp;

  @Option(names = "--instance-ca", description = "PEM file of the CAs that https instances' certificates must"
      + " chain to (default: the JVM's trust store)")
  Path instanceCa;

  @Option(names = "--instance-client-cert", description = "PEM client certificate for instances that require"
      + " mutual TLS")
  Path instanceClientCert;

  @Option(names = "--instance-client-key", description = "PEM private key (PKCS#8) of --instance-client-cert")
  Path instanceClientKey;

  /** {@code config} with the TLS options and {@code --insecure-http}. */
  ServerConfig withTls(ServerConfig config) {
    ServerConfig.Tls tls = null;
    if (tlsKeystore != null) {
      tls = ServerConfig.Tls.keystore(tlsKeystore, Optional.ofNullable(tlsKeystorePasswordFile));
    } else if (tlsCert != null || tlsKey != null) {
      if (tlsCert == null || tlsKey == null) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both PEM files");
      }
      tls = ServerConfig.Tls.pem(tlsCert, tlsKey);
    } else if (tlsKeystorePasswordFile != null) {
      throw new IllegalArgumentException("--tls-keystore-password-file needs --tls-keystore");
    }
    ServerConfig out = config.withInsecureHttp(insecureHttp);
    return tls == null ? out : out.withTls(tls.withReloadCheck(tlsReloadCheck));
  }

  /** The SSL context towards https instances, when an {@code --instance-*} option asks for one. */
  Optional<javax.net.ssl.SSLContext> instanceTls() {
    if (instanceCa == null && instanceClientCert == null && instanceClientKey == null) {
      return Optional.empty();
    }
    return Optional.of(io.clusterd.http.internal.TlsFiles.clientContext(Optional.ofNullable(instanceCa),
        Optional.ofNullable(instanceClientCert), Optional.ofNullable(instanceClientKey)));
  }

  /** SIGHUP re-reads the certificate files (where the JVM lets a program handle it). */
  @SuppressWarnings("removal")
  private static void reloadTlsOnHangup(ClusterdServer server) {
    if (server.url().startsWith("http://")) {
      return;
    }
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
        try {
          server.reloadTls();
        } catch (RuntimeException e) {
          System.err.println("clusterd: SIGHUP: " + e.getMessage() + "; still serving the previous certificate");
        }
      });
    } catch (IllegalArgumentException e) {
      System.err.println("clusterd: SIGHUP cannot be handled here; the TLS files are still checked for changes");
    }
  }

  /**
   * Warns on {@code err} when a plain secret was given as a flag ({@code --token}, {@code --register-key}):
   * every user of the host sees the command line in {@code ps}.
   */
  void warnAboutSecretsOnFlags(PrintStream err) {
    CommandLine.ParseResult given = spec == null ? null : spec.commandLine().getParseResult();
    if (given == null) {
      return;
    }
    boolean plainToken = given.hasMatchedOption("--token")
        && tokens.stream().anyMatch(t -> !ServerConfig.Token.parse(t).secret().hashed());
    boolean plainKey = given.hasMatchedOption("--register-key") && registerKey != null
        && !registerKey.startsWith(Secret.PBKDF2_PREFIX);
    if (plainToken || plainKey) {
      err.println("clusterd: warning: " + (plainToken ? "--token" : "--register-key") + " puts a secret on the"
          + " command line, which every user of this host can read (ps): use --token-file or the --config file,"
          + " and keep only hashes there (clusterd hash-token)");
    }
  }

  /** Durations written like {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, or {@code 0}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = FORM.matcher(value.strip());
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration: write it like 500ms, 2s, 1m or 1h");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? (n == 0 ? "s" : "") : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> throw new CommandLine.TypeConversionException(
            "'" + value + "' has no unit: write it like 500ms, 2s, 1m or 1h");
      };
    }
  }
}

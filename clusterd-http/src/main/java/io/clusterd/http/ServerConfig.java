package io.clusterd.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.core.transport.http.AddressPolicy;
import io.clusterd.core.transport.http.MetadataAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the daemon's HTTP server runs: where it listens, who may call it (bearer tokens with roles and optional
 * scopes, each with its own secret, kept plain or hashed; the self-registration key; how long a browser session
 * lasts), which instance endpoints may be registered, the request body limit, the instance answered at
 * {@code /api/instances/my} (the single-instance mode of Elektra Web), and TLS.
 *
 * <p>Browser sessions ({@code POST /api/session}) end {@link #sessionIdle} after their last request and
 * {@link #sessionMax} after sign-in, whichever comes first.
 *
 * <p>With tokens, listening beyond loopback needs {@link #tls} or {@link #insecureHttp} (TLS terminated in front
 * of the daemon): {@link #checkSafeToListen()}.
 *
 * <p>Immutable and thread-safe.
 */
public record ServerConfig(
    String bind,
    int port,
    List<Token> tokens,
    Optional<Secret> registerKey,
    List<String> allowHosts,
    long maxBodyBytes,
    Optional<String> myInstance,
    Duration sessionIdle,
    Duration sessionMax,
    Optional<Tls> tls,
    boolean insecureHttp) {

  /** What a token may do: {@code read} for reads, {@code admin} for everything. */
  public enum Role {
    READ, ADMIN;

    /** The role as written in a token, e.g. {@code admin}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Role parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "read" -> READ;
        case "admin" -> ADMIN;
        default -> throw new IllegalArgumentException("unknown role '" + s + "': use read or admin");
      };
    }
  }

  /**
   * A named bearer token: its role, its secret (plain or hashed) and its scopes, the cluster ids it is limited
   * to (empty: the whole forest). {@link #toString()} never shows the secret.
   */
  public record Token(String name, Role role, Secret secret, List<String> scopes) {
    private static final Pattern SCOPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final String FORM = "a token is written NAME:ROLE:SECRET or NAME:ROLE:SECRET:SCOPE[,SCOPE...]"
        + " (a secret cannot contain ':'), e.g. ops:admin:s3cret-value or eu-ops:admin:s3cret-value:eu";

    public Token {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(secret, "secret");
      scopes = List.copyOf(scopes);
      for (String s : scopes) {
        if (!SCOPE.matcher(s).matches()) {
          throw new IllegalArgumentException("token '" + name + "' has the scope '" + s
              + "', which is not a cluster id ([a-z0-9][a-z0-9._-]{0,62})");
        }
      }
    }

    /** An unscoped token with a plain secret. */
    public Token(String name, Role role, String secret) {
      this(name, role, Secret.parse(secret, "the secret of token '" + name + "'"), List.of());
    }

    /**
     * Parses {@code NAME:ROLE:SECRET} or {@code NAME:ROLE:SECRET:SCOPE[,SCOPE...]}; {@code SECRET} may be a hash
     * from {@code clusterd hash-token}. Messages never repeat the secret.
     */
    public static Token parse(String spec) {
      String[] parts = spec.split(":", -1);
      if (parts.length < 3 || parts.length > 4 || parts[0].isEmpty()) {
        throw new IllegalArgumentException(FORM);
      }
      List<String> scopes = List.of();
      if (parts.length == 4) {
        scopes = List.of(parts[3].split(",", -1));
        if (parts[3].isBlank()) {
          throw new IllegalArgumentException("token '" + parts[0] + "' has an empty scope: " + FORM);
        }
      }
      return new Token(parts[0], Role.parse(parts[1]),
          Secret.parse(parts[2], "the secret of token '" + parts[0] + "'"), scopes);
    }

    /** Whether the token is limited to some clusters. */
    public boolean scoped() {
      return !scopes.isEmpty();
    }

    @Override
    public String toString() {
      return "Token[" + name + ", " + role.label() + (scoped() ? ", scopes " + scopes : "") + "]";
    }
  }

  /**
   * The daemon's certificate: PEM files ({@code certificate}, the chain with the server's certificate first, and
   * {@code key}, PKCS#8) or a PKCS#12 {@code keystore} with its password read from {@code keystorePassword}
   * (none: the empty password). The files are read again when they change ({@link #reloadCheck} is how often the
   * daemon looks) and on SIGHUP.
   */
  public record Tls(Optional<Path> certificate, Optional<Path> key, Optional<Path> keystore,
      Optional<Path> keystorePassword, Duration reloadCheck) {
    public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(10);

    public Tls {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(keystore, "keystore");
      Objects.requireNonNull(keystorePassword, "keystorePassword");
      Objects.requireNonNull(reloadCheck, "reloadCheck");
      if (keystore.isPresent() && (certificate.isPresent() || key.isPresent())) {
        throw new IllegalArgumentException("give either --tls-cert and --tls-key, or --tls-keystore, not both");
      }
      if (keystore.isEmpty() && (certificate.isEmpty() || key.isEmpty())) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both PEM files");
      }
      if (keystorePassword.isPresent() && keystore.isEmpty()) {
        throw new IllegalArgumentException("--tls-keystore-password-file needs --tls-keystore");
      }
      if (reloadCheck.isNegative()) {
        throw new IllegalArgumentException("the TLS reload check period must not be negative");
      }
    }

    /** PEM certificate chain and PKCS#8 key. */
    public static Tls pem(Path certificate, Path key) {
      return new Tls(Optional.of(certificate), Optional.of(key), Optional.empty(), Optional.empty(),
          DEFAULT_RELOAD_CHECK);
    }

    /** A PKCS#12 keystore, its password in a file (or none). */
    public static Tls keystore(Path keystore, Optional<Path> passwordFile) {
      return new Tls(Optional.empty(), Optional.empty(), Optional.of(keystore), passwordFile, DEFAULT_RELOAD_CHECK);
    }

    /** The same files, looked at every {@code period} for changes ({@code 0}: only on SIGHUP). */
    public Tls withReloadCheck(Duration period) {
      return new Tls(certificate, key, keystore, keystorePassword, period);
    }
  }

  public static final long DEFAULT_MAX_BODY = 1024 * 1024;
  public static final Duration DEFAULT_SESSION_IDLE = Duration.ofHours(1);
  public static final Duration DEFAULT_SESSION_MAX = Duration.ofHours(12);

  /**
   * Checks the configuration.
   *
   * @throws IllegalArgumentException for a port out of range, two different tokens with the same plain secret (a
   *     request with it could not tell which token, or which role, it is), or a session lifetime that is not
   *     positive
   */
  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    tokens = List.copyOf(tokens);
    Objects.requireNonNull(registerKey, "registerKey");
    allowHosts = List.copyOf(allowHosts);
    Objects.requireNonNull(myInstance, "myInstance");
    Objects.requireNonNull(sessionIdle, "sessionIdle");
    Objects.requireNonNull(sessionMax, "sessionMax");
    Objects.requireNonNull(tls, "tls");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    for (int i = 0; i < tokens.size(); i++) {
      for (int j = 0; j < i; j++) {
        Token a = tokens.get(j);
        Token b = tokens.get(i);
        if (a.secret().samePlainSecretAs(b.secret()) && !a.equals(b)) {
          throw new IllegalArgumentException("tokens '" + a.name() + "' (" + a.role().label() + ") and '" + b.name()
              + "' (" + b.role().label() + ") have the same secret: give each token a secret of its own");
        }
      }
    }
    if (sessionIdle.isNegative() || sessionIdle.isZero()) {
      throw new IllegalArgumentException("the session idle lifetime (--session-idle) must be longer than 0, e.g. 1h");
    }
    if (sessionMax.isNegative() || sessionMax.isZero()) {
      throw new IllegalArgumentException("the session lifetime (--session-max) must be longer than 0, e.g. 12h");
    }
  }

  /** A configuration without TLS. */
  public ServerConfig(String bind, int port, List<Token> tokens, Optional<String> registerKey, List<String> allowHosts,
      long maxBodyBytes, Optional<String> myInstance, Duration sessionIdle, Duration sessionMax) {
    this(bind, port, tokens, registerKey.map(k -> Secret.parse(k, "the register key")), allowHosts, maxBodyBytes,
        myInstance, sessionIdle, sessionMax, Optional.empty(), false);
  }

  /** A configuration with the default session lifetimes (1 h idle, 12 h in all), without TLS. */
  public ServerConfig(String bind, int port, List<Token> tokens, Optional<String> registerKey, List<String> allowHosts,
      long maxBodyBytes, Optional<String> myInstance) {
    this(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, DEFAULT_SESSION_IDLE,
        DEFAULT_SESSION_MAX);
  }

  /** Loopback on the given port, no tokens, defaults elsewhere. */
  public static ServerConfig loopback(int port) {
    return new ServerConfig("127.0.0.1", port, List.of(), Optional.empty(), List.of(), DEFAULT_MAX_BODY,
        Optional.empty());
  }

  public ServerConfig withTokens(List<Token> newTokens) {
    return new ServerConfig(bind, port, newTokens, registerKey, allowHosts, maxBodyBytes, myInstance, sessionIdle,
        sessionMax, tls, insecureHttp);
  }

  /** The self-registration key, plain or a hash from {@code clusterd hash-token}. */
  public ServerConfig withRegisterKey(String key) {
    return new ServerConfig(bind, port, tokens, Optional.of(Secret.parse(key, "the register key")), allowHosts,
        maxBodyBytes, myInstance, sessionIdle, sessionMax, tls, insecureHttp);
  }

  public ServerConfig withAllowHosts(List<String> patterns) {
    return new ServerConfig(bind, port, tokens, registerKey, patterns, maxBodyBytes, myInstance, sessionIdle,
        sessionMax, tls, insecureHttp);
  }

  public ServerConfig withMyInstance(String id) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, Optional.of(id), sessionIdle,
        sessionMax, tls, insecureHttp);
  }

  /** Sessions that end {@code idle} after their last request and {@code max} after sign-in. */
  public ServerConfig withSessionLifetimes(Duration idle, Duration max) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, idle, max, tls,
        insecureHttp);
  }

  /** Serves HTTPS with this certificate. */
  public ServerConfig withTls(Tls newTls) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, sessionIdle,
        sessionMax, Optional.of(newTls), insecureHttp);
  }

  /** Listens on {@code newBind} (e.g. {@code 0.0.0.0}). */
  public ServerConfig withBind(String newBind) {
    return new ServerConfig(newBind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, sessionIdle,
        sessionMax, tls, insecureHttp);
  }

  /** Plain HTTP beyond loopback with tokens: the operator terminates TLS in front of the daemon. */
  public ServerConfig withInsecureHttp(boolean insecure) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, sessionIdle,
        sessionMax, tls, insecure);
  }

  /**
   * Refuses what would expose the daemon: listening beyond loopback without any token, or with tokens over plain
   * HTTP (bearer tokens and session cookies would cross the network in clear) unless {@link #insecureHttp}.
   *
   * @throws IllegalStateException with a one-line reason
   */
  public void checkSafeToListen() {
    if (bindsLoopbackOnly()) {
      return;
    }
    if (tokens.isEmpty()) {
      throw new IllegalStateException("refusing to listen on " + bind
          + " without authentication: configure at least one --token, or bind to 127.0.0.1");
    }
    if (tls.isEmpty() && !insecureHttp) {
      throw new IllegalStateException("refusing to listen on " + bind + " with tokens over plain HTTP: give"
          + " --tls-cert and --tls-key (or --tls-keystore), or --insecure-http when TLS ends in front of clusterd");
    }
  }

  /**
   * Which addresses the daemon connects to: link-local and cloud metadata addresses are refused, at registration
   * ({@link #checkEndpointAllowed}) and before every request (the daemon's http transport uses this policy).
   */
  public AddressPolicy addressPolicy() {
    return AddressPolicy.noMetadata();
  }

  /** Whether {@link #bind} names only loopback addresses. */
  public boolean bindsLoopbackOnly() {
    try {
      for (InetAddress a : InetAddress.getAllByName(bind)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * Refuses endpoints the daemon must not reach: link-local and cloud metadata addresses always (decided on the
   * address however the URL writes it, and for an {@code http}/{@code https} host name on every address it
   * resolves to now; the transport checks again before each request), and with {@link #allowHosts} set,
   * anything that matches none of its glob patterns (e.g. {@code http://10.0.*}).
   *
   * @throws ClusterdException {@link ErrorCode#FORBIDDEN} naming the endpoint and why
   */
  public void checkEndpointAllowed(String host) {
    Endpoint e = Endpoint.parse(host);
    String h = e.host();
    if (!h.isEmpty()) {
      List<InetAddress> addresses = List.of();
      if (e.scheme().equals("http") || e.scheme().equals("https")) {
        try {
          addresses = MetadataAddresses.addresses(h);
        } catch (UnknownHostException | SecurityException notYet) {
          // not resolvable now: every request checks again what it resolves to
        }
      }
      Optional<String> why = addressPolicy().refusal(h, addresses);
      if (why.isPresent()) {
        throw ClusterdException.of(ErrorCode.FORBIDDEN, "instances at link-local or cloud metadata addresses cannot"
            + " be registered: " + e + " (" + why.get() + ")", Map.of("host", e.toString(), "reason", why.get()));
      }
    }
    if (allowHosts.isEmpty()) {
      return;
    }
    for (String pattern : allowHosts) {
      if (glob(pattern).matcher(e.toString()).matches() || glob(pattern).matcher(h).matches()) {
        return;
      }
    }
    throw ClusterdException.of(ErrorCode.FORBIDDEN,
        "instance endpoint " + e + " matches none of the allowed hosts " + allowHosts, Map.of("host", e.toString()));
  }

  private static Pattern glob(String pattern) {
    StringBuilder re = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
  }
}

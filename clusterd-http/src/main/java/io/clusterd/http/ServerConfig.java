package io.clusterd.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.core.transport.http.AddressPolicy;
import io.clusterd.core.transport.http.MetadataAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the daemon's HTTP server runs: where it listens, who may call it (bearer tokens with roles, each with its
 * own secret; the self-registration key; how long a browser session lasts), which instance endpoints may be
 * registered, the request body limit, and the instance answered at {@code /api/instances/my} (the
 * single-instance mode of Elektra Web).
 *
 * <p>Browser sessions ({@code POST /api/session}) end {@link #sessionIdle} after their last request and
 * {@link #sessionMax} after sign-in, whichever comes first.
 *
 * <p>Immutable and thread-safe.
 */
public record ServerConfig(
    String bind,
    int port,
    List<Token> tokens,
    Optional<String> registerKey,
    List<String> allowHosts,
    long maxBodyBytes,
    Optional<String> myInstance,
    Duration sessionIdle,
    Duration sessionMax) {

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

  /** A named bearer token. */
  public record Token(String name, Role role, String secret) {
    public Token {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      if (secret == null || secret.length() < 8) {
        throw new IllegalArgumentException("the secret of token '" + name + "' must have at least 8 characters");
      }
    }

    /** Parses {@code NAME:ROLE:SECRET}. */
    public static Token parse(String spec) {
      String[] parts = spec.split(":", 3);
      if (parts.length != 3 || parts[0].isEmpty()) {
        throw new IllegalArgumentException("a token is written NAME:ROLE:SECRET, e.g. ops:admin:s3cret-value");
      }
      return new Token(parts[0], Role.parse(parts[1]), parts[2]);
    }
  }

  public static final long DEFAULT_MAX_BODY = 1024 * 1024;
  public static final Duration DEFAULT_SESSION_IDLE = Duration.ofHours(1);
  public static final Duration DEFAULT_SESSION_MAX = Duration.ofHours(12);

  /**
   * Checks the configuration.
   *
   * @throws IllegalArgumentException for a port out of range, two different tokens with the same secret (a
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
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    for (int i = 0; i < tokens.size(); i++) {
      for (int j = 0; j < i; j++) {
        Token a = tokens.get(j);
        Token b = tokens.get(i);
        if (a.secret().equals(b.secret()) && !a.equals(b)) {
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

  /** A configuration with the default session lifetimes (1 h idle, 12 h in all). */
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
        sessionMax);
  }

  public ServerConfig withRegisterKey(String key) {
    return new ServerConfig(bind, port, tokens, Optional.of(key), allowHosts, maxBodyBytes, myInstance, sessionIdle,
        sessionMax);
  }

  public ServerConfig withAllowHosts(List<String> patterns) {
    return new ServerConfig(bind, port, tokens, registerKey, patterns, maxBodyBytes, myInstance, sessionIdle,
        sessionMax);
  }

  public ServerConfig withMyInstance(String id) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, Optional.of(id), sessionIdle,
        sessionMax);
  }

  /** Sessions that end {@code idle} after their last request and {@code max} after sign-in. */
  public ServerConfig withSessionLifetimes(Duration idle, Duration max) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, myInstance, idle, max);
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

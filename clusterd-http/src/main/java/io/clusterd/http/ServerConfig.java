package io.clusterd.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the daemon's HTTP server runs: where it listens, who may call it (bearer tokens with roles; the
 * self-registration key), which instance endpoints may be registered, the request body limit, and the instance
 * answered at {@code /api/instances/my} (the single-instance mode of Elektra Web).
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
    Optional<String> myInstance) {

  /** What a token may do: {@code read} for reads, {@code admin} for everything. */
  public enum Role {
    READ, ADMIN;

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

  public ServerConfig {
    Objects.requireNonNull(bind, "bind");
    tokens = List.copyOf(tokens);
    Objects.requireNonNull(registerKey, "registerKey");
    allowHosts = List.copyOf(allowHosts);
    Objects.requireNonNull(myInstance, "myInstance");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
  }

  /** Loopback on the given port, no tokens, defaults elsewhere. */
  public static ServerConfig loopback(int port) {
    return new ServerConfig("127.0.0.1", port, List.of(), Optional.empty(), List.of(), DEFAULT_MAX_BODY,
        Optional.empty());
  }

  public ServerConfig withTokens(List<Token> newTokens) {
    return new ServerConfig(bind, port, newTokens, registerKey, allowHosts, maxBodyBytes, myInstance);
  }

  public ServerConfig withRegisterKey(String key) {
    return new ServerConfig(bind, port, tokens, Optional.of(key), allowHosts, maxBodyBytes, myInstance);
  }

  public ServerConfig withAllowHosts(List<String> patterns) {
    return new ServerConfig(bind, port, tokens, registerKey, patterns, maxBodyBytes, myInstance);
  }

  public ServerConfig withMyInstance(String id) {
    return new ServerConfig(bind, port, tokens, registerKey, allowHosts, maxBodyBytes, Optional.of(id));
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
   * Refuses endpoints the daemon must not reach: link-local and cloud metadata addresses always, and with
   * {@link #allowHosts} set, anything that matches none of its glob patterns (e.g. {@code http://10.0.*}).
   */
  public void checkEndpointAllowed(String host) {
    Endpoint e = Endpoint.parse(host);
    String h = e.host();
    if (h.startsWith("169.254.") || h.equals("[fd00:ec2::254]") || h.equals("fd00:ec2::254")
        || h.equals("metadata.google.internal")) {
      throw ClusterdException.of(ErrorCode.FORBIDDEN,
          "instances at link-local or cloud metadata addresses cannot be registered: " + e, Map.of("host", e.toString()));
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

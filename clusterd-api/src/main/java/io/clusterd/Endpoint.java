package io.clusterd;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The normalized address of an instance's key database, for example {@code http://10.0.0.5:33333} or
 * {@code https://gw.example:443/elektrad/web-1} (an elektrad behind a reverse proxy).
 *
 * <p>Normalization (invariant I3): scheme and host are lower-cased, the default port of {@code http} (80) and
 * {@code https} (443) is made explicit, a trailing slash of the path is dropped, and query and fragment are
 * refused. The base path is kept as given otherwise. Two endpoints are equal exactly when their normalized
 * forms are equal, so {@code HTTP://Host:80/} equals {@code http://host}.
 *
 * <pre>{@code
 * Endpoint e = Endpoint.parse("HTTP://Example.org/elektrad/");
 * e.toString();   // "http://example.org:80/elektrad"
 * e.scheme();     // "http"
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Endpoint {
  private static final Map<String, Integer> DEFAULT_PORTS = Map.of("http", 80, "https", 443);

  private final URI uri;
  private final String text;

  private Endpoint(URI uri) {
    this.uri = uri;
    this.text = uri.toString();
  }

  /**
   * Parses and normalizes an endpoint.
   *
   * @throws ClusterdException with {@link ErrorCode#HOST_MISSING} when blank, {@link ErrorCode#INVALID_BODY}
   *     when it is not an absolute URI, has no host where its scheme needs one, or carries a query or fragment
   */
  public static Endpoint parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw ClusterdException.of(ErrorCode.HOST_MISSING, "the instance host is missing: give its endpoint URI, e.g. http://10.0.0.5:33333");
    }
    URI raw;
    try {
      raw = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw invalid(text, "it is not a valid URI (" + e.getReason() + ")");
    }
    if (raw.getScheme() == null) {
      throw invalid(text, "it has no scheme; write it like http://host:33333");
    }
    if (raw.getRawQuery() != null || raw.getRawFragment() != null) {
      throw invalid(text, "it must not carry a query or fragment");
    }
    String scheme = raw.getScheme().toLowerCase(Locale.ROOT);
    if (raw.isOpaque()) {
      throw invalid(text, "write it with '//' after the scheme, like " + scheme + "://host/path");
    }
    String path = raw.getRawPath() == null ? "" : raw.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String authority;
    if (raw.getRawAuthority() == null) {
      if (DEFAULT_PORTS.containsKey(scheme)) {
        throw invalid(text, "it has no host");
      }
      authority = "";
    } else {
      String host = raw.getHost();
      if (host == null) {
        throw invalid(text, "its host is not valid");
      }
      if (raw.getRawUserInfo() != null) {
        throw invalid(text, "it must not carry user information");
      }
      int port = raw.getPort();
      if (port == -1 && DEFAULT_PORTS.containsKey(scheme)) {
        port = DEFAULT_PORTS.get(scheme);
      }
      authority = host.toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port);
    }
    try {
      return new Endpoint(new URI(scheme + "://" + authority + path));
    } catch (URISyntaxException e) {
      throw invalid(text, e.getReason());
    }
  }

  private static ClusterdException invalid(String text, String reason) {
    return ClusterdException.of(ErrorCode.INVALID_BODY,
        "invalid instance host '" + text + "': " + reason, Map.of("host", text));
  }

  /** The lower-case scheme, which selects the transport (e.g. {@code http}, {@code mem}, {@code file}). */
  public String scheme() {
    return uri.getScheme();
  }

  /** The lower-case host, or the empty string for schemes without one. */
  public String host() {
    return uri.getHost() == null ? "" : uri.getHost();
  }

  /** The port, explicit for http/https, -1 when the scheme has none. */
  public int port() {
    return uri.getPort();
  }

  /** The base path without trailing slash, empty when none (still percent-encoded). */
  public String basePath() {
    return uri.getRawPath() == null ? "" : uri.getRawPath();
  }

  /** The normalized URI. */
  public URI uri() {
    return uri;
  }

  /** Resolves {@code path} (which must start with '/') below the base path, e.g. {@code /kdb/user:/a}. */
  public URI resolve(String rawPath) {
    return URI.create(text + rawPath);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Endpoint other && text.equals(other.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The normalized form. */
  @Override
  public String toString() {
    return text;
  }
}

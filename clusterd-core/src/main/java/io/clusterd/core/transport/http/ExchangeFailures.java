package io.clusterd.core.transport.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * What a failed exchange with elektrad means, as a {@link ClusterdException} the dispatcher can act on: whether
 * the request never left ({@code notSent}), the connection closed before any answer byte, the host refused it, or
 * its answer is not elektrad's. Every failure names the host and the instance.
 */
final class ExchangeFailures {
  private static final int EXCERPT = 200;

  private final TransportConfig config;
  private final Endpoint endpoint;

  ExchangeFailures(TransportConfig config) {
    this.config = config;
    this.endpoint = config.endpoint();
  }

  ClusterdException unexpected(HttpTransport.Answer a) {
    if (a.status() < 400 || a.status() > 599) {
      return badAnswer(a, "unexpected status " + a.status());
    }
    String message = ElektradJson.error(a.body())
        .orElseGet(() -> a.body().length == 0
            ? "elektrad answered " + a.status() + " with an empty body"
            : excerpt(a.body()));
    Map<String, Object> details = details();
    details.put("status", a.status());
    if (a.body().length > 0) {
      details.put("body", excerpt(a.body()));
    }
    return ClusterdException.of(ErrorCode.INSTANCE_ERROR,
        "elektrad at " + endpoint + " refused " + a.what() + " with " + a.status() + ": " + message, details);
  }

  ClusterdException badAnswer(HttpTransport.Answer a, String problem) {
    Map<String, Object> details = details();
    details.put("status", a.status());
    details.put("body", excerpt(a.body()));
    return ClusterdException.of(ErrorCode.INSTANCE_BAD_ANSWER, "the answer of " + endpoint + " to " + a.what()
        + " is not what elektrad answers: " + problem, details);
  }


  /** Maps a failed exchange (no answer) to a {@link ClusterdException}. */
  ClusterdException exchange(Throwable e, String what) {
    if (e instanceof ClusterdException ce) {
      return ce;
    }
    Map<String, Object> details = details();
    if (e instanceof HttpConnectTimeoutException) {
      details.put("timeoutMs", config.connectTimeout().toMillis());
      details.put(Transport.NOT_SENT, true);
      return new ClusterdException(ErrorCode.INSTANCE_TIMEOUT, "could not connect to " + endpoint + " within "
          + config.connectTimeout().toMillis() + " ms (" + what + ")", details, e);
    }
    if (e instanceof HttpTimeoutException) {
      details.put("timeoutMs", config.responseTimeout().toMillis());
      return new ClusterdException(ErrorCode.INSTANCE_TIMEOUT, endpoint + " did not answer " + what + " within "
          + config.responseTimeout().toMillis() + " ms", details, e);
    }
    if (causedBy(e, SSLException.class) || causedBy(e, CertificateException.class)) {
      // the request never left: kept for later like an unreachable instance, reported for what it is
      details.put(Transport.NOT_SENT, true);
      return new ClusterdException(ErrorCode.INSTANCE_CERTIFICATE_INVALID, "the TLS handshake with " + endpoint
          + " failed, its certificate does not verify or it refused clusterd's (" + root(e) + "): trust its CA"
          + " with --instance-ca, or give --instance-client-cert and --instance-client-key", details, e);
    }
    if (causedBy(e, ConnectException.class) || causedBy(e, NoRouteToHostException.class)
        || causedBy(e, UnknownHostException.class) || causedBy(e, UnresolvedAddressException.class)) {
      details.put(Transport.NOT_SENT, true);
      return new ClusterdException(ErrorCode.INSTANCE_UNREACHABLE, "cannot connect to " + endpoint + " ("
          + describe(e) + ")", details, e);
    }
    if (closedBeforeAnswer(e)) {
      // like a lost connection: it may or may not have been applied, so only idempotent operations are resent
      details.put(HttpTransport.CLOSED_BEFORE_ANSWER, true);
      return new ClusterdException(ErrorCode.INSTANCE_UNREACHABLE, endpoint + " closed the connection before"
          + " answering " + what + " (" + describe(e) + ")" + (endpoint.scheme().equals("https")
          ? "; an https host that requires a client certificate it does not get does this under TLS 1.3: give"
          + " --instance-client-cert and --instance-client-key" : ""), details, e);
    }
    if (causedBy(e, ProtocolException.class) || causedBy(e, EOFException.class)) {
      return new ClusterdException(ErrorCode.INSTANCE_BAD_ANSWER, endpoint + " did not give an HTTP answer to "
          + what + " (" + describe(e) + ")", details, e);
    }
    if (e instanceof IOException) {
      return new ClusterdException(ErrorCode.INSTANCE_UNREACHABLE, "lost the connection to " + endpoint
          + " during " + what + " (" + describe(e) + ")", details, e);
    }
    if (e instanceof RejectedExecutionException) {
      details.put(Transport.NOT_SENT, true);
      return new ClusterdException(ErrorCode.INSTANCE_UNREACHABLE, "the http transport to " + endpoint
          + " is closed", details, e);
    }
    return new ClusterdException(ErrorCode.INTERNAL_ERROR, "the request " + what + " to " + endpoint
        + " failed: " + describe(e), details, e);
  }


  ClusterdException of(Throwable e) {
    if (e instanceof ClusterdException ce) {
      return ce;
    }
    return new ClusterdException(ErrorCode.INTERNAL_ERROR, "the http transport to " + endpoint + " failed: "
        + describe(e), details(), e);
  }


  Map<String, Object> details() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("host", endpoint.toString());
    d.put("instance", config.instanceId());
    return d;
  }


  /** Whether the connection closed before any byte of the answer came (the JDK client's header parser says so). */
  static boolean closedBeforeAnswer(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException && String.valueOf(t.getMessage()).contains("received no bytes")) {
        return true;
      }
    }
    return false;
  }


  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }


  /** The innermost cause, described: what the TLS layer actually objected to. */
  private static String root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return describe(t);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }


  static String excerpt(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, EXCERPT * 4), StandardCharsets.UTF_8)
        .replaceAll("\\s+", " ").strip();
    return s.length() > EXCERPT ? s.substring(0, EXCERPT) + "..." : s;
  }
}

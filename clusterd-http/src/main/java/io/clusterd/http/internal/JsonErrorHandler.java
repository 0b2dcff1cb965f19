package io.clusterd.http.internal;

import io.clusterd.ErrorCode;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own answers (a malformed path, headers or a path too large, before any route runs) with the same
 * {@code {"error": {...}}} JSON body as every other error, instead of Jetty's HTML or an empty body.
 */
public final class JsonErrorHandler extends ErrorHandler {
  private static final String JSON = Answers.JSON;

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s : response.getStatus();
    Object message = request.getAttribute(ERROR_MESSAGE);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.getHeaders().put(new HttpField(HttpHeader.CACHE_CONTROL, "must-revalidate,no-cache,no-store"));
    response.write(true, body(status, message == null ? null : message.toString()), callback);
    return true;
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, JSON);
    return body(status, reason);
  }

  /** The error body of a status Jetty answers with. */
  static ByteBuffer body(int status, String reason) {
    ErrorCode code = switch (status) {
      case 404 -> ErrorCode.NOT_FOUND;
      case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
      case 414 -> ErrorCode.URI_TOO_LONG;
      case 415 -> ErrorCode.REQUEST_UNSUPPORTED_CONTENT_TYPE;
      case 431 -> ErrorCode.HEADERS_TOO_LARGE;
      case 503 -> ErrorCode.UNAVAILABLE;
      default -> status < 500 ? ErrorCode.INVALID_REQUEST : ErrorCode.INTERNAL_ERROR;
    };
    String message = switch (code) {
      case URI_TOO_LONG -> "the request path is too long";
      case HEADERS_TOO_LARGE -> "the request headers are too large";
      case INVALID_REQUEST -> "the request is malformed" + (reason == null || reason.isBlank() ? "" : ": " + reason)
          + "; percent-encode each path segment with encodeURIComponent";
      case INTERNAL_ERROR -> "internal error: the daemon log has details";
      default -> reason == null || reason.isBlank() ? code.token() : reason;
    };
    return ByteBuffer.wrap(Json.bytes(Json.error(status, code.token(), message, Map.of())));
  }
}

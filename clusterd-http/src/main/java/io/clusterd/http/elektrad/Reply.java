package io.clusterd.http.elektrad;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** One answer of the stand-in: status, content type (none for empty bodies) and body bytes. */
record Reply(int status, Optional<String> contentType, byte[] body, Optional<String> location) {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  Reply {
    body = body.clone();
  }

  /** An answer without body and without {@code Content-Type}, e.g. 204, or 400 for an invalid name. */
  static Reply empty(int status) {
    return new Reply(status, Optional.empty(), new byte[0], Optional.empty());
  }

  /** 200 with compact JSON as {@code application/json} (no charset), as elektrad's success answers. */
  static Reply json(String json) {
    return new Reply(200, Optional.of(JSON), json.getBytes(StandardCharsets.UTF_8), Optional.empty());
  }

  /** An error answer {@code {"error":"..."}}, which elektrad sends as {@code text/plain}. */
  static Reply error(int status, String message) {
    return new Reply(status, Optional.of(TEXT), GoJson.error(message).getBytes(StandardCharsets.UTF_8),
        Optional.empty());
  }

  /** Go's {@code http.NotFound}. */
  static Reply notFound() {
    return new Reply(404, Optional.of(TEXT), "404 page not found\n".getBytes(StandardCharsets.UTF_8),
        Optional.empty());
  }

  /** gorilla/mux's redirect to the cleaned path: 301, no body. */
  static Reply cleanRedirect(String location) {
    return new Reply(301, Optional.empty(), new byte[0], Optional.of(location));
  }

  /** The redirect of {@code GET /} to elektrad's documentation, as Go's {@code http.Redirect} writes it. */
  static Reply docRedirect() {
    String target = "https://elektrad.docs.apiary.io";
    String html = "<a href=\"" + target + "\">Moved Permanently</a>.\n\n";
    return new Reply(301, Optional.of("text/html; charset=utf-8"), html.getBytes(StandardCharsets.UTF_8),
        Optional.of(target));
  }

  @Override
  public byte[] body() {
    return body.clone();
  }
}

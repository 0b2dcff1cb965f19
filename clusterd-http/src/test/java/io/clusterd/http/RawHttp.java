package io.clusterd.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Sends bytes no HTTP client would send (bad escapes, huge headers) over a plain socket and reads the answer. */
final class RawHttp {
  /** Status line code, headers as text (lower case names) and the body. */
  record Answer(int status, String headers, String body) {
    String contentType() {
      for (String line : headers.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
      return "";
    }

    JsonNode json() {
      try {
        return ApiClient.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + headers + "\n\n" + body, e);
      }
    }
  }

  private RawHttp() { }

  /** One request, {@code Connection: close} added; the answer is read to the end of the connection. */
  static Answer send(int port, String requestLineAndHeaders, byte[] body) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write((requestLineAndHeaders + "Host: 127.0.0.1\r\nConnection: close\r\n"
          + (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "") + "\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // the server may reset after answering a request it refused; what arrived is the answer
      }
      String all = got.toString(StandardCharsets.UTF_8);
      int end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new AssertionError("no HTTP answer: '" + all + "'");
      }
      String head = all.substring(0, end);
      String rest = all.substring(end + 4);
      if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        rest = unchunk(rest);
      }
      return new Answer(Integer.parseInt(head.substring(9, 12)), head, rest);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Answer get(int port, String rawTarget) {
    return send(port, "GET " + rawTarget + " HTTP/1.1\r\n", new byte[0]);
  }

  private static String unchunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < chunked.length()) {
      int eol = chunked.indexOf("\r\n", at);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(chunked.substring(at, eol).strip(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, eol + 2, Math.min(chunked.length(), eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }
}

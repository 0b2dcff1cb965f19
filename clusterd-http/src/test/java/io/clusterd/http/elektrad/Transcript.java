package io.clusterd.http.elektrad;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verbatim transcript of a real elektrad 0.11.0 session ({@code elektrad-0.11-transcript.md}, a copy of
 * the design fixture), read into its steps: curl exchanges with their answers, and the {@code kdb} CLI
 * commands run between them.
 */
final class Transcript {
  static final String RESOURCE = "elektrad-0.11-transcript.md";

  private Transcript() {}

  /** One fenced block of the transcript, under the nearest preceding heading. */
  sealed interface Step permits Exchange, Command {
    String title();
  }

  /** A shell command other than curl, with its printed output. */
  record Command(String title, List<String> argv, List<String> output) implements Step {}

  /**
   * A curl request and the answer the real daemon gave; {@code status} is empty when curl got no answer.
   * Header names are lower-case; {@code body} is exact (cut to {@code Content-Length} when given).
   */
  record Exchange(String title, String method, String target, Map<String, String> requestHeaders,
      Optional<String> data, Optional<Integer> status, Map<String, String> headers, String body) implements Step {}

  static List<Step> load() {
    try (InputStream in = Transcript.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + RESOURCE + " is missing");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Step> parse(String text) {
    List<Step> steps = new ArrayList<>();
    String title = "";
    List<String> lines = List.of(text.split("\n", -1));
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("#")) {
        title = line.replaceFirst("^#+\\s*", "");
        continue;
      }
      if (!line.equals("```")) {
        continue;
      }
      int end = i + 1;
      while (!lines.get(end).equals("```")) {
        end++;
      }
      List<String> block = lines.subList(i + 1, end);
      i = end;
      if (block.isEmpty() || !block.get(0).startsWith("$ ")) {
        continue;
      }
      List<String> argv = shellWords(block.get(0).substring(2));
      List<String> output = block.subList(1, block.size());
      if (argv.get(0).equals("curl")) {
        steps.add(exchange(title, argv, output));
      } else {
        steps.add(new Command(title, argv, List.copyOf(output)));
      }
    }
    return steps;
  }

  private static Exchange exchange(String title, List<String> argv, List<String> output) {
    String method = null;
    String url = null;
    String data = null;
    Map<String, String> requestHeaders = new LinkedHashMap<>();
    for (int k = 1; k < argv.size(); k++) {
      String a = argv.get(k);
      switch (a) {
        case "-i" -> { }
        case "-I" -> method = "HEAD";
        case "-X" -> method = argv.get(++k);
        case "-d" -> data = argv.get(++k);
        case "-b", "-c" -> k++; // a cookie jar: curl sent nothing it had not been given
        case "-H" -> {
          String h = argv.get(++k);
          int colon = h.indexOf(':');
          requestHeaders.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        default -> url = a;
      }
    }
    if (method == null) {
      method = data == null ? "GET" : "POST";
    }
    String target = url.replaceFirst("^http://[^/]+", "");
    if (output.isEmpty() || !output.get(0).startsWith("HTTP/1.1 ")) {
      return new Exchange(title, method, target, requestHeaders, Optional.ofNullable(data), Optional.empty(),
          Map.of(), "");
    }
    int status = Integer.parseInt(output.get(0).split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    int k = 1;
    for (; k < output.size() && !output.get(k).isEmpty(); k++) {
      String h = output.get(k);
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), h.substring(colon + 1).trim());
    }
    String rest = String.join("\n", output.subList(Math.min(k + 1, output.size()), output.size()));
    String body;
    if (headers.containsKey("content-length")) {
      byte[] bytes = rest.getBytes(StandardCharsets.UTF_8);
      int length = Integer.parseInt(headers.get("content-length"));
      body = new String(bytes, 0, Math.min(length, bytes.length), StandardCharsets.UTF_8);
    } else {
      body = rest.strip();
    }
    return new Exchange(title, method, target, requestHeaders, Optional.ofNullable(data), Optional.of(status),
        headers, body);
  }

  /** Splits a shell command line: unquoted, with backslash escapes, comments after {@code #} at a word start. */
  static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        if (w == null) {
          w = new StringBuilder();
        }
        w.append(line.charAt(++i));
      } else if (c == ' ') {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else if (c == '#' && w == null) {
        break;
      } else {
        if (w == null) {
          w = new StringBuilder();
        }
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }
}

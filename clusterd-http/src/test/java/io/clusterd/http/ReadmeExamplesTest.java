package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code curl} example of README.md, read from the file itself, pasted into bash against a demo daemon (as
 * {@code ./clusterd --demo} runs it, on a free port): each must answer what it promises, a {@code # -> NNN ...}
 * line right below it (status, and the error token when it names one), or else success.
 */
class ReadmeExamplesTest {
  private static final Pattern PROMISE = Pattern.compile("#\\s*->\\s*(\\d{3})(.*)");
  private static final Pattern TOKEN = Pattern.compile("\"i18n\":\"([A-Z_]+)\"");

  /** One example: the command as written and the status it promises (0: any success). */
  record Example(String command, int status, String token) { }

  @TempDir
  Path dir;

  static Path readme() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path r = d.resolve("README.md");
      if (Files.isRegularFile(r) && Files.isDirectory(d.resolve("clusterd-http"))) {
        return r;
      }
    }
    throw new AssertionError("README.md of the project not found above " + Path.of("").toAbsolutePath());
  }

  /** The curl commands of the README's sh blocks, continuation lines joined, with what each promises. */
  static List<Example> examples(List<String> lines) {
    List<Example> out = new ArrayList<>();
    boolean sh = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("```")) {
        sh = !sh && line.equals("```sh");
        continue;
      }
      if (!sh || !line.startsWith("curl ")) {
        continue;
      }
      StringBuilder cmd = new StringBuilder(line);
      while (cmd.toString().stripTrailing().endsWith("\\") && i + 1 < lines.size()) {
        cmd.append('\n').append(lines.get(++i));
      }
      int status = 0;
      String token = null;
      Matcher promise = i + 1 < lines.size() ? PROMISE.matcher(lines.get(i + 1).strip()) : null;
      if (promise != null && promise.matches()) {
        status = Integer.parseInt(promise.group(1));
        Matcher t = TOKEN.matcher(promise.group(2));
        token = t.find() ? t.group(1) : null;
      }
      out.add(new Example(cmd.toString(), status, token));
    }
    return out;
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a command in bash with curl told to print the status last; returns {body, status}. */
  private static String[] run(String command, int port) throws IOException, InterruptedException {
    String pasted = command.replace("localhost:33334", "localhost:" + port)
        .replaceFirst("^curl ", "curl --max-time 30 -w '\\\\n%{http_code}' ");
    Process p = new ProcessBuilder("bash", "-c", pasted).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish: " + pasted);
    int nl = out.lastIndexOf('\n');
    return new String[] {out.substring(0, Math.max(nl, 0)), out.substring(nl + 1).strip()};
  }

  @Test
  void readme_curlExamples_areFoundWithTheirPromises() throws IOException {
    List<Example> all = examples(Files.readAllLines(readme()));
    assertTrue(all.size() >= 10, "only " + all.size() + " curl examples found: " + all);
    assertTrue(all.stream().anyMatch(e -> e.status() == 409 && "KEY_LOCKED".equals(e.token())), all.toString());
  }

  @Test
  void readme_curlExamples_pastedAgainstADemoDaemon_answerWhatTheyPromise() throws Exception {
    assumeTrue(onPath("curl") && onPath("bash"), "curl and bash are needed to paste the examples");
    List<Example> all = examples(Files.readAllLines(readme()));
    try (DemoTree demo = DemoTree.startStandIns(OptionalInt.empty());
         Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir)).transport(new HttpTransportFactory())
             .reconcileEvery(Duration.ZERO).build()) {
      demo.register(clusterd);
      try (ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0), Optional.of(demo))) {
        for (Example e : all) {
          String[] answer = run(e.command(), server.port());
          String body = answer[0];
          int status = Integer.parseInt(answer[1]);
          if (e.status() != 0) {
            assertEquals(e.status(), status, e.command() + "\n" + body);
          } else {
            assertTrue(status >= 200 && status < 300, "answered " + status + ": " + e.command() + "\n" + body);
          }
          if (e.token() != null) {
            assertTrue(body.contains("\"" + e.token() + "\""), e.command() + "\n" + body);
          }
          if (e.command().contains("/metrics")) {
            assertTrue(body.contains("# TYPE"), body);
          } else {
            JsonNode json = ApiClient.JSON.readTree(body);
            assertFalse(e.status() < 300 && json.has("error"), e.command() + "\n" + body);
          }
        }
      }
    }
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of README.md's "GitOps" section, read from the file itself and pasted into bash one by one, in a
 * fresh git repository (a temporary directory that holds state.yaml and a {@code ./clusterd} that runs this build's
 * classes), against a demo daemon on a free loopback port: each must succeed, and together they change the pin.
 */
class ReadmeGitOpsTest {
  @TempDir
  Path data;

  @TempDir
  Path repo;

  /** The command lines of the sh block of the GitOps section: comments stripped, blank lines left out. */
  static List<String> commands(List<String> readme) {
    List<String> out = new ArrayList<>();
    boolean section = false;
    boolean sh = false;
    for (String line : readme) {
      if (line.startsWith("## ")) {
        section = line.startsWith("## GitOps");
        continue;
      }
      if (!section) {
        continue;
      }
      if (line.startsWith("```")) {
        sh = !sh && line.equals("```sh");
        continue;
      }
      String cmd = line.replaceFirst("\\s+#.*$", "").strip();
      if (sh && !cmd.isEmpty() && !cmd.startsWith("#")) {
        out.add(cmd);
      }
    }
    return out;
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  /** {@code ./clusterd} in the repository: this build's classes, as the script of the project runs the jar. */
  private void clusterdScript() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path script = repo.resolve("clusterd");
    Files.writeString(script, "#!/usr/bin/env bash\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        + " -cp '" + System.getProperty("java.class.path") + "' io.clusterd.http.Main \"$@\"\n");
    assertTrue(script.toFile().setExecutable(true));
    Files.writeString(repo.resolve(".gitignore"), "clusterd\n");
  }

  private String[] bash(String command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(repo.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTERD_") || k.startsWith("GIT_"));
    pb.environment().putAll(Map.of("GIT_AUTHOR_NAME", "ci", "GIT_AUTHOR_EMAIL", "ci@example.org",
        "GIT_COMMITTER_NAME", "ci", "GIT_COMMITTER_EMAIL", "ci@example.org", "GIT_CONFIG_NOSYSTEM", "1",
        "GIT_CONFIG_GLOBAL", "/dev/null", "HOME", repo.toString()));
    Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish: " + command);
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  @Test
  void readmeGitOps_commands_areFoundAndUseTheClient() throws IOException {
    List<String> all = commands(Files.readAllLines(ReadmeExamplesTest.readme()));
    assertTrue(all.stream().filter(c -> c.startsWith("./clusterd ctl ")).count() >= 6, all.toString());
    assertTrue(all.stream().anyMatch(c -> c.startsWith("./clusterd ctl diff -f ")), all.toString());
    assertTrue(all.stream().anyMatch(c -> c.startsWith("./clusterd ctl apply -f ")), all.toString());
    assertTrue(all.stream().anyMatch(c -> c.startsWith("git commit")), all.toString());
  }

  @Test
  void readmeGitOps_commandsPastedInAGitRepository_againstADemoDaemon_succeedAndApplyTheChange() throws Exception {
    assumeTrue(onPath("bash") && onPath("git") && onPath("sed"), "bash, git and sed are needed to paste the section");
    List<String> all = commands(Files.readAllLines(ReadmeExamplesTest.readme()));
    clusterdScript();
    assertEquals("0", bash("git init -q -b main . && git add .gitignore && git commit -q -m init")[0]);
    try (DemoTree demo = DemoTree.startStandIns(OptionalInt.empty());
         Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(data)).transport(new HttpTransportFactory())
             .reconcileEvery(Duration.ZERO).build()) {
      demo.register(clusterd);
      try (ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0), Optional.of(demo))) {
        StringBuilder exports = new StringBuilder();
        List<String> outputs = new ArrayList<>();
        for (String command : all) {
          String pasted = command.replace("127.0.0.1:33334", "127.0.0.1:" + server.port());
          if (pasted.startsWith("export ")) {
            exports.append(pasted).append('\n');
          }
          String[] r = bash(exports + pasted);
          assertEquals("0", r[0], command + "\n" + r[1]);
          outputs.add(r[1]);
        }
        String transcript = String.join("\n", outputs);
        assertTrue(transcript.contains("~ pin eu-web user:/app/http/port: \"8080\" -> \"9090\""), transcript);
        assertTrue(transcript.contains("applied as version"), transcript);
        assertTrue(transcript.contains("no changes: the registry is the document"), transcript);
        assertEquals("9090", clusterd.pins("eu-web").stream().filter(p -> p.key().equals(
            KeyName.parse("user:/app/http/port"))).findFirst().orElseThrow().value());
        assertEquals("9090", outputs.get(outputs.size() - 1).lines().findFirst().orElseThrow());
        assertTrue(Files.readString(repo.resolve("state.yaml")).contains("port: \"9090\""));
        assertEquals("0", bash("git log --oneline | grep -q 'eu-web serves on 9090'")[0]);
      }
    }
  }
}

package io.clusterd.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clusterd ctl} as a user runs it: a child process ({@code java -cp <the test class path> io.clusterd.http.Main
 * ctl ...}) against a daemon on a loopback port the system picks; every subcommand, its output and its exit code.
 */
class CtlProcessTest {
  @TempDir
  Path dir;

  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private Path state;

  /** One run of the client: exit code, standard output and standard error. */
  record Run(int code, String out, String err) {
    JsonNode json() throws IOException {
      return new ObjectMapper().readTree(out);
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  @BeforeEach
  void start() throws Exception {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5))
        .maxAttempts(1).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    state = dir.resolve("state.yaml");
    Files.writeString(state, CtlCommandTest.DOC);
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  /** Runs {@code clusterd ctl ARGS} in a new JVM with exactly the given CLUSTERD_ variables. */
  static Run ctlProcess(Path workDir, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-cp", System.getProperty("java.class.path"),
        "io.clusterd.http.Main", "ctl"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTERD_") || k.equals("NO_COLOR"));
    pb.environment().putAll(env);
    File err = Files.createTempFile(workDir, "stderr", ".txt").toFile();
    pb.redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish: " + cmd);
    String error = Files.readString(err.toPath());
    Files.delete(err.toPath());
    return new Run(p.exitValue(), out, error);
  }

  Run ctl(Map<String, String> env, String... args) throws Exception {
    return ctlProcess(dir, env, args);
  }

  Run ctl(String... args) throws Exception {
    return ctl(Map.of("CLUSTERD_SERVER", server.url()), args);
  }

  private void applied() throws Exception {
    Run r = ctl("apply", "-f", state.toString());
    assertEquals(0, r.code(), r.toString());
  }

  @Test
  void statusAndTree_ofAnAppliedDocument_drawTheIndentedTreeWithEachStatus_andExit0() throws Exception {
    Run empty = ctl("status");
    assertEquals(0, empty.code(), empty.toString());
    assertTrue(empty.out().contains("(empty: no instances, no clusters)"), empty.toString());
    applied();
    clusterd.reconcile();
    Run status = ctl("status");
    assertEquals(0, status.code(), status.toString());
    List<String> lines = status.out().lines().toList();
    assertTrue(lines.get(0).matches("eu/ +\\(EU\\)"), status.toString());
    assertTrue(lines.get(1).matches("  eu-web/ +\\(EU web\\)"), status.toString());
    assertTrue(lines.get(2).matches("    web-1 +mem://web-1 +in-sync"), status.toString());
    assertTrue(lines.get(4).matches("lone +mem://lone +in-sync"), status.toString());
    // the host column is aligned across depths
    assertEquals(lines.get(2).indexOf("mem://"), lines.get(4).indexOf("mem://"), status.toString());
    assertTrue(status.out().contains("3 instances: 3 in-sync"), status.toString());
    assertFalse(status.out().contains("\u001b["), "no colours into a pipe");
    Run tree = ctl("tree");
    assertEquals(status.out(), tree.out());
    Run json = ctl("status", "-o", "json");
    assertEquals(2, json.json().path("tree").size(), json.toString());
  }

  @Test
  void get_aNodeOrAKey_printsTheInstanceValueOrTheClusterPin_andUnknownOnesExit1() throws Exception {
    applied();
    Run instance = ctl("get", "web-1");
    assertEquals(0, instance.code(), instance.toString());
    assertTrue(instance.out().matches("(?s)instance +web-1\nname +web 1\nhost +mem://web-1\n.*parent +eu-web\n.*"),
        instance.toString());
    assertTrue(instance.out().matches("(?s).*user:/app/port +8080 +- +eu-web\n.*"), instance.toString());
    assertTrue(instance.out().matches("(?s).*user:/app/mode +strict +- +eu\n.*"), instance.toString());
    Run cluster = ctl("get", "eu-web", "-o", "json");
    assertEquals(0, cluster.code(), cluster.toString());
    assertEquals("eu", cluster.json().path("parent").asText());
    assertEquals(2, cluster.json().path("pins").size(), cluster.toString());

    Run value = ctl("get", "web-2", "user:/app/port");
    assertEquals(0, value.code(), value.toString());
    assertEquals("8080", value.out().lines().findFirst().orElseThrow());
    assertTrue(value.out().matches("(?s).*locked by +eu-web.*"), value.toString());
    Run pin = ctl("get", "eu-web", "user:/app/mode");
    assertEquals(0, pin.code(), pin.toString());
    assertEquals("strict", pin.out().lines().findFirst().orElseThrow());
    assertTrue(pin.out().matches("(?s).*locked by +eu\n.*"), pin.toString());
    Run pinJson = ctl("get", "eu", "user:/app/mode", "-o", "json");
    assertEquals("strict", pinJson.json().path("value").asText(), pinJson.toString());

    Run missingKey = ctl("get", "web-1", "user:/nothing");
    assertEquals(1, missingKey.code(), missingKey.toString());
    assertTrue(missingKey.err().startsWith("PATH_NOT_FOUND: "), missingKey.toString());
    Run missingPin = ctl("get", "eu", "user:/app/port");
    assertEquals(1, missingPin.code(), missingPin.toString());
    assertTrue(missingPin.err().startsWith("PATH_NOT_FOUND: "), missingPin.toString());
    Run missingNode = ctl("get", "nope");
    assertEquals(1, missingNode.code(), missingNode.toString());
    assertEquals("NOT_FOUND: no instance or cluster has the id 'nope'\n", missingNode.err());
  }

  @Test
  void createAndMove_withDryRunFirst_printThePlanAndChangeNothing_thenDoIt() throws Exception {
    applied();
    Run planned = ctl("create", "instance", "web-3", "--host", "mem://web-3", "--name", "web 3", "--dry-run");
    assertEquals(0, planned.code(), planned.toString());
    assertTrue(planned.out().startsWith("accepted (dry run: nothing changed)"), planned.toString());
    assertTrue(clusterd.node("web-3").isEmpty());
    Run created = ctl("create", "instance", "web-3", "--host", "mem://web-3", "--label", "dc=eu");
    assertEquals(0, created.code(), created.toString());
    assertEquals("registered instance web-3 (mem://web-3)\n", created.out());
    Run again = ctl("create", "instance", "web-4", "--host", "mem://web-3");
    assertEquals(1, again.code(), again.toString());
    assertTrue(again.err().matches("HOST_DOES_ALREADY_EXIST: [^\n]+\n"), again.toString());

    Run cluster = ctl("create", "cluster", "eu-api", "--name", "EU api", "--parent", "eu", "--member", "web-3",
        "--dry-run", "-o", "json");
    assertEquals(0, cluster.code(), cluster.toString());
    assertTrue(cluster.json().path("dryRun").asBoolean(), cluster.toString());
    assertTrue(clusterd.node("eu-api").isEmpty());
    Run made = ctl("create", "cluster", "eu-api", "--name", "EU api", "--parent", "eu", "--member", "web-3");
    assertEquals(0, made.code(), made.toString());
    assertTrue(made.out().startsWith("created cluster eu-api in eu with web-3\n"), made.toString());
    assertTrue(made.out().contains("1 of 1 instances took it"), made.toString());
    assertEquals("strict", mem.database("web-3").get(KeyName.parse("user:/app/mode")).orElseThrow().value());

    Run dryMove = ctl("move", "web-3", "--to", "eu-web", "--dry-run");
    assertEquals(0, dryMove.code(), dryMove.toString());
    assertTrue(dryMove.out().contains("set user:/app/port = 8080"), dryMove.toString());
    assertEquals("eu-api", clusterd.parentOf("web-3").orElseThrow());
    Run moved = ctl("move", "web-3", "--to", "eu-web");
    assertEquals(0, moved.code(), moved.toString());
    assertTrue(moved.out().startsWith("moved instance web-3: eu-api -> eu-web"), moved.toString());
    assertEquals("8080", mem.database("web-3").get(KeyName.parse("user:/app/port")).orElseThrow().value());
    Run top = ctl("move", "eu-api", "--to-top");
    assertEquals(0, top.code(), top.toString());
    assertTrue(top.out().startsWith("moved cluster eu-api: eu -> (top level)"), top.toString());
    assertTrue(clusterd.parentOf("eu-api").isEmpty());

    assertEquals(2, ctl("move", "web-3").code(), "--to or --to-top is required");
    assertEquals(2, ctl("move", "web-3", "--to", "eu", "--to-top").code(), "not both");
    assertEquals(2, ctl("create", "instance", "x").code(), "--host is required");
    assertEquals(2, ctl("create").code(), "cluster or instance");
    Run cycle = ctl("move", "eu", "--to", "eu-web");
    assertEquals(1, cycle.code(), cycle.toString());
    assertTrue(cycle.err().matches("[A-Z_]+: [^\n]+\n"), cycle.toString());
  }

  @Test
  void exportAndGetState_giveTheSameDocument_yamlOrJson() throws Exception {
    applied();
    Run export = ctl("export");
    assertEquals(0, export.code(), export.toString());
    assertTrue(export.out().startsWith("format: clusterd-state/1\n"), export.toString());
    assertEquals(ctl("get", "state").out(), export.out());
    assertEquals(export.out(), ctl("export", "-o", "yaml").out());
    Run json = ctl("export", "-o", "json");
    assertEquals(new YAMLMapper().readTree(export.out()), json.json());
    // the export applies as it is: nothing to change
    Files.writeString(state, export.out());
    Run diff = ctl("diff", "-f", state.toString());
    assertEquals(0, diff.code(), diff.toString());
    assertTrue(diff.out().contains("no changes"), diff.toString());
  }

  @Test
  void diffAndApply_ofADocumentWithConflicts_exit1_eachConflictOnOneLine_andNothingChanges() throws Exception {
    Files.writeString(state, CtlCommandTest.DOC.replace("pins: {user:/app/port: \"8080\"}", "pins: {user:/app/mode: x}")
        .replace("host: \"mem://web-2\"", "host: \"mem://web-1\""));
    Run diff = ctl("diff", "-f", state.toString());
    assertEquals(1, diff.code(), diff.toString());
    assertTrue(diff.out().contains("! KEY_PINNED_BELOW: "), diff.toString());
    Run dry = ctl("apply", "--dry-run", "-f", state.toString());
    assertEquals(1, dry.code(), dry.toString());
    Run apply = ctl("apply", "-f", state.toString());
    assertEquals(1, apply.code(), apply.toString());
    assertEquals(2, apply.err().lines().count(), apply.toString());
    assertTrue(apply.err().lines().allMatch(l -> l.matches("[A-Z_]+: .+")), apply.toString());
    assertEquals(0, clusterd.instances().size());
  }

  @Test
  void pinSetUnpinSyncDriftHistory_inAChildProcess_reportAndExitAsDocumented() throws Exception {
    applied();
    Run dryPin = ctl("pin", "eu-web", "user:/app/port", "9090", "--dry-run");
    assertEquals(0, dryPin.code(), dryPin.toString());
    assertTrue(dryPin.out().startsWith("accepted (dry run: nothing changed)"), dryPin.toString());
    assertEquals("8080", mem.database("web-1").get(KeyName.parse("user:/app/port")).orElseThrow().value());
    Run pin = ctl("pin", "eu-web", "user:/app/port", "9090");
    assertEquals(0, pin.code(), pin.toString());
    assertTrue(pin.out().contains("2 of 2 instances took it"), pin.toString());
    Run locked = ctl("set", "web-1", "user:/app/port", "1");
    assertEquals(1, locked.code(), locked.toString());
    assertEquals("KEY_LOCKED: user:/app/port is locked by cluster 'eu-web'", locked.err().lines().findFirst()
        .orElseThrow().replaceFirst("(locked by cluster 'eu-web').*", "$1"));
    assertEquals(1, locked.err().lines().count(), locked.toString());
    Run drySet = ctl("set", "lone", "user:/own", "v", "--dry-run");
    assertEquals(0, drySet.code(), drySet.toString());
    assertTrue(mem.database("lone").get(KeyName.parse("user:/own")).isEmpty());
    assertEquals(0, ctl("set", "lone", "user:/own", "v").code());
    assertEquals("v", mem.database("lone").get(KeyName.parse("user:/own")).orElseThrow().value());

    mem.database("web-2").set(KeyName.parse("user:/app/port"), "1");
    Run drift = ctl("drift", "eu");
    assertEquals(0, drift.code(), drift.toString());
    assertTrue(drift.out().matches("(?s)INSTANCE +KEY +DESIRED +ACTUAL +LOCKED BY\nweb-2 +user:/app/port +9090 +1 +eu-web\n"),
        drift.toString());
    Run drySync = ctl("sync", "eu", "--dry-run");
    assertEquals(0, drySync.code(), drySync.toString());
    assertEquals("1", mem.database("web-2").get(KeyName.parse("user:/app/port")).orElseThrow().value());
    assertEquals(0, ctl("sync", "eu").code());
    assertEquals("9090", mem.database("web-2").get(KeyName.parse("user:/app/port")).orElseThrow().value());

    Run dryUnpin = ctl("unpin", "eu-web", "user:/app/port", "--dry-run");
    assertEquals(0, dryUnpin.code(), dryUnpin.toString());
    assertEquals(1, clusterd.pins("eu-web").size());
    assertEquals(0, ctl("unpin", "eu-web", "user:/app/port").code());
    assertTrue(clusterd.pins("eu-web").isEmpty());

    Run history = ctl("history", "eu-web", "--limit", "5");
    assertEquals(0, history.code(), history.toString());
    assertTrue(history.out().lines().findFirst().orElseThrow().matches("SEQ +TIME +ACTOR +NODE +OPERATION .*"),
        history.toString());
    assertTrue(history.out().contains("unpin"), history.toString());

    mem.stop("web-1");
    Run partial = ctl("pin", "eu-web", "user:/app/port", "7070");
    assertEquals(3, partial.code(), partial.toString());
    assertTrue(partial.out().contains("status 207: 1 of 2 instances took it"), partial.toString());
  }

  @Test
  void serverAndToken_fromFlagsFilesAndVariables_tokenFlagRefused_unreachableExits3() throws Exception {
    try (Clusterd secured = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .build();
        ClusterdServer s = ClusterdServer.start(secured, ServerConfig.loopback(0)
            .withTokens(List.of(ServerConfig.Token.parse("ops:admin:s3cret-token"))))) {
      Run none = ctl(Map.of("CLUSTERD_SERVER", s.url()), "status");
      assertEquals(1, none.code(), none.toString());
      assertTrue(none.err().startsWith("NEED_AUTHENTICATION: "), none.toString());
      Path file = dir.resolve("token");
      Files.writeString(file, "s3cret-token\n");
      assertEquals(0, ctl(Map.of("CLUSTERD_SERVER", s.url()), "--token-file", file.toString(), "status").code());
      assertEquals(0, ctl(Map.of("CLUSTERD_SERVER", s.url(), "CLUSTERD_TOKEN", "s3cret-token"), "status").code());
      assertEquals(0, ctl(Map.of("CLUSTERD_URL", s.url(), "CLUSTERD_TOKEN", "s3cret-token"), "status").code(),
          "CLUSTERD_URL still works");
      assertEquals(0, ctl(Map.of("CLUSTERD_TOKEN", "s3cret-token"), "--server", s.url(), "status").code());
      Run flag = ctl(Map.of("CLUSTERD_SERVER", s.url()), "status", "--token", "s3cret-token");
      assertEquals(2, flag.code(), flag.toString());
      assertTrue(flag.err().contains("--token-file"), flag.toString());
      assertEquals(2, ctl(Map.of("CLUSTERD_SERVER", s.url()), "--token-file", dir.resolve("missing").toString(),
          "status").code());
    }
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run unreachable = ctl(Map.of("CLUSTERD_SERVER", "http://127.0.0.1:" + closed), "status");
    assertEquals(3, unreachable.code(), unreachable.toString());
    assertTrue(unreachable.err().startsWith("clusterd ctl: cannot reach the daemon at http://127.0.0.1:" + closed),
        unreachable.toString());
    Run dflt = ctl(Map.of(), "--help");
    assertEquals(0, dflt.code(), dflt.toString());
    assertTrue(dflt.out().contains("http://127.0.0.1:33334"), dflt.toString());
    assertFalse(dflt.out().contains("--token "), "the refused flag is not offered: " + dflt);
    assertEquals(2, ctl("frobnicate").code());
    assertEquals(2, ctl("get").code());
  }

  @Test
  void completion_printsABashScriptThatCompletesTheCommands() throws Exception {
    Run completion = ctl(Map.of(), "completion");
    assertEquals(0, completion.code(), completion.toString());
    assertTrue(completion.out().contains("complete -F"), completion.out());
    for (String command : List.of("status", "tree", "get", "create", "move", "export", "diff", "apply", "pin",
        "unpin", "set", "drift", "sync", "history", "--dry-run", "--to-top", "--token-file")) {
      assertTrue(completion.out().contains(command), command);
    }
    Path script = dir.resolve("clusterd-completion.bash");
    Files.writeString(script, completion.out());
    Process bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, bash.exitValue(), "bash -n: " + out);
  }
}

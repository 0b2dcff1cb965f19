package io.clusterd.http.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.Main;
import io.clusterd.http.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clusterd ctl} against a real daemon over loopback: every command, its output and its exit code. */
class CtlCommandTest {
  static final String DOC = """
      clusters:
        - id: eu
          name: EU
          pins:
            user:/app/mode: strict
          clusters:
            - id: eu-web
              name: EU web
              pins: {user:/app/port: "8080"}
              instances: [web-1, web-2]
      instances:
        - {id: web-1, name: web 1, host: "mem://web-1"}
        - {id: web-2, name: web 2, host: "mem://web-2"}
        - {id: lone, name: lone, host: "mem://lone"}
      """;

  @TempDir
  Path dir;

  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private Path state;

  /** One run of the client: exit code, standard output and standard error. */
  record Run(int code, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  @BeforeEach
  void start() throws Exception {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5))
        .maxAttempts(1).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    state = dir.resolve("state.yaml");
    Files.writeString(state, DOC);
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  Run ctl(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = CtlCommand.run(env, new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  Run ctl(String... args) {
    return ctl(Map.of("CLUSTERD_URL", server.url()), args);
  }

  private Run applied() {
    Run r = ctl("apply", "-f", state.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    return r;
  }

  @Test
  void diffThenApply_printsTheChangesAndAppliesThem_secondDiffIsEmpty() {
    Run diff = ctl("diff", "-f", state.toString());
    assertEquals(0, diff.code(), diff.err());
    assertTrue(diff.out().contains("+ cluster eu-web in eu"), diff.out());
    assertTrue(diff.out().contains("+ pin eu-web user:/app/port = \"8080\""), diff.out());
    assertTrue(diff.out().contains("set user:/app/port = 8080"), diff.out());
    assertEquals(0, clusterd.instances().size(), "diff changes nothing");

    Run apply = applied();
    assertTrue(apply.out().contains("applied as version"), apply.out());
    assertEquals("8080", mem.database("web-2").get(KeyName.parse("user:/app/port")).orElseThrow().value());

    Run again = ctl("diff", "-f", state.toString());
    assertEquals(0, again.code());
    assertTrue(again.out().contains("no changes"), again.out());
  }

  @Test
  void applyWithConflicts_exits1_printsEveryConflictAsTokenAndMessage_andChangesNothing() throws Exception {
    Files.writeString(state, DOC.replace("pins: {user:/app/port: \"8080\"}", "pins: {user:/app/mode: x}")
        .replace("host: \"mem://web-2\"", "host: \"mem://web-1\""));
    Run dry = ctl("apply", "--dry-run", "-f", state.toString());
    assertEquals(1, dry.code(), dry.out());
    assertTrue(dry.out().contains("! KEY_PINNED_BELOW: clusters[0].clusters[0].pins['user:/app/mode']"), dry.out());
    assertTrue(dry.out().contains("! HOST_DOES_ALREADY_EXIST: instances[1].host"), dry.out());
    Run refused = ctl("apply", "-f", state.toString());
    assertEquals(1, refused.code());
    assertEquals(2, refused.err().lines().count(), refused.err());
    assertTrue(refused.err().lines().allMatch(l -> l.matches("[A-Z_]+: .+")), refused.err());
    assertEquals(0, clusterd.instances().size());
  }

  @Test
  void prune_isNeededToRemove_andStaleIfMatchIsRefused() throws Exception {
    applied();
    Files.writeString(state, DOC.replace("  - {id: lone, name: lone, host: \"mem://lone\"}\n", ""));
    Run kept = ctl("apply", "-f", state.toString());
    assertEquals(0, kept.code());
    assertTrue(kept.out().contains("- instance lone  (kept: not in the document; --prune removes it)"), kept.out());
    assertTrue(clusterd.node("lone").isPresent());
    Run pruned = ctl("apply", "--prune", "-f", state.toString());
    assertEquals(0, pruned.code(), pruned.err());
    assertTrue(clusterd.node("lone").isEmpty());

    Run stale = ctl("apply", "--if-match", "0123", "-f", state.toString());
    assertEquals(1, stale.code());
    assertTrue(stale.err().startsWith("STATE_CHANGED: "), stale.err());
  }

  @Test
  void get_tablesForPeople_jsonAndYamlForScripts() throws Exception {
    applied();
    Run tree = ctl("get", "tree");
    assertEquals(0, tree.code());
    assertTrue(tree.out().matches("(?s)eu/ +\\(EU\\)\n  eu-web/ +\\(EU web\\)\n    web-1 +mem://web-1 .*"), tree.out());
    Run instances = ctl("get", "instances");
    assertTrue(instances.out().lines().findFirst().orElseThrow().matches("ID +NAME +HOST +PARENT +STATUS"),
        instances.out());
    assertTrue(instances.out().contains("web-1  web 1  mem://web-1  eu-web"), instances.out());
    Run clusters = ctl("get", "clusters", "-o", "json");
    assertEquals(2, clusters.json().size());
    Run yaml = ctl("-o", "yaml", "get", "clusters");
    assertEquals(2, new YAMLMapper().readTree(yaml.out()).size());
    Run stateYaml = ctl("get", "state");
    java.net.http.HttpResponse<String> direct = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/api/state"))
            .header("Accept", "application/yaml").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(direct.body(), stateYaml.out());
    Run stateJson = ctl("get", "state", "-o", "json");
    assertEquals(new YAMLMapper().readTree(stateYaml.out()), stateJson.json());
    Run unknown = ctl("get", "nonsense");
    assertEquals(1, unknown.code(), "not a list, and no node has that id");
    assertTrue(unknown.err().startsWith("NOT_FOUND: "), unknown.err());
    assertEquals(2, ctl("get").code());
  }

  @Test
  void pinUnpinSet_reportPerInstance_andRefusalsExit1() throws Exception {
    applied();
    Run pin = ctl("pin", "eu-web", "user:/app/port", "9090", "--meta", "check/type=long");
    assertEquals(0, pin.code(), pin.err());
    assertTrue(pin.out().contains("2 of 2 instances took it"), pin.out());
    assertEquals("long", mem.database("web-1").get(KeyName.parse("user:/app/port")).orElseThrow().meta()
        .get("check/type"));
    Run dry = ctl("pin", "eu-web", "user:/app/port", "1", "--dry-run", "-o", "json");
    assertEquals(0, dry.code());
    assertTrue(dry.json().path("dryRun").asBoolean());

    Run locked = ctl("set", "web-1", "user:/app/port", "1");
    assertEquals(1, locked.code());
    assertTrue(locked.err().startsWith("KEY_LOCKED: user:/app/port is locked by cluster 'eu-web'"), locked.err());
    Run set = ctl("set", "web-1", "user:/own", "v");
    assertEquals(0, set.code(), set.err());
    assertEquals("v", mem.database("web-1").get(KeyName.parse("user:/own")).orElseThrow().value());

    Run below = ctl("pin", "eu-web", "user:/app/mode", "x");
    assertEquals(1, below.code());
    assertTrue(below.err().startsWith("KEY_LOCKED: "), below.err());

    Run unpin = ctl("unpin", "eu-web", "user:/app/port");
    assertEquals(0, unpin.code(), unpin.err());
    assertTrue(clusterd.pins("eu-web").isEmpty());
    assertEquals(1, ctl("unpin", "nope", "user:/x").code());
  }

  @Test
  void driftAndSync_ofClustersAndInstances_andAFailedFanOutExits3() throws Exception {
    applied();
    mem.database("web-2").set(KeyName.parse("user:/app/port"), "1");
    Run drift = ctl("drift", "eu");
    assertEquals(0, drift.code(), drift.err());
    assertTrue(drift.out().matches("(?s).*web-2 +user:/app/port +8080 +1 +eu-web.*"), drift.out());
    Run one = ctl("drift", "web-1", "-o", "json");
    assertEquals(0, one.json().path("drift").path("web-1").size(), one.out());
    Run sync = ctl("sync", "eu");
    assertEquals(0, sync.code(), sync.err());
    assertEquals("8080", mem.database("web-2").get(KeyName.parse("user:/app/port")).orElseThrow().value());
    assertTrue(ctl("drift", "eu").out().contains("no drift"));

    mem.stop("web-1");
    Run partial = ctl("sync", "eu");
    assertEquals(3, partial.code(), partial.out());
    assertTrue(partial.out().contains("status 207"), partial.out());
  }

  @Test
  void history_newestFirst_ofTheWholeRegistryOrOneNode() throws Exception {
    applied();
    Run all = ctl("history", "--limit", "100");
    assertEquals(0, all.code());
    assertTrue(all.out().contains("apply-state"), all.out());
    Run node = ctl("history", "eu-web", "-o", "json");
    JsonNode entries = node.json().path("history");
    assertTrue(entries.size() >= 2);
    entries.forEach(e -> assertEquals("eu-web", e.path("node").asText()));
    assertEquals(2, ctl("history", "--limit", "0").code());
  }

  @Test
  void serverFromFlagOrEnvironment_tokenFromFile_unreachableExits3_usageExits2() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run unreachable = ctl(Map.of(), "--server", "http://127.0.0.1:" + closed, "get", "tree");
    assertEquals(3, unreachable.code());
    assertTrue(unreachable.err().contains("cannot reach the daemon at http://127.0.0.1:" + closed), unreachable.err());
    assertEquals(0, ctl(Map.of("CLUSTERD_SERVER", server.url()), "get", "tree").code());
    assertEquals(3, ctl(Map.of("CLUSTERD_URL", "http://127.0.0.1:" + closed), "get", "tree").code());
    assertEquals(0, ctl(Map.of("CLUSTERD_SERVER", server.url(), "CLUSTERD_URL", "http://127.0.0.1:" + closed),
        "get", "tree").code(), "CLUSTERD_SERVER comes before CLUSTERD_URL");
    assertEquals(2, ctl("frobnicate").code());
    assertEquals(2, ctl("apply").code(), "-f is required");
    assertEquals(2, ctl("apply", "-f", dir.resolve("missing.yaml").toString()).code());
    // the subcommand of the daemon's own command line
    assertEquals(0, Main.run("ctl", "--server", server.url(), "get", "instances"));
    assertEquals(0, Main.run("ctl", "--help"));
  }

  @Test
  void token_isSentFromTheFileOrTheVariable_andTheFlagIsRefusedAsUsage() throws Exception {
    try (Clusterd secured = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .build();
        ClusterdServer s = ClusterdServer.start(secured, ServerConfig.loopback(0)
            .withTokens(List.of(ServerConfig.Token.parse("ops:admin:s3cret-token"))))) {
      Map<String, String> env = Map.of("CLUSTERD_URL", s.url());
      Run none = ctl(env, "get", "tree");
      assertEquals(1, none.code());
      assertTrue(none.err().startsWith("NEED_AUTHENTICATION: "), none.err());
      Path file = dir.resolve("token");
      Files.writeString(file, "s3cret-token\n");
      assertEquals(0, ctl(env, "--token-file", file.toString(), "get", "tree").code());
      assertEquals(0, ctl(Map.of("CLUSTERD_URL", s.url(), "CLUSTERD_TOKEN", "s3cret-token"), "get", "tree").code());
      Run flag = ctl(env, "get", "tree", "--token", "s3cret-token");
      assertEquals(2, flag.code(), "a secret on the command line shows in ps");
      assertTrue(flag.err().contains("give --token-file FILE or set CLUSTERD_TOKEN"), flag.err());
    }
  }
}

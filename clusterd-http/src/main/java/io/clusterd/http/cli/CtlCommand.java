package io.clusterd.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code clusterd ctl}: the command-line client of a running daemon, over its REST API only (docs/state.md). Exit
 * codes: 0 done, 1 refused (a conflict, a document or value the daemon does not accept, a plan with conflicts),
 * 2 usage, 3 the daemon cannot be reached or instances failed (a fan-out that did not reach every instance).
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, version = "clusterd ctl 0.1.0",
    description = "Talks to a running clusterd daemon: read the tree, diff and apply desired-state documents, pin, "
        + "set, check drift, sync, read the history.",
    subcommands = {CtlReads.Status.class, CtlReads.Get.class, CtlReads.Export.class, CtlWrites.Diff.class,
        CtlWrites.Apply.class, CtlWrites.Create.class, CtlWrites.Move.class, CtlWrites.Pin.class,
        CtlWrites.Unpin.class, CtlWrites.Set.class, CtlReads.DriftCmd.class, CtlWrites.Sync.class,
        CtlReads.History.class, CtlCommand.Completion.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:refused: a conflict, a document or value the daemon does not accept",
        "2:usage error", "3:the daemon cannot be reached, or instances failed (partial fan-out)"})
public final class CtlCommand implements Callable<Integer> {
  static final int OK = 0;
  static final int REFUSED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;
  static final String DEFAULT_SERVER = "http://127.0.0.1:33334";

  /** How answers are printed. */
  enum Format { table, json, yaml }

  @Option(names = "--server", scope = CommandLine.ScopeType.INHERIT, paramLabel = "URL",
      description = "the daemon's URL (default: $CLUSTERD_SERVER, else $CLUSTERD_URL, else " + DEFAULT_SERVER + ")")
  String server;

  /** Refused: a secret on the command line shows in {@code ps}. Parsed only to say what to use instead. */
  @Option(names = "--token", scope = CommandLine.ScopeType.INHERIT, hidden = true, paramLabel = "SECRET")
  String token;

  @Option(names = "--token-file", scope = CommandLine.ScopeType.INHERIT, paramLabel = "FILE",
      description = "file holding the bearer token (default: $CLUSTERD_TOKEN); never a flag, which ps would show")
  Path tokenFile;

  @Option(names = {"-o", "--output"}, scope = CommandLine.ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "table (default, for people), json or yaml (for scripts)")
  Format output = Format.table;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  /** Reads the environment of the process. */
  public CtlCommand() {
    this(System.getenv());
  }

  /** With the given environment (tests). */
  public CtlCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /**
   * Runs the client with its own output and environment and returns the exit code.
   *
   * @param args the arguments after {@code ctl}
   */
  public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cmd = new CommandLine(new CtlCommand(env));
    cmd.setOut(out);
    cmd.setErr(err);
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return OK;
  }

  // ------------------------------------------------------------------------------------------ shared

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  Client client() throws UsageError {
    if (token != null) {
      throw new UsageError("--token would show the secret to every user of this host (ps): give --token-file FILE"
          + " or set CLUSTERD_TOKEN");
    }
    String url = server != null ? server : Optional.ofNullable(env.get("CLUSTERD_SERVER")).filter(s -> !s.isBlank())
        .or(() -> Optional.ofNullable(env.get("CLUSTERD_URL")).filter(s -> !s.isBlank())).orElse(DEFAULT_SERVER);
    Optional<String> t = Optional.empty();
    if (tokenFile != null) {
      try {
        t = Optional.of(Files.readString(tokenFile, StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new UsageError("cannot read the token file " + tokenFile + ": " + e.getMessage());
      }
    }
    if (t.isEmpty()) {
      t = Optional.ofNullable(env.get("CLUSTERD_TOKEN")).filter(s -> !s.isBlank());
    }
    return new Client(url, t);
  }

  /** A usage problem found after parsing (exit code 2). */
  static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  /** The body of one command: returns the exit code. */
  interface Body {
    int run(Client c) throws Client.Unreachable, UsageError;
  }

  /** Runs a command body with the shared handling of unreachable daemons and usage errors. */
  int execute(Body body) {
    // colours for people at a terminal only: never into a pipe or a file, never with NO_COLOR, never in json or yaml
    Render.colour(output == Format.table && System.console() != null && !env.containsKey("NO_COLOR"));
    try {
      return body.run(client());
    } catch (Client.Unreachable e) {
      err().println("clusterd ctl: " + e.getMessage());
      return UNREACHABLE;
    } catch (UsageError e) {
      err().println("clusterd ctl: " + e.getMessage());
      return USAGE;
    } finally {
      // a document printed without a final newline is not lost when the JVM exits
      out().flush();
      err().flush();
    }
  }

  /**
   * Prints an answer the daemon refused: each conflict as {@code TOKEN: message} on its own line. Returns the
   * exit code: 3 for instances that failed or could not be reached, 1 otherwise.
   */
  int refused(Client.Answer a) {
    JsonNode j = a.json();
    JsonNode e = j == null ? null : j.path("error");
    if (e == null || e.isMissingNode()) {
      err().println("HTTP " + a.status() + ": " + a.text().strip());
      return a.status() >= 500 ? UNREACHABLE : REFUSED;
    }
    JsonNode conflicts = e.path("conflicts");
    if (conflicts.isArray() && conflicts.size() > 1) {
      conflicts.forEach(c -> err().println(c.path("i18n").asText() + ": " + c.path("message").asText()));
    } else {
      err().println(e.path("i18n").asText() + ": " + e.path("message").asText());
    }
    return e.path("i18n").asText().startsWith("INSTANCE_") && a.status() >= 500 ? UNREACHABLE : REFUSED;
  }

  /** Prints a JSON answer as {@code -o} asks, or with {@code table} for people. */
  void print(JsonNode j, java.util.function.Consumer<JsonNode> table) {
    switch (output) {
      case json -> out().println(Render.json(j));
      case yaml -> out().print(Render.yaml(j));
      default -> table.accept(j);
    }
  }

  /** Prints a fan-out result; returns 0 when every instance took it, 3 otherwise. */
  int fanOut(JsonNode f) {
    print(f, j -> Render.fanOut(out(), j));
    return f.path("status").asInt() == 200 ? OK : UNREACHABLE;
  }

  /** Prints a plan of one write (dry run); returns 0 when accepted, 1 otherwise. */
  int plan(JsonNode p) {
    print(p, j -> Render.plan(out(), j));
    return p.path("accepted").asBoolean() ? OK : REFUSED;
  }

  // ------------------------------------------------------------------------------------------ commands

  /** Prints the desired-state document: YAML as the daemon writes it, or JSON with {@code -o json}. */
  int printState(Client c) throws Client.Unreachable {
    boolean json = output == Format.json;
    Client.Answer a = c.get("/api/state", json ? "application/json" : "application/yaml");
    if (!a.ok()) {
      return refused(a);
    }
    if (json) {
      out().println(Render.json(a.json()));
    } else {
      out().print(a.text());
    }
    return OK;
  }

  /** Reads a JSON answer and prints it; returns 0, or the refusal's exit code. */
  int show(Client c, String path, java.util.function.Consumer<JsonNode> table) throws Client.Unreachable {
    Client.Answer a = c.get(path, null);
    if (!a.ok()) {
      return refused(a);
    }
    print(a.json(), table);
    return OK;
  }

  /** An instance or a cluster, as the daemon answers it. */
  record Found(boolean instance, JsonNode node) {
    String path(String id) {
      return (instance ? "/api/instances/" : "/api/clusters/") + Client.id(id);
    }
  }

  /** Looks a node up as an instance, then as a cluster; empty (after printing why) when it is neither. */
  Optional<Found> find(Client c, String id) throws Client.Unreachable {
    Client.Answer i = c.get("/api/instances/" + Client.id(id), null);
    if (i.ok()) {
      return Optional.of(new Found(true, i.json()));
    }
    if (i.status() != 404) {
      refused(i);
      return Optional.empty();
    }
    Client.Answer k = c.get("/api/clusters/" + Client.id(id), null);
    if (k.ok()) {
      return Optional.of(new Found(false, k.json()));
    }
    if (k.status() == 404) {
      err().println("NOT_FOUND: no instance or cluster has the id '" + id + "'");
    } else {
      refused(k);
    }
    return Optional.empty();
  }

  /** The query of a write: {@code ?dryRun=true}, {@code force=true}, as given. */
  static String query(boolean dryRun, boolean force) {
    List<String> q = new ArrayList<>();
    if (dryRun) {
      q.add("dryRun=true");
    }
    if (force) {
      q.add("force=true");
    }
    return q.isEmpty() ? "" : "?" + String.join("&", q);
  }

  /**
   * Answers a node write (create, move): the plan of a dry run, or the node with the fan-out of the pins its new
   * place brings, if any; returns 0, 1 for a refusal or a refused plan, 3 when instances did not take the pins.
   */
  int nodeWrite(Client.Answer a, boolean dryRun, java.util.function.Consumer<JsonNode> done) {
    if (!a.ok()) {
      return refused(a);
    }
    JsonNode j = a.json();
    if (dryRun) {
      return plan(j);
    }
    print(j, x -> {
      done.accept(x);
      if (x.path("fanOut").path("summary").path("total").asInt() > 0) {
        Render.fanOut(out(), x.path("fanOut"));
      }
    });
    JsonNode f = j.path("fanOut");
    return f.isMissingNode() || f.path("status").asInt(200) == 200 ? OK : UNREACHABLE;
  }

  static byte[] bytes(JsonNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = {"Prints a bash completion script (generated by picocli) for every command and option.",
          "Load it with: source <(./clusterd ctl completion)"})
  static final class Completion implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call() {
      CommandLine root = ctl.spec.root().commandLine();
      ctl.out().print(picocli.AutoComplete.bash(root.getCommandName(), root));
      ctl.out().flush();
      return OK;
    }
  }
}

package io.clusterd.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
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
    subcommands = {CtlCommand.Status.class, CtlCommand.Get.class, CtlCommand.Export.class, CtlCommand.Diff.class,
        CtlCommand.Apply.class, CtlCommand.Create.class, CtlCommand.Move.class, CtlCommand.Pin.class,
        CtlCommand.Unpin.class, CtlCommand.Set.class, CtlCommand.DriftCmd.class, CtlCommand.Sync.class,
        CtlCommand.History.class, CtlCommand.Completion.class},
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

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = {"Prints the tree, the instances, the clusters, the desired state (a YAML document), one node, "
          + "or one key: its value on an instance, or a cluster's pin of it.",
          "The words tree, instances, clusters and state come before node ids."})
  static final class Get implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Parameters(index = "0", paramLabel = "WHAT|NODE", description = "tree, instances, clusters, state, or a node id")
    String what;

    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY",
        description = "an Elektra key name, e.g. user:/app/port: its value on the instance, or the cluster's pin")
    String key;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        if (key == null) {
          switch (what) {
            case "tree" -> {
              return ctl.show(c, "/api/tree", j -> Render.tree(ctl.out(), j.path("tree")));
            }
            case "instances" -> {
              return ctl.show(c, "/api/instances", j -> Render.instances(ctl.out(), j));
            }
            case "clusters" -> {
              return ctl.show(c, "/api/clusters", j -> Render.clusters(ctl.out(), j));
            }
            case "state" -> {
              return ctl.printState(c);
            }
            default -> { }
          }
        }
        Optional<Found> found = ctl.find(c, what);
        if (found.isEmpty()) {
          return REFUSED;
        }
        Found f = found.get();
        return key == null ? node(c, f) : key(c, f);
      });
    }

    private int node(Client c, Found f) throws Client.Unreachable {
      Client.Answer pins = c.get(f.path(what) + "/pins", null);
      if (!pins.ok()) {
        return ctl.refused(pins);
      }
      ObjectNode j = ((ObjectNode) f.node().deepCopy());
      j.remove("children");
      j.remove("fanOut");
      j.set("pins", pins.json());
      ctl.print(j, x -> Render.node(ctl.out(), x, f.instance()));
      return OK;
    }

    private int key(Client c, Found f) throws Client.Unreachable, UsageError {
      if (f.instance()) {
        Client.Answer a = c.get(f.path(what) + "/kdb/" + Client.key(key), null);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        JsonNode j = a.json();
        if (!j.path("exists").asBoolean()) {
          ctl.err().println("PATH_NOT_FOUND: " + key + " does not exist on instance '" + what + "'");
          return REFUSED;
        }
        ctl.print(j, x -> Render.value(ctl.out(), x.path("path").asText(key), x.path("value"), x.path("meta"),
            x.path("lockedBy")));
        return OK;
      }
      Client.Answer a = c.get(f.path(what) + "/pins", null);
      if (!a.ok()) {
        return ctl.refused(a);
      }
      String canonical = canonical(key);
      for (JsonNode p : a.json()) {
        if (p.path("key").asText().equals(canonical)) {
          ctl.print(p, x -> Render.value(ctl.out(), x.path("key").asText(), x.path("value"), x.path("meta"),
              x.path("lockedBy")));
          return OK;
        }
      }
      ctl.err().println("PATH_NOT_FOUND: " + key + " is not pinned on cluster '" + what + "' nor above it");
      return REFUSED;
    }

    private static String canonical(String key) throws UsageError {
      try {
        return io.clusterd.KeyName.parse(key).toString();
      } catch (RuntimeException e) {
        throw new UsageError("'" + key + "' is not a key name: " + e.getMessage());
      }
    }
  }

  @Command(name = "status", aliases = "tree", mixinStandardHelpOptions = true,
      description = "Prints the tree: clusters indented with their instances, each instance's host and status, "
          + "and how many instances are in each status.")
  static final class Status implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call() {
      return ctl.execute(c -> ctl.show(c, "/api/tree", j -> {
        Render.tree(ctl.out(), j.path("tree"));
        Render.statusSummary(ctl.out(), j.path("tree"));
      }));
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Prints the desired-state document (YAML; -o json for JSON): the same as get state.")
  static final class Export implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Override
    public Integer call() {
      return ctl.execute(ctl::printState);
    }
  }

  /** What diff and apply share: the document file and prune. */
  abstract static class StateCommand {
    @ParentCommand
    CtlCommand ctl;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
        description = "the desired-state document (YAML, or JSON when it ends in .json; - reads stdin)")
    String file;

    @Option(names = "--prune", description = "also remove the instances and clusters the document leaves out")
    boolean prune;

    @Option(names = "--if-match", paramLabel = "ETAG",
        description = "apply only over this version of the state (the ETag of get state)")
    String ifMatch;

    Client.Answer put(Client c, boolean dryRun) throws Client.Unreachable, UsageError {
      byte[] body;
      try {
        body = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
      } catch (IOException e) {
        throw new UsageError("cannot read " + file + ": " + e.getMessage());
      }
      String type = file.toLowerCase(Locale.ROOT).endsWith(".json") ? "application/json" : "application/yaml";
      String query = "?dryRun=" + dryRun + (prune ? "&prune=true" : "");
      return c.send("PUT", "/api/state" + query, type, body, null, ifMatch);
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = "Prints what applying a desired-state document would change, and every conflict it has.")
  static final class Diff extends StateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      return ctl.execute(c -> {
        Client.Answer a = put(c, true);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        ctl.print(a.json(), j -> Render.stateDiff(ctl.out(), j));
        return a.json().path("accepted").asBoolean() ? OK : REFUSED;
      });
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Makes the registry equal to a desired-state document, as one change (all or nothing).")
  static final class Apply extends StateCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "only print the plan (as diff does)")
    boolean dryRun;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        Client.Answer a = put(c, dryRun);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        JsonNode j = a.json();
        ctl.print(j, x -> Render.stateDiff(ctl.out(), x));
        if (dryRun) {
          return j.path("accepted").asBoolean() ? OK : REFUSED;
        }
        return j.path("fanOut").path("status").asInt() == 200 ? OK : UNREACHABLE;
      });
    }
  }

  /** Options every single write takes. */
  abstract static class WriteCommand {
    @ParentCommand
    CtlCommand ctl;

    @Option(names = "--dry-run", description = "only print what would change")
    boolean dryRun;

    String query(boolean force) {
      List<String> q = new ArrayList<>();
      if (dryRun) {
        q.add("dryRun=true");
      }
      if (force) {
        q.add("force=true");
      }
      return q.isEmpty() ? "" : "?" + String.join("&", q);
    }

    /** Answers a cluster write: the plan, or the fan-out result. */
    int fanOutAnswer(Client.Answer a) {
      JsonNode j = a.json();
      if (j != null && j.has("results") && j.has("summary")) {
        return ctl.fanOut(j);
      }
      if (!a.ok()) {
        return ctl.refused(a);
      }
      return dryRun ? ctl.plan(j) : ctl.fanOut(j);
    }
  }

  @Command(name = "pin", mixinStandardHelpOptions = true,
      description = "Pins a key on a cluster and sends it to every instance below it.")
  static final class Pin extends WriteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Parameters(index = "1", paramLabel = "KEY", description = "an Elektra key name, e.g. user:/app/port")
    String key;

    @Parameters(index = "2", paramLabel = "VALUE")
    String value;

    @Option(names = "--meta", paramLabel = "NAME=VALUE", description = "metadata of the pin; repeatable")
    Map<String, String> meta = new LinkedHashMap<>();

    @Option(names = "--force", description = "drop the pins of the key below the cluster (C3)")
    boolean force;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        String path = "/api/clusters/" + Client.id(cluster) + "/kdb/" + Client.key(key);
        Client.Answer a = c.send("PUT", path + query(force), "text/plain; charset=utf-8",
            value.getBytes(StandardCharsets.UTF_8), null, null);
        int code = fanOutAnswer(a);
        if (code != OK || meta.isEmpty()) {
          return code;
        }
        ObjectNode body = Client.JSON.createObjectNode();
        meta.forEach(body::put);
        Client.Answer m = c.send("POST", "/api/clusters/" + Client.id(cluster) + "/kdbMetaBulk/" + Client.key(key)
            + query(force), "application/json", body.toString().getBytes(StandardCharsets.UTF_8), null, null);
        return fanOutAnswer(m);
      });
    }
  }

  @Command(name = "unpin", mixinStandardHelpOptions = true,
      description = "Unpins a key (and the keys below it) of a cluster and deletes it on every instance below.")
  static final class Unpin extends WriteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Option(names = "--force", description = "also drop the pins of the key below the cluster (C3)")
    boolean force;

    @Override
    public Integer call() {
      return ctl.execute(c -> fanOutAnswer(c.send("DELETE", "/api/clusters/" + Client.id(cluster) + "/kdb/"
          + Client.key(key) + query(force), null, null, null, null)));
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Sets a key on one instance (refused when a cluster above locks it).")
  static final class Set extends WriteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "INSTANCE")
    String instance;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Parameters(index = "2", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        Client.Answer a = c.send("PUT", "/api/instances/" + Client.id(instance) + "/kdb/" + Client.key(key)
            + query(false), "text/plain; charset=utf-8", value.getBytes(StandardCharsets.UTF_8), null, null);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        if (dryRun) {
          return ctl.plan(a.json());
        }
        ctl.print(a.json(), j -> ctl.out().println("set " + key + " on " + j.path("instance").asText() + " ("
            + j.path("latencyMs").asText() + " ms)"));
        return OK;
      });
    }
  }

  @Command(name = "drift", mixinStandardHelpOptions = true,
      description = "Prints, per instance below a node, the pinned keys that differ on the host.")
  static final class DriftCmd implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Parameters(index = "0", paramLabel = "NODE", description = "a cluster, or an instance")
    String node;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        Optional<String> only = Optional.empty();
        String cluster = node;
        Client.Answer i = c.get("/api/instances/" + Client.id(node), null);
        if (i.ok()) {
          only = Optional.of(node);
          JsonNode parent = i.json().path("parent");
          if (parent.isNull() || parent.isMissingNode()) {
            ctl.print(Client.JSON.createObjectNode().set("drift", Client.JSON.createObjectNode()),
                j -> Render.drift(ctl.out(), j));
            return OK;
          }
          cluster = parent.asText();
        }
        Client.Answer a = c.get("/api/clusters/" + Client.id(cluster) + "/drift", null);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        JsonNode j = a.json();
        if (only.isPresent()) {
          ObjectNode drift = Client.JSON.createObjectNode();
          JsonNode mine = j.path("drift").path(only.get());
          if (!mine.isMissingNode()) {
            drift.set(only.get(), mine);
          }
          j = Client.JSON.createObjectNode().set("drift", drift);
        }
        ctl.print(j, x -> Render.drift(ctl.out(), x));
        return OK;
      });
    }
  }

  @Command(name = "sync", mixinStandardHelpOptions = true,
      description = "Sends the effective pins of every instance below a cluster again.")
  static final class Sync extends WriteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Override
    public Integer call() {
      return ctl.execute(c -> fanOutAnswer(c.send("POST", "/api/clusters/" + Client.id(cluster) + "/sync"
          + query(false), null, null, null, null)));
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "Prints the change history, newest first.")
  static final class History implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NODE", description = "only this node's history")
    String node;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many entries (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        if (limit < 1 || limit > 1000) {
          throw new UsageError("--limit must be from 1 to 1000, not " + limit);
        }
        String q = "?limit=" + limit + (node == null ? "" : "&node=" + Client.id(node));
        Client.Answer a = c.get("/api/history" + q, null);
        if (!a.ok()) {
          return ctl.refused(a);
        }
        ctl.print(a.json(), j -> Render.history(ctl.out(), j.path("history")));
        return OK;
      });
    }
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

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a cluster, or registers an instance.",
      subcommands = {CreateCluster.class, CreateInstance.class})
  static final class Create implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("clusterd ctl: create takes cluster or instance: create cluster ID"
          + " [--name NAME] [--parent CLUSTER] [--member INSTANCE]..., create instance ID --host URL [--name NAME]");
      return USAGE;
    }
  }

  /** What both kinds of node take. */
  abstract static class NewNode {
    @ParentCommand
    Create create;

    @Parameters(index = "0", paramLabel = "ID", description = "the id: [a-z0-9][a-z0-9._-]{0,62}")
    String id;

    @Option(names = "--name", description = "display name (default: the id)")
    String name;

    @Option(names = "--description", description = "free text")
    String description;

    @Option(names = "--label", paramLabel = "NAME=VALUE", description = "a label; repeatable")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--dry-run", description = "only print what would change")
    boolean dryRun;

    ObjectNode body() {
      ObjectNode b = Client.JSON.createObjectNode();
      b.put("id", id);
      b.put("name", name == null ? id : name);
      if (description != null) {
        b.put("description", description);
      }
      if (!labels.isEmpty()) {
        ObjectNode l = b.putObject("labels");
        labels.forEach(l::put);
      }
      return b;
    }
  }

  @Command(name = "cluster", mixinStandardHelpOptions = true,
      description = "Creates a cluster, top-level or under --parent, with the instances of --member in it.")
  static final class CreateCluster extends NewNode implements Callable<Integer> {
    @Option(names = "--parent", paramLabel = "CLUSTER", description = "the cluster it goes under (default: top level)")
    String parent;

    @Option(names = "--member", split = ",", paramLabel = "INSTANCE",
        description = "an instance without a cluster to put in it; repeatable, or comma-separated")
    List<String> members = new ArrayList<>();

    @Option(names = "--cluster", split = ",", paramLabel = "CLUSTER",
        description = "a top-level cluster to put under it; repeatable, or comma-separated")
    List<String> clusters = new ArrayList<>();

    @Option(names = "--force", description = "drop the pins below it that its pins would conflict with (C6)")
    boolean force;

    @Override
    public Integer call() {
      CtlCommand ctl = create.ctl;
      return ctl.execute(c -> {
        ObjectNode b = body();
        if (parent != null) {
          b.put("parent", parent);
        }
        if (!members.isEmpty()) {
          members.forEach(b.putArray("instances")::add);
        }
        if (!clusters.isEmpty()) {
          clusters.forEach(b.putArray("clusters")::add);
        }
        Client.Answer a = c.send("POST", "/api/clusters" + query(dryRun, force), "application/json", bytes(b), null,
            null);
        return ctl.nodeWrite(a, dryRun, j -> ctl.out().println("created cluster " + j.path("id").asText()
            + (j.path("parent").isTextual() ? " in " + j.path("parent").asText() : " (top level)")
            + (j.path("instances").isEmpty() ? "" : " with " + Render.join(j.path("instances")))));
      });
    }
  }

  @Command(name = "instance", mixinStandardHelpOptions = true,
      description = "Registers an instance (top level; move puts it into a cluster).")
  static final class CreateInstance extends NewNode implements Callable<Integer> {
    @Option(names = "--host", required = true, paramLabel = "URL",
        description = "its endpoint, e.g. http://10.0.0.5:33333 (an elektrad) or mem://name")
    String host;

    @Option(names = "--transport", description = "the transport's scheme when it is not the endpoint's")
    String transport;

    @Override
    public Integer call() {
      CtlCommand ctl = create.ctl;
      return ctl.execute(c -> {
        ObjectNode b = body();
        b.put("host", host);
        if (transport != null) {
          b.put("transport", transport);
        }
        Client.Answer a = c.send("POST", "/api/instances" + query(dryRun, false), "application/json", bytes(b), null,
            null);
        return ctl.nodeWrite(a, dryRun, j -> ctl.out().println("registered instance " + j.path("id").asText()
            + " (" + j.path("host").asText() + ")"));
      });
    }
  }

  @Command(name = "move", mixinStandardHelpOptions = true,
      description = "Moves an instance or a cluster under another cluster, or to the top level.")
  static final class Move implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Parameters(index = "0", paramLabel = "NODE", description = "an instance or a cluster")
    String node;

    /** Where it goes: exactly one of the two. */
    static final class Target {
      @Option(names = "--to", paramLabel = "CLUSTER", required = true, description = "the cluster it goes under")
      String to;

      @Option(names = "--to-top", required = true, description = "to the top level")
      boolean top;
    }

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--force", description = "drop the pins below it that the new place's pins conflict with (C6)")
    boolean force;

    @Option(names = "--dry-run", description = "only print what would change")
    boolean dryRun;

    @Override
    public Integer call() {
      return ctl.execute(c -> {
        Optional<Found> found = ctl.find(c, node);
        if (found.isEmpty()) {
          return REFUSED;
        }
        ObjectNode b = Client.JSON.createObjectNode();
        if (target.top) {
          b.putNull("parent");
        } else {
          b.put("parent", target.to);
        }
        String before = found.get().node().path("parent").isTextual() ? found.get().node().path("parent").asText()
            : "(top level)";
        Client.Answer a = c.send("PUT", found.get().path(node) + query(dryRun, force), "application/json", bytes(b),
            null, null);
        return ctl.nodeWrite(a, dryRun, j -> ctl.out().println("moved " + (found.get().instance() ? "instance "
            : "cluster ") + node + ": " + before + " -> " + (target.top ? "(top level)" : target.to)));
      });
    }
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

package io.clusterd.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
import static io.clusterd.http.cli.CtlCommand.*;

/** The commands of {@code clusterd ctl} that change something: diff and apply of documents, pin, unpin, set, sync, create, move; each takes --dry-run. */
final class CtlWrites {
  private CtlWrites() { }

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

}

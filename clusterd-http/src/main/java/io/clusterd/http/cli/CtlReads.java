package io.clusterd.http.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import static io.clusterd.http.cli.CtlCommand.*;

/** The commands of {@code clusterd ctl} that read: get, status, export, drift, history. */
final class CtlReads {
  private CtlReads() { }

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

}

package io.clusterd.http.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** How the client prints answers for people (aligned tables, the tree indented, plans as diffs) and scripts. */
final class Render {
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build();

  private Render() { }

  static String json(JsonNode j) {
    try {
      return Client.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String yaml(JsonNode j) {
    try {
      return YAML.writeValueAsString(j);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows as aligned columns under a header. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> r : all) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        line.append(i == r.size() - 1 ? r.get(i) : pad(r.get(i), width[i] + 2));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String pad(String s, int n) {
    return s + " ".repeat(Math.max(0, n - s.length()));
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
  }

  static void tree(PrintWriter out, JsonNode nodes, int depth) {
    if (depth == 0 && nodes.isEmpty()) {
      out.println("(empty: no instances, no clusters)");
    }
    for (JsonNode n : nodes) {
      String indent = "  ".repeat(depth);
      if (n.path("type").asText().equals("cluster")) {
        out.println(indent + n.path("id").asText() + "/  (" + n.path("name").asText() + ")");
        tree(out, n.path("children"), depth + 1);
      } else {
        out.println(indent + n.path("id").asText() + "  " + n.path("host").asText() + "  "
            + text(n.path("status")));
      }
    }
  }

  static void instances(PrintWriter out, JsonNode list) {
    List<List<String>> rows = new ArrayList<>();
    list.forEach(i -> rows.add(List.of(i.path("id").asText(), i.path("name").asText(), i.path("host").asText(),
        text(i.path("parent")), text(i.path("status")))));
    table(out, List.of("ID", "NAME", "HOST", "PARENT", "STATUS"), rows);
  }

  static void clusters(PrintWriter out, JsonNode list) {
    List<List<String>> rows = new ArrayList<>();
    list.forEach(c -> rows.add(List.of(c.path("id").asText(), c.path("name").asText(), text(c.path("parent")),
        join(c.path("instances")), join(c.path("clusters")))));
    table(out, List.of("ID", "NAME", "PARENT", "INSTANCES", "CLUSTERS"), rows);
  }

  private static String join(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out.isEmpty() ? "-" : String.join(",", out);
  }

  static void fanOut(PrintWriter out, JsonNode f) {
    JsonNode s = f.path("summary");
    out.println("status " + f.path("status").asInt() + ": " + s.path("succeeded").asInt() + " of "
        + s.path("total").asInt() + " instances took it");
    List<List<String>> rows = new ArrayList<>();
    f.path("results").forEach(r -> rows.add(List.of(r.path("instance").asText(), r.path("status").asText(),
        r.has("error") ? r.path("error").path("i18n").asText() + ": " + r.path("error").path("message").asText()
            : "ok")));
    if (!rows.isEmpty()) {
      table(out, List.of("INSTANCE", "STATUS", "RESULT"), rows);
    }
  }

  static void plan(PrintWriter out, JsonNode p) {
    out.println(p.path("accepted").asBoolean() ? "accepted (dry run: nothing changed)" : "refused (dry run)");
    conflicts(out, p.path("conflicts"));
    operations(out, p.path("changes"));
  }

  private static void conflicts(PrintWriter out, JsonNode conflicts) {
    conflicts.forEach(c -> out.println("! " + c.path("i18n").asText() + ": " + c.path("message").asText()));
  }

  private static void operations(PrintWriter out, JsonNode changes) {
    for (JsonNode c : changes) {
      out.println("  " + c.path("instance").asText() + " (" + c.path("host").asText() + ")");
      for (JsonNode op : c.path("operations")) {
        StringBuilder line = new StringBuilder("    " + op.path("op").asText() + " " + op.path("key").asText());
        if (op.has("meta")) {
          line.append(" meta ").append(op.path("meta").asText());
        }
        if (op.has("target")) {
          line.append(" -> ").append(op.path("target").asText());
        }
        if (op.has("value")) {
          line.append(" = ").append(op.path("value").asText());
        }
        out.println(line);
      }
    }
  }

  /** A state plan (or what applying did) as a diff: + created, ~ changed, > moved, - removed, ! conflicts. */
  static void stateDiff(PrintWriter out, JsonNode p) {
    boolean applied = p.path("applied").asBoolean(false);
    conflicts(out, p.path("conflicts"));
    int parts = 0;
    for (JsonNode n : p.path("nodes")) {
      String id = n.path("type").asText() + " " + n.path("id").asText();
      String line = switch (n.path("action").asText()) {
        case "create" -> "+ " + id + (n.path("parentAfter").isNull() ? "" : " in " + n.path("parentAfter").asText());
        case "move" -> "> " + id + ": " + place(n.path("parentBefore")) + " -> " + place(n.path("parentAfter"));
        case "change" -> "~ " + id + ": " + join(n.path("fields"))
            + (n.path("fields").toString().contains("\"parent\"")
                ? " (" + place(n.path("parentBefore")) + " -> " + place(n.path("parentAfter")) + ")" : "");
        default -> "- " + id + (n.path("applied").asBoolean() ? "" : "  (kept: not in the document; --prune removes it)");
      };
      out.println(line);
      parts++;
    }
    for (JsonNode pin : p.path("pins")) {
      String where = pin.path("cluster").asText() + " " + pin.path("key").asText();
      if (pin.path("action").asText().equals("remove")) {
        out.println("- pin " + where + " (was " + pinValue(pin.path("before")) + ")");
      } else if (pin.path("before").isNull()) {
        out.println("+ pin " + where + " = " + pinValue(pin.path("after")));
      } else {
        out.println("~ pin " + where + ": " + pinValue(pin.path("before")) + " -> " + pinValue(pin.path("after")));
      }
      parts++;
    }
    if (p.path("changes").size() > 0) {
      out.println("instances receive:");
      operations(out, p.path("changes"));
    }
    if (parts == 0 && p.path("conflicts").isEmpty()) {
      out.println("no changes: the registry is the document");
    }
    if (applied) {
      out.println("applied as version " + p.path("versionAfter").asText());
      if (p.path("fanOut").path("summary").path("total").asInt() > 0) {
        fanOut(out, p.path("fanOut"));
      }
    } else if (p.has("accepted")) {
      out.println(p.path("accepted").asBoolean() ? "plan accepted (nothing changed yet)"
          : "plan refused: " + p.path("conflicts").size() + " conflict(s), nothing would change");
    }
  }

  private static String place(JsonNode parent) {
    return parent.isNull() || parent.isMissingNode() ? "(top level)" : parent.asText();
  }

  private static String pinValue(JsonNode v) {
    if (v.isNull() || v.isMissingNode()) {
      return "-";
    }
    String value = "\"" + v.path("value").asText() + "\"";
    return v.path("meta").isEmpty() ? value : value + " " + v.path("meta").toString();
  }

  static void drift(PrintWriter out, JsonNode j) {
    List<List<String>> rows = new ArrayList<>();
    j.path("drift").fields().forEachRemaining(e -> e.getValue().forEach(d -> rows.add(List.of(e.getKey(),
        d.path("key").asText(), d.path("desired").asText(), d.path("exists").asBoolean() ? text(d.path("actual"))
            : "(missing)", d.path("lockedBy").asText()))));
    if (rows.isEmpty()) {
      out.println("no drift: every instance has its pinned keys");
      return;
    }
    table(out, List.of("INSTANCE", "KEY", "DESIRED", "ACTUAL", "LOCKED BY"), rows);
  }

  static void history(PrintWriter out, JsonNode list) {
    List<List<String>> rows = new ArrayList<>();
    list.forEach(h -> rows.add(List.of(h.path("seq").asText(), h.path("time").asText(), text(h.path("actor")),
        h.path("node").asText(), h.path("operation").asText(), text(h.path("key")), text(h.path("oldValue")),
        text(h.path("newValue")))));
    table(out, List.of("SEQ", "TIME", "ACTOR", "NODE", "OPERATION", "KEY", "OLD", "NEW"), rows);
  }
}

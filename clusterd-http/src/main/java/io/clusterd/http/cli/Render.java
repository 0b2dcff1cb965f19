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

  /** ANSI colours: on only when the client prints tables to a terminal and NO_COLOR is unset (CtlCommand). */
  private static volatile boolean colour;

  private Render() { }

  static void colour(boolean on) {
    colour = on;
  }

  /** The text in an ANSI colour (31 red, 32 green, 33 yellow, 36 cyan, 1 bold), or as it is without colours. */
  static String paint(String sgr, String text) {
    return colour ? "\u001b[" + sgr + "m" + text + "\u001b[0m" : text;
  }

  /** An instance status, coloured by how well it is: in-sync green, unreachable red, the others yellow. */
  static String status(String s) {
    return switch (s) {
      case "in-sync" -> paint("32", s);
      case "unreachable" -> paint("31", s);
      case "-" -> s;
      default -> paint("33", s);
    };
  }

  /** A diff line, coloured by its first character: + green, - red, ~ yellow, > cyan, ! bold red. */
  private static String diffLine(String line) {
    return switch (line.isEmpty() ? ' ' : line.charAt(0)) {
      case '+' -> paint("32", line);
      case '-' -> paint("31", line);
      case '~' -> paint("33", line);
      case '>' -> paint("36", line);
      case '!' -> paint("1;31", line);
      default -> line;
    };
  }

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

  /** Rows as aligned columns under a header (bold on a terminal). */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    table(out, header, rows, s -> s);
  }

  /**
   * Rows as aligned columns under a header (none when null); {@code last} paints the last column of each row,
   * which is never padded, so colours do not disturb the alignment.
   */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows,
      java.util.function.UnaryOperator<String> last) {
    List<List<String>> all = new ArrayList<>();
    if (header != null) {
      all.add(header);
    }
    all.addAll(rows);
    int columns = all.stream().mapToInt(List::size).max().orElse(0);
    int[] width = new int[columns];
    for (List<String> r : all) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (int n = 0; n < all.size(); n++) {
      List<String> r = all.get(n);
      boolean head = header != null && n == 0;
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        line.append(i == r.size() - 1 ? r.get(i) : pad(r.get(i), width[i] + 2));
      }
      String text = line.toString().stripTrailing();
      if (head) {
        out.println(paint("1", text));
      } else if (!r.isEmpty()) {
        String lastCell = r.get(r.size() - 1);
        out.println(text.substring(0, text.length() - lastCell.strip().length()) + last.apply(lastCell.strip()));
      } else {
        out.println(text);
      }
    }
  }

  private static String pad(String s, int n) {
    return s + " ".repeat(Math.max(0, n - s.length()));
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
  }

  /**
   * The forest as aligned rows: each cluster ({@code id/}, its name) with its children indented below it, each
   * instance with its host and status.
   */
  static void tree(PrintWriter out, JsonNode nodes) {
    if (nodes.isEmpty()) {
      out.println("(empty: no instances, no clusters)");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    treeRows(rows, nodes, 0);
    table(out, null, rows, Render::status);
  }

  private static void treeRows(List<List<String>> rows, JsonNode nodes, int depth) {
    String indent = "  ".repeat(depth);
    for (JsonNode n : nodes) {
      if (n.path("type").asText().equals("cluster")) {
        rows.add(List.of(indent + n.path("id").asText() + "/", "(" + n.path("name").asText() + ")"));
        treeRows(rows, n.path("children"), depth + 1);
      } else {
        rows.add(List.of(indent + n.path("id").asText(), n.path("host").asText(), text(n.path("status"))));
      }
    }
  }

  /** How many instances of the tree are in each status: {@code 3 instances: 2 in-sync, 1 unreachable}. */
  static void statusSummary(PrintWriter out, JsonNode nodes) {
    java.util.Map<String, Integer> count = new java.util.TreeMap<>();
    countStatus(count, nodes);
    int total = count.values().stream().mapToInt(Integer::intValue).sum();
    List<String> parts = new ArrayList<>();
    count.forEach((s, n) -> parts.add(n + " " + status(s)));
    out.println(total + (total == 1 ? " instance" : " instances") + (parts.isEmpty() ? "" : ": "
        + String.join(", ", parts)));
  }

  private static void countStatus(java.util.Map<String, Integer> count, JsonNode nodes) {
    for (JsonNode n : nodes) {
      if (n.path("type").asText().equals("cluster")) {
        countStatus(count, n.path("children"));
      } else {
        count.merge(text(n.path("status")), 1, Integer::sum);
      }
    }
  }

  /** One node: its fields as aligned lines, then its effective pins. */
  static void node(PrintWriter out, JsonNode n, boolean instance) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of(instance ? "instance" : "cluster", n.path("id").asText()));
    rows.add(List.of("name", n.path("name").asText()));
    if (n.path("description").isTextual() && !n.path("description").asText().isEmpty()) {
      rows.add(List.of("description", n.path("description").asText()));
    }
    if (instance) {
      rows.add(List.of("host", n.path("host").asText()));
      rows.add(List.of("transport", text(n.path("transport"))));
    }
    rows.add(List.of("parent", n.path("parent").isTextual() ? n.path("parent").asText() : "(top level)"));
    List<String> labels = new ArrayList<>();
    n.path("labels").fields().forEachRemaining(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
    if (!labels.isEmpty()) {
      rows.add(List.of("labels", String.join(",", labels)));
    }
    if (!instance) {
      rows.add(List.of("instances", join(n.path("instances"))));
      rows.add(List.of("clusters", join(n.path("clusters"))));
    }
    if (instance) {
      rows.add(List.of("status", text(n.path("status"))));
    }
    table(out, null, rows, instance ? s -> rows.get(rows.size() - 1).get(1).equals(s) ? status(s) : s : s -> s);
    JsonNode pins = n.path("pins");
    if (pins.isEmpty()) {
      out.println("no pins in force");
      return;
    }
    out.println();
    List<List<String>> p = new ArrayList<>();
    pins.forEach(x -> p.add(List.of(x.path("key").asText(), x.path("value").asText(), meta(x.path("meta")),
        text(x.path("lockedBy")))));
    table(out, List.of("KEY", "VALUE", "META", "LOCKED BY"), p);
  }

  private static String meta(JsonNode meta) {
    List<String> m = new ArrayList<>();
    meta.fields().forEachRemaining(e -> m.add(e.getKey() + "=" + e.getValue().asText()));
    return m.isEmpty() ? "-" : String.join(",", m);
  }

  /** One key: its value on the first line (alone, for {@code $(...)}), then its metadata and lock. */
  static void value(PrintWriter out, String key, JsonNode value, JsonNode meta, JsonNode lockedBy) {
    out.println(value.isNull() || value.isMissingNode() ? "" : value.asText());
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("key", key));
    meta.fields().forEachRemaining(e -> rows.add(List.of("meta " + e.getKey(), e.getValue().asText())));
    if (lockedBy.isTextual()) {
      rows.add(List.of("locked by", lockedBy.asText()));
    }
    table(out, null, rows);
  }

  static void instances(PrintWriter out, JsonNode list) {
    List<List<String>> rows = new ArrayList<>();
    list.forEach(i -> rows.add(List.of(i.path("id").asText(), i.path("name").asText(), i.path("host").asText(),
        text(i.path("parent")), text(i.path("status")))));
    table(out, List.of("ID", "NAME", "HOST", "PARENT", "STATUS"), rows, Render::status);
  }

  static void clusters(PrintWriter out, JsonNode list) {
    List<List<String>> rows = new ArrayList<>();
    list.forEach(c -> rows.add(List.of(c.path("id").asText(), c.path("name").asText(), text(c.path("parent")),
        join(c.path("instances")), join(c.path("clusters")))));
    table(out, List.of("ID", "NAME", "PARENT", "INSTANCES", "CLUSTERS"), rows);
  }

  static String join(JsonNode array) {
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
    conflicts.forEach(c -> out.println(diffLine("! " + c.path("i18n").asText() + ": " + c.path("message").asText())));
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
      out.println(diffLine(line));
      parts++;
    }
    for (JsonNode pin : p.path("pins")) {
      String where = pin.path("cluster").asText() + " " + pin.path("key").asText();
      if (pin.path("action").asText().equals("remove")) {
        out.println(diffLine("- pin " + where + " (was " + pinValue(pin.path("before")) + ")"));
      } else if (pin.path("before").isNull()) {
        out.println(diffLine("+ pin " + where + " = " + pinValue(pin.path("after"))));
      } else {
        out.println(diffLine("~ pin " + where + ": " + pinValue(pin.path("before")) + " -> "
            + pinValue(pin.path("after"))));
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

package io.clusterd.http.elektrad;

import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Lookup results as elektrad 0.11.0 writes them, {@code children} quirk included. */
final class ElektradLookups {
  private ElektradLookups() {}

  /**
   * The lookup result elektrad 0.11.0 gives where {@code full} lists every direct child: while it walks the
   * keys below, it cuts each child's subtree out of the key set it iterates by index, so the key that
   * follows a child's subtree is skipped ({@code user:/t/a}, {@code user:/t/b}, {@code user:/t/c} give the
   * children {@code a} and {@code c}). {@code ls}, values and metadata are right.
   */
  static LookupResult asElektrad011(LookupResult full) {
    if (full.children().isEmpty()) {
      return full;
    }
    Map<String, LookupResult> byPath = new HashMap<>();
    for (LookupResult c : full.children()) {
      byPath.put(c.path(), c);
    }
    List<String> keySet = new ArrayList<>(full.ls());
    List<LookupResult> children = new ArrayList<>();
    for (int i = 0; i < keySet.size(); i++) {
      LookupResult child = byPath.get(keySet.get(i));
      if (child == null) {
        continue;
      }
      children.add(asElektrad011(child));
      // the child's subtree follows it contiguously (Elektra order); cutting it shifts the next key to i
      KeyName cut = KeyName.parse(child.path());
      int end = i + 1;
      while (end < keySet.size() && KeyName.tryParse(keySet.get(end)).map(k -> k.isBelow(cut)).orElse(false)) {
        end++;
      }
      keySet.subList(i, end).clear();
    }
    return new LookupResult(full.exists(), full.name(), full.path(), full.ls(), full.value(), full.meta(),
        children);
  }

  /**
   * Compact JSON in elektrad's field order; {@code value}, {@code meta} and {@code children} are omitted when
   * empty, {@code ls} never; metadata names sorted as Go sorts map keys.
   */
  static String json(LookupResult r) {
    return append(new StringBuilder(), r).toString();
  }

  private static StringBuilder append(StringBuilder b, LookupResult r) {
    b.append("{\"exists\":").append(r.exists()).append(",\"name\":");
    GoJson.quote(b, r.name()).append(",\"path\":");
    GoJson.quote(b, r.path()).append(",\"ls\":").append(GoJson.stringArray(r.ls()));
    if (!r.value().isEmpty()) {
      GoJson.quote(b.append(",\"value\":"), r.value());
    }
    if (!r.meta().isEmpty()) {
      b.append(",\"meta\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : new TreeMap<>(r.meta()).entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        GoJson.quote(b, e.getKey()).append(':');
        GoJson.quote(b, e.getValue());
      }
      b.append('}');
    }
    if (!r.children().isEmpty()) {
      b.append(",\"children\":[");
      for (int i = 0; i < r.children().size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        append(b, r.children().get(i));
      }
      b.append(']');
    }
    return b.append('}');
  }
}

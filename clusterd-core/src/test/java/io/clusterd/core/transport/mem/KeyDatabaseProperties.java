package io.clusterd.core.transport.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.clusterd.ClusterdException;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random sequences of writes on a {@link KeyDatabase}, checked step by step against a naive reference model
 * that knows nothing of {@link KeyName} beyond building names: a map from (namespace, unescaped parts) to
 * entries, with subtrees found by list prefixes and ordered by comparing UTF-8 bytes.
 */
class KeyDatabaseProperties {

  /** Parts including ones that need escapes ({@code a/b}, {@code %}, {@code .}, {@code #10}) and the empty one. */
  private static final List<String> PARTS = List.of("a", "b", "a b", "a/b", "%", "", ".", "#10", "#_10", "\u00e9");

  private static final List<Namespace> NAMESPACES = List.of(Namespace.USER, Namespace.SYSTEM, Namespace.SPEC);

  /** A key of the model: namespace and unescaped parts. */
  record MKey(Namespace ns, List<String> parts) {
    KeyName name() {
      return KeyName.of(ns, parts);
    }

    boolean isBelowOrSame(MKey other) {
      return ns == other.ns && parts.size() >= other.parts.size()
          && parts.subList(0, other.parts.size()).equals(other.parts);
    }

    MKey relocate(MKey from, MKey to) {
      List<String> p = new ArrayList<>(to.parts);
      p.addAll(parts.subList(from.parts.size(), parts.size()));
      return new MKey(to.ns, List.copyOf(p));
    }

    /** Elektra cannot hold a key whose first part is empty (it could not tell {@code user:/%} from the root). */
    boolean valid() {
      return parts.isEmpty() || !parts.get(0).isEmpty();
    }

    @Override
    public String toString() {
      return name().toString();
    }
  }

  /** Elektra's order, written independently of KeyName: namespace, then parts by UTF-8 bytes, prefix first. */
  static final Comparator<MKey> ORDER = (x, y) -> {
    if (x.ns != y.ns) {
      return x.ns.compareTo(y.ns);
    }
    int n = Math.min(x.parts.size(), y.parts.size());
    for (int i = 0; i < n; i++) {
      int c = compareBytes(x.parts.get(i), y.parts.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.parts.size(), y.parts.size());
  };

  private static int compareBytes(String x, String y) {
    byte[] a = x.getBytes(StandardCharsets.UTF_8);
    byte[] b = y.getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.compareUnsigned(a, b);
  }

  sealed interface Op {
    /** Applies the operation to the model; false when the database must refuse it (and change nothing). */
    boolean applyTo(Map<MKey, KeyDatabase.Entry> model);

    void applyTo(KeyDatabase db);
  }

  record SetValue(MKey key, String value) implements Op {
    public boolean applyTo(Map<MKey, KeyDatabase.Entry> model) {
      KeyDatabase.Entry old = model.get(key);
      model.put(key, new KeyDatabase.Entry(value, old == null ? Map.of() : old.meta()));
      return true;
    }

    public void applyTo(KeyDatabase db) {
      db.set(key.name(), value);
    }
  }

  record Delete(MKey key) implements Op {
    public boolean applyTo(Map<MKey, KeyDatabase.Entry> model) {
      model.keySet().removeIf(k -> k.isBelowOrSame(key));
      return true;
    }

    public void applyTo(KeyDatabase db) {
      db.delete(key.name());
    }
  }

  record Move(MKey from, MKey to, boolean keepSource) implements Op {
    public boolean applyTo(Map<MKey, KeyDatabase.Entry> model) {
      boolean toBelowFrom = to.isBelowOrSame(from) && !to.equals(from);
      if (!keepSource && toBelowFrom) {
        return false;
      }
      Map<MKey, KeyDatabase.Entry> moved = new LinkedHashMap<>();
      for (Map.Entry<MKey, KeyDatabase.Entry> e : model.entrySet()) {
        if (e.getKey().isBelowOrSame(from)) {
          MKey target = e.getKey().relocate(from, to);
          if (!target.valid()) {
            return false;
          }
          moved.put(target, e.getValue());
        }
      }
      if (!keepSource) {
        model.keySet().removeIf(k -> k.isBelowOrSame(from));
      }
      model.putAll(moved);
      return true;
    }

    public void applyTo(KeyDatabase db) {
      if (keepSource) {
        db.copy(from.name(), to.name());
      } else {
        db.move(from.name(), to.name());
      }
    }
  }

  record SetMeta(MKey key, String name, String value) implements Op {
    public boolean applyTo(Map<MKey, KeyDatabase.Entry> model) {
      KeyDatabase.Entry old = model.getOrDefault(key, KeyDatabase.Entry.of(""));
      Map<String, String> meta = new HashMap<>(old.meta());
      meta.put(name, value);
      model.put(key, new KeyDatabase.Entry(old.value(), meta));
      return true;
    }

    public void applyTo(KeyDatabase db) {
      db.setMeta(key.name(), name, value);
    }
  }

  record DeleteMeta(MKey key, String name) implements Op {
    public boolean applyTo(Map<MKey, KeyDatabase.Entry> model) {
      KeyDatabase.Entry old = model.get(key);
      if (old != null) {
        Map<String, String> meta = new HashMap<>(old.meta());
        meta.remove(name);
        model.put(key, new KeyDatabase.Entry(old.value(), meta));
      }
      return true;
    }

    public void applyTo(KeyDatabase db) {
      db.deleteMeta(key.name(), name);
    }
  }

  static Gen<List<Op>> ops() {
    return Gens.lists(op(), 0, 40);
  }

  /** Keys of depth 0..3, never with an empty first part. */
  static Gen<MKey> key() {
    return key(3);
  }

  /** Keys of depth 0..maxDepth, never with an empty first part. */
  private static Gen<MKey> key(int maxDepth) {
    Gen<String> part = Gens.<String>weighted()
        .or(6, Gens.of("a", "b"))
        .or(2, Gens.just(""))
        .or(3, Gens.of(PARTS))
        .gen();
    Gen<List<String>> parts = Gens.lists(part, 0, maxDepth);
    return Gens.filter(Gens.of(NAMESPACES).zip(parts, (ns, p) -> new MKey(ns, List.copyOf(p))), MKey::valid);
  }

  private static Gen<Op> op() {
    Gen<String> values = Gens.of("", "v", "w", "h\u00e9llo \ud83d\ude80");
    Gen<String> metaNames = Gens.of("check/type", "x");
    return Gens.<Op>weighted()
        .or(5, key().zip(values, SetValue::new))
        .or(2, key().map(Delete::new))
        .or(2, key().zip(Gens.oneOf(key(1), key()), Gens.booleans(), Move::new))
        .or(2, key().zip(metaNames, values, SetMeta::new))
        .or(1, key().zip(metaNames, DeleteMeta::new))
        .gen();
  }

  @Test
  void operations_anySequence_databaseEqualsModelAndLsIsOrdered() {
    PropertyCheck.forAll(ops()).examples(300).shrinkAlso(Shrink::removals).check(ops -> {
      KeyDatabase db = new KeyDatabase();
      Map<MKey, KeyDatabase.Entry> model = new HashMap<>();
      for (Op op : ops) {
        Map<MKey, KeyDatabase.Entry> before = new HashMap<>(model);
        if (op.applyTo(model)) {
          op.applyTo(db);
        } else {
          model = before;
          assertThrows(ClusterdException.class, () -> op.applyTo(db), op.toString());
        }
        assertMatches(model, db, op);
      }
    });
  }

  @Test
  void lookup_anyKeyAfterOperations_childrenAndLsFollowTheModel() {
    PropertyCheck.forAll(ops(), key()).examples(200).shrinkAlso(Shrink.first(Shrink::removals)).check(t -> {
      MKey probe = t.second();
      KeyDatabase db = new KeyDatabase();
      Map<MKey, KeyDatabase.Entry> model = new HashMap<>();
      for (Op op : t.first()) {
        Map<MKey, KeyDatabase.Entry> copy = new HashMap<>(model);
        if (op.applyTo(copy)) {
          op.applyTo(db);
          model = copy;
        }
      }
      assertTree(model, probe, db.lookup(probe.name(), 9), 10);
      assertTree(model, probe, db.lookup(probe.name(), 0), 1);
    });
  }

  private static void assertMatches(Map<MKey, KeyDatabase.Entry> model, KeyDatabase db, Op after) {
    Map<String, KeyDatabase.Entry> expected = new TreeMap<>();
    model.forEach((k, v) -> expected.put(k.toString(), v));
    Map<String, KeyDatabase.Entry> actual = new TreeMap<>();
    db.snapshot().forEach((k, v) -> actual.put(k.toString(), v));
    assertEquals(expected, actual, "after " + after);

    List<MKey> sorted = model.keySet().stream().sorted(ORDER).toList();
    for (Namespace ns : NAMESPACES) {
      MKey root = new MKey(ns, List.of());
      List<String> expectedLs = sorted.stream().filter(k -> k.ns == ns).map(MKey::toString).toList();
      assertEquals(expectedLs, db.lookup(root.name(), 9).ls(), "ls of " + root + " after " + after);
    }
    List<String> all = sorted.stream().map(MKey::toString).toList();
    assertEquals(all, db.lookup(KeyName.root(Namespace.CASCADING), 0).ls(), "ls of / after " + after);
  }

  /** Checks one lookup result against the model, {@code levels} levels of children deep. */
  private static void assertTree(Map<MKey, KeyDatabase.Entry> model, MKey key, LookupResult r, int levels) {
    KeyDatabase.Entry own = model.get(key);
    assertEquals(own != null, r.exists(), key.toString());
    assertEquals(key.toString(), r.path());
    assertEquals(key.parts.isEmpty() ? "" : key.parts.get(key.parts.size() - 1), r.name());
    assertEquals(own == null ? "" : own.value(), r.value());
    assertEquals(own == null ? Map.of() : own.meta(), r.meta());
    List<MKey> below = model.keySet().stream().filter(k -> k.isBelowOrSame(key)).sorted(ORDER).toList();
    assertEquals(below.stream().map(MKey::toString).toList(), r.ls(), "ls of " + key);
    List<MKey> children = below.stream().filter(k -> k.parts.size() == key.parts.size() + 1).toList();
    if (levels == 0) {
      assertEquals(List.of(), r.children(), "children of " + key);
      return;
    }
    assertEquals(children.stream().map(MKey::toString).toList(),
        r.children().stream().map(LookupResult::path).toList(), "children of " + key);
    for (int i = 0; i < children.size(); i++) {
      assertTree(model, children.get(i), r.children().get(i), levels - 1);
    }
  }
}

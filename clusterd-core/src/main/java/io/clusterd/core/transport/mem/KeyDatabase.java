package io.clusterd.core.transport.mem;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An in-memory model of one host's Elektra key database, answering as a stock {@code elektrad} 0.11.0 does
 * (see {@code docs/elektrad.md}). It backs the {@code mem} transport and lets tests and demos look at
 * and change a host's keys directly.
 *
 * <pre>{@code
 * KeyDatabase db = new KeyDatabase();
 * db.set(KeyName.parse("user:/app/port"), "8080");           // true: created
 * db.setMeta(KeyName.parse("user:/app/port"), "check/type", "long");
 * LookupResult r = db.lookup(KeyName.parse("user:/app"), 0);
 * r.exists();   // false: only user:/app/port exists
 * r.ls();       // [user:/app/port]
 * }</pre>
 *
 * <p>Model: a key is a canonical {@link KeyName} with a value ({@code ""} when empty) and metadata (names
 * without {@code meta:/}). Keys exist independently of each other: a key may exist below a missing one.
 * Only the writable namespaces ({@code user:/}, {@code system:/}, {@code dir:/}, {@code spec:/}) can be
 * written; writes of cascading, {@code proc:/}, {@code default:/} and {@code meta:/} keys are refused with
 * {@link ErrorCode#NAMESPACE_NOT_WRITABLE}, as clusterd refuses to send them to a real host. Where elektrad
 * answers a lookup's {@code children} incompletely (0.11.0 skips the key following each child's subtree),
 * this model answers what the protocol documents: every existing key directly below.
 *
 * <p>Thread-safe: every operation is atomic (one read-write lock); operations are synchronous and fast.
 */
public final class KeyDatabase {

  /** What {@link #version()} answers: the elektrad 0.11.0 the model imitates. */
  public static final InstanceVersion VERSION = new InstanceVersion(1, "0.11.0", 0, 11, 0);

  /** The largest preload elektrad accepts. */
  static final int MAX_PRELOAD = 9;

  /** Namespaces in the order a cascading name is resolved. */
  private static final List<Namespace> CASCADE =
      List.of(Namespace.PROC, Namespace.DIR, Namespace.USER, Namespace.SYSTEM, Namespace.DEFAULT);

  private static final Pattern RE2_NAMED_GROUP = Pattern.compile("\\(\\?P<");

  /**
   * One stored key: its value ({@code ""} when empty) and its metadata (names without {@code meta:/}).
   *
   * <p>Immutable and thread-safe.
   */
  public record Entry(String value, Map<String, String> meta) {
    public Entry {
      Objects.requireNonNull(value, "value");
      meta = Map.copyOf(meta);
    }

    /** An entry with a value and no metadata. */
    public static Entry of(String value) {
      return new Entry(value, Map.of());
    }

    Entry withValue(String newValue) {
      return new Entry(newValue, meta);
    }

    Entry withMeta(String name, String metaValue) {
      Map<String, String> m = new HashMap<>(meta);
      m.put(name, metaValue);
      return new Entry(value, m);
    }

    Entry withoutMeta(String name) {
      Map<String, String> m = new HashMap<>(meta);
      m.remove(name);
      return new Entry(value, m);
    }
  }

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final TreeMap<KeyName, Entry> keys = new TreeMap<>();

  /** An empty key database. */
  public KeyDatabase() {}

  /**
   * Looks a key up as elektrad's {@code GET /kdb/{key}?preload=N} does.
   *
   * <p>{@code ls} holds every existing key at or below {@code key} (the key itself included when it
   * exists) in Elektra order; {@code children} holds the existing keys directly below, each with its own
   * {@code ls} and, {@code preload} levels deep, its own children. For a cascading key, {@code ls} and
   * {@code children} span every namespace and the value and metadata are those of the key that cascading
   * resolution (proc, dir, user, system, default) finds first.
   *
   * @param preload 0..9: children are included {@code preload + 1} levels deep
   * @throws ClusterdException {@link ErrorCode#INVALID_BODY} when preload is outside 0..9
   */
  public LookupResult lookup(KeyName key, int preload) {
    Objects.requireNonNull(key, "key");
    if (preload < 0 || preload > MAX_PRELOAD) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "preload must be between 0 and " + MAX_PRELOAD + ", was " + preload, Map.of("preload", preload));
    }
    return read(() -> {
      List<Map.Entry<KeyName, Entry>> subtree = new ArrayList<>();
      Entry own;
      if (key.isCascading()) {
        for (Namespace ns : Namespace.values()) {
          if (ns != Namespace.CASCADING) {
            collectSubtree(key.withNamespace(ns), subtree);
          }
        }
        own = null;
        for (Namespace ns : CASCADE) {
          own = keys.get(key.withNamespace(ns));
          if (own != null) {
            break;
          }
        }
      } else {
        collectSubtree(key, subtree);
        own = keys.get(key);
      }
      return result(key, own, subtree, preload + 1);
    });
  }

  /** The entry of {@code key}, empty when the key does not exist. */
  public Optional<Entry> get(KeyName key) {
    Objects.requireNonNull(key, "key");
    return read(() -> Optional.ofNullable(keys.get(key)));
  }

  /**
   * Sets the value of {@code key}, keeping its metadata; creates the key when missing.
   *
   * @return whether the key was created (elektrad answers 201 then, 200 otherwise)
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} for a key that cannot be written
   */
  public boolean set(KeyName key, String value) {
    requireWritable(key);
    Objects.requireNonNull(value, "value");
    return write(() -> {
      Entry old = keys.get(key);
      keys.put(key, old == null ? Entry.of(value) : old.withValue(value));
      return old == null;
    });
  }

  /**
   * Deletes {@code key} and every key below it; a missing key is no error.
   *
   * @return how many keys were removed
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} for a key that cannot be written
   */
  public int delete(KeyName key) {
    requireWritable(key);
    return write(() -> removeSubtree(key).size());
  }

  /**
   * Moves {@code from} and its subtree, values and metadata included, to {@code to}: each key at or below
   * {@code from} is removed and written at the same place below {@code to}, replacing a key there. Keys
   * below {@code to} that have no counterpart below {@code from} stay. Nothing at or below {@code from}
   * is a no-op, and so is moving a key onto itself.
   *
   * @return how many keys were moved
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} when either key cannot be written,
   *     {@link ErrorCode#INVALID_BODY} when {@code to} is below {@code from},
   *     {@link ErrorCode#INVALID_KEY_NAME} when a moved key would get a name Elektra cannot hold (nothing
   *     is moved then)
   */
  public int move(KeyName from, KeyName to) {
    requireWritable(from);
    requireWritable(to);
    if (to.isBelow(from)) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "cannot move '" + from + "' into its own subtree ('" + to + "')", Map.of("key", from.toString(),
              "target", to.toString()));
    }
    return write(() -> {
      List<Map.Entry<KeyName, Entry>> source = new ArrayList<>();
      collectSubtree(from, source);
      if (from.equals(to)) {
        return source.size();
      }
      List<KeyName> targets = relocateAll(source, from, to);
      removeSubtree(from);
      for (int i = 0; i < source.size(); i++) {
        keys.put(targets.get(i), source.get(i).getValue());
      }
      return source.size();
    });
  }

  /**
   * Copies {@code from} and its subtree, values and metadata included, to {@code to}, replacing keys
   * there; the source stays. The subtree is read before anything is written, so copying a key into its
   * own subtree copies it once. Nothing at or below {@code from} is a no-op.
   *
   * @return how many keys were copied
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} when either key cannot be written,
   *     {@link ErrorCode#INVALID_KEY_NAME} when a copied key would get a name Elektra cannot hold (nothing
   *     is copied then)
   */
  public int copy(KeyName from, KeyName to) {
    requireWritable(from);
    requireWritable(to);
    return write(() -> {
      List<Map.Entry<KeyName, Entry>> source = new ArrayList<>();
      collectSubtree(from, source);
      if (from.equals(to)) {
        return source.size();
      }
      List<KeyName> targets = relocateAll(source, from, to);
      for (int i = 0; i < source.size(); i++) {
        keys.put(targets.get(i), source.get(i).getValue());
      }
      return source.size();
    });
  }

  /**
   * Sets one metadata entry, creating the key with an empty value when it is missing (as elektrad does).
   * The name is canonicalized as the key name {@code meta:/<name>} is ({@code check//type} is
   * {@code check/type}).
   *
   * @return whether the key was created
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} for a key that cannot be written,
   *     {@link ErrorCode#INVALID_BODY} for an empty or invalid metadata name
   */
  public boolean setMeta(KeyName key, String name, String value) {
    requireWritable(key);
    String metaName = KeyName.requireMetaName(name);
    Objects.requireNonNull(value, "value");
    return write(() -> {
      Entry old = keys.get(key);
      keys.put(key, (old == null ? Entry.of("") : old).withMeta(metaName, value));
      return old == null;
    });
  }

  /**
   * Removes one metadata entry; an absent entry or a missing key is no error (and the key is not created).
   *
   * @return whether an entry was removed
   * @throws ClusterdException {@link ErrorCode#NAMESPACE_NOT_WRITABLE} for a key that cannot be written,
   *     {@link ErrorCode#INVALID_BODY} for an empty or invalid metadata name
   */
  public boolean deleteMeta(KeyName key, String name) {
    requireWritable(key);
    String metaName = KeyName.requireMetaName(name);
    return write(() -> {
      Entry old = keys.get(key);
      if (old == null || !old.meta().containsKey(metaName)) {
        return false;
      }
      keys.put(key, old.withoutMeta(metaName));
      return true;
    });
  }

  /**
   * The full names of every key whose canonical escaped name matches {@code regex} anywhere (as RE2's
   * {@code MatchString}, which elektrad uses), in Elektra order. RE2's {@code (?P<name>...)} groups are
   * accepted.
   *
   * @throws ClusterdException {@link ErrorCode#INVALID_BODY} for an invalid regular expression
   */
  public List<String> find(String regex) {
    Objects.requireNonNull(regex, "regex");
    Pattern pattern;
    try {
      pattern = Pattern.compile(RE2_NAMED_GROUP.matcher(regex).replaceAll(Matcher.quoteReplacement("(?<")));
    } catch (PatternSyntaxException e) {
      throw new ClusterdException(ErrorCode.INVALID_BODY,
          "invalid regular expression '" + regex + "': " + e.getDescription(), Map.of("regex", regex), e);
    }
    return read(() -> {
      List<String> found = new ArrayList<>();
      for (KeyName k : keys.keySet()) {
        String name = k.toString();
        if (pattern.matcher(name).find()) {
          found.add(name);
        }
      }
      return List.copyOf(found);
    });
  }

  /** The version the modelled host reports: api 1, Elektra 0.11.0. */
  public InstanceVersion version() {
    return VERSION;
  }

  /** The number of existing keys. */
  public int size() {
    return read(keys::size);
  }

  /** A copy of every key with its entry, in Elektra order; later changes do not show in it. */
  public SortedMap<KeyName, Entry> snapshot() {
    return read(() -> Collections.unmodifiableSortedMap(new TreeMap<>(keys)));
  }

  // --- internals ---

  private static LookupResult result(
      KeyName key, Entry own, List<Map.Entry<KeyName, Entry>> subtree, int levels) {
    List<String> ls = new ArrayList<>(subtree.size());
    for (Map.Entry<KeyName, Entry> e : subtree) {
      ls.add(e.getKey().toString());
    }
    List<LookupResult> children = new ArrayList<>();
    if (levels > 0) {
      int childDepth = key.depth() + 1;
      for (int i = 0; i < subtree.size(); i++) {
        KeyName child = subtree.get(i).getKey();
        if (child.depth() != childDepth) {
          continue;
        }
        // a child's subtree follows it contiguously in Elektra order
        int end = i + 1;
        while (end < subtree.size() && subtree.get(end).getKey().isBelow(child)) {
          end++;
        }
        children.add(result(child, subtree.get(i).getValue(), subtree.subList(i, end), levels - 1));
      }
    }
    return new LookupResult(own != null, key.baseName(), key.toString(), ls,
        own == null ? "" : own.value(), own == null ? Map.of() : own.meta(), children);
  }

  /** Appends the entries at or below {@code key} (same namespace) to {@code out}, in order. Needs a lock. */
  private void collectSubtree(KeyName key, List<Map.Entry<KeyName, Entry>> out) {
    for (Map.Entry<KeyName, Entry> e : keys.tailMap(key, true).entrySet()) {
      if (!e.getKey().isBelowOrSame(key)) {
        break;
      }
      out.add(Map.entry(e.getKey(), e.getValue()));
    }
  }

  /** Removes and returns the keys at or below {@code key}. Needs the write lock. */
  private List<KeyName> removeSubtree(KeyName key) {
    List<KeyName> removed = new ArrayList<>();
    Iterator<KeyName> it = keys.tailMap(key, true).keySet().iterator();
    while (it.hasNext()) {
      KeyName k = it.next();
      if (!k.isBelowOrSame(key)) {
        break;
      }
      removed.add(k);
      it.remove();
    }
    return removed;
  }

  /** The new names of {@code source}, all computed before anything changes, so a bad name changes nothing. */
  private static List<KeyName> relocateAll(List<Map.Entry<KeyName, Entry>> source, KeyName from, KeyName to) {
    List<KeyName> targets = new ArrayList<>(source.size());
    for (Map.Entry<KeyName, Entry> e : source) {
      targets.add(e.getKey().relocate(from, to));
    }
    return targets;
  }

  /**
   * Refuses keys clusterd never writes: cascading ones (elektrad cannot address them), proc ones (a write
   * crashes elektrad 0.11.0), default ones (not persisted) and meta ones (refused by Elektra).
   */
  static void requireWritable(KeyName key) {
    Objects.requireNonNull(key, "key");
    if (!key.namespace().isWritable()) {
      throw ClusterdException.notWritable(key, Map.of());
    }
  }


  private <T> T read(Supplier<T> body) {
    return locked(lock.readLock(), body);
  }

  private <T> T write(Supplier<T> body) {
    return locked(lock.writeLock(), body);
  }

  private static <T> T locked(Lock l, Supplier<T> body) {
    l.lock();
    try {
      return body.get();
    } finally {
      l.unlock();
    }
  }
}

package io.clusterd.http.elektrad;

import io.clusterd.ClusterdException;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.GoJson.Failure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One elektrad instance of the stand-in: a {@link KeyDatabase}, its sessions, and the handlers of elektrad's
 * routes with their answers (status codes, bodies, quirks) as the real daemon 0.11.0 gives them.
 *
 * <p>Where the stand-in differs from the real daemon on purpose: a write under {@code proc:/} answers 400
 * (the real one crashes); {@code PUT /kdbAll} with an entry without {@code value} answers 500 (the real one
 * drops the connection); keys written by {@code PUT /kdbAll} are invisible to the session's own reads until
 * they are persisted by its next write (the real session's reads see them).
 *
 * <p>Thread-safe: reads share, writes exclude each other (a single-key delete is composed of several database
 * operations and must look atomic).
 */
final class ElektradInstance {
  private static final String READ_ONLY_ERROR =
      "C01320 Interface - The RESOLVER phase of kdbSet() has failed. See warnings for details.";
  private static final List<KeyName> READ_ONLY = List.of(
      KeyName.parse("system:/elektra/version"), KeyName.parse("system:/elektra/modules"));

  private final KeyDatabase db;
  private final boolean childrenQuirk;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicLong sessionsCreated = new AtomicLong();

  ElektradInstance(KeyDatabase db, boolean childrenQuirk) {
    this.db = db;
    this.childrenQuirk = childrenQuirk;
  }

  KeyDatabase database() {
    return db;
  }

  long sessionsCreated() {
    return sessionsCreated.get();
  }

  void forgetSessions() {
    sessions.clear();
  }

  /**
   * The session of a request: the known one for {@code cookie}, or a new one, with the client's id when it
   * sent one (as elektrad adopts it) or {@code newId}.
   */
  Opened session(Optional<String> cookie, String newId, long nowMillis) {
    String id = cookie.filter(c -> !c.isEmpty()).orElse(newId);
    boolean[] created = {false};
    Session s = sessions.compute(id, (key, old) -> {
      if (old != null && nowMillis - old.lastUse < Session.MAX_AGE_MILLIS) {
        old.lastUse = nowMillis;
        return old;
      }
      created[0] = true;
      return new Session(key, nowMillis);
    });
    if (created[0] && sessionsCreated.incrementAndGet() % 1024 == 0) {
      sessions.values().removeIf(old -> nowMillis - old.lastUse >= Session.MAX_AGE_MILLIS);
    }
    return new Opened(s, created[0]);
  }

  /** The session of a request and whether it was opened by it (then the answer sets the cookie). */
  record Opened(Session session, boolean created) {}

  // --- routes ---

  Reply version() {
    var v = db.version();
    return Reply.json("{\"api\":" + v.api() + ",\"elektra\":{\"version\":"
        + GoJson.quote(new StringBuilder(), v.elektra()) + ",\"major\":" + v.major() + ",\"minor\":" + v.minor()
        + ",\"micro\":" + v.micro() + "}}");
  }

  /** {@code GET /kdb/{path}}; {@code preload} is the raw query value when the parameter is present. */
  Reply get(String name, Optional<String> preload) {
    Optional<KeyName> key = parseName(name);
    int levels = 0;
    if (preload.isPresent()) {
      try {
        levels = Integer.parseInt(preload.get());
      } catch (NumberFormatException e) {
        return Reply.empty(400);
      }
      if (levels < 0 || levels > 9) {
        return Reply.empty(400);
      }
    }
    if (key.isEmpty()) {
      return Reply.empty(400);
    }
    int depth = levels;
    LookupResult r = read(() -> db.lookup(key.get(), depth));
    if (childrenQuirk) {
      r = ElektradLookups.asElektrad011(r);
    }
    return Reply.json(ElektradLookups.json(r));
  }

  /** {@code PUT /kdb/{path}}: body a JSON string ({@code null} is empty); 201 created, 200 changed. */
  Reply put(String name, byte[] body, Session session) {
    Optional<KeyName> key = parseName(name);
    if (key.isEmpty()) {
      return Reply.empty(400);
    }
    String value;
    try {
      Object v = GoJson.decode(body);
      if (v == GoJson.NULL) {
        value = "";
      } else if (v instanceof String s) {
        value = s;
      } else {
        return Reply.empty(400);
      }
    } catch (Failure e) {
      return Reply.empty(400);
    }
    Optional<Reply> refused = refuseWrite(key.get(), 201);
    if (refused.isPresent()) {
      return refused.get();
    }
    return write(session, () -> db.set(key.get(), value) ? Reply.empty(201) : Reply.empty(200));
  }

  /** {@code DELETE /kdb/{path}}: removes only that key; 204 also when it is missing. */
  Reply delete(String name, Session session) {
    Optional<KeyName> key = parseName(name);
    if (key.isEmpty()) {
      return Reply.empty(400);
    }
    Optional<Reply> refused = refuseWrite(key.get(), 204);
    if (refused.isPresent()) {
      return refused.get();
    }
    return write(session, () -> {
      deleteOne(key.get());
      return Reply.empty(204);
    });
  }

  /** {@code GET /kdbFind/{regex}}. */
  Reply find(String regex) {
    try {
      return Reply.json(GoJson.stringArray(read(() -> db.find(regex))));
    } catch (ClusterdException e) {
      return Reply.empty(400);
    }
  }

  /** {@code POST /kdbMv/{path}}: body the target name as a JSON string; moves the subtree. */
  Reply move(String name, byte[] body, Session session) {
    Optional<KeyName> from = parseName(name);
    if (from.isEmpty()) {
      return Reply.empty(400);
    }
    Optional<KeyName> to;
    try {
      Object v = GoJson.decode(body);
      to = v instanceof String s ? parseName(s) : Optional.empty();
    } catch (Failure e) {
      return Reply.empty(400);
    }
    if (to.isEmpty()) {
      return Reply.empty(400);
    }
    if (isProc(from.get()) || isProc(to.get())) {
      return procRefused(from.get());
    }
    return write(session, () -> {
      db.move(from.get(), to.get());
      return Reply.empty(204);
    });
  }

  /** {@code POST /kdbMeta/{path}}: {@code {"key":..,"value":..}}; a missing value removes; creates the key. */
  Reply setMeta(String name, byte[] body, Session session) {
    Optional<KeyName> key = parseName(name);
    if (key.isEmpty()) {
      return Reply.empty(500); // elektrad builds its error key from the name first
    }
    Map<String, Object> kv;
    try {
      kv = struct(GoJson.decode(body), "main.keyValueBody", "keyValueBody");
    } catch (Failure e) {
      return Reply.error(400, e.getMessage());
    }
    if (kv == null) {
      return Reply.empty(400);
    }
    Optional<String> meta = field(kv, "key");
    Optional<String> value = field(kv, "value");
    if (meta.isEmpty() || meta.get().isEmpty()) {
      return Reply.empty(400);
    }
    Optional<Reply> refused = refuseWrite(key.get(), 204);
    if (refused.isPresent()) {
      return refused.get();
    }
    return write(session, () -> {
      applyMeta(key.get(), meta.get(), value);
      return Reply.empty(204);
    });
  }

  /** {@code POST /kdbMetaBulk/{path}}: {@code {"meta":[{"key":..,"value":..},...]}}. */
  Reply setMetaBulk(String name, byte[] body, Session session) {
    Optional<KeyName> key = parseName(name);
    if (key.isEmpty()) {
      return Reply.empty(500);
    }
    List<Map<String, Object>> entries = new ArrayList<>();
    try {
      Map<String, Object> root = struct(GoJson.decode(body), "main.metaBulkBody", "metaBulkBody");
      Object list = root == null ? null : lookupField(root, "meta");
      if (list == null || list == GoJson.NULL) {
        return Reply.empty(400);
      }
      if (!(list instanceof List<?> l)) {
        throw new Failure("json: cannot unmarshal " + GoJson.kind(list)
            + " into Go struct field metaBulkBody.meta of type []main.keyValueBody");
      }
      for (Object o : l) {
        Map<String, Object> kv = struct(o, "main.keyValueBody", "metaBulkBody.meta");
        if (kv != null) {
          entries.add(kv);
        }
      }
    } catch (Failure e) {
      return Reply.error(400, e.getMessage());
    }
    Optional<Reply> refused = refuseWrite(key.get(), 204);
    if (refused.isPresent()) {
      return refused.get();
    }
    for (Map<String, Object> kv : entries) {
      if (field(kv, "key").filter(k -> !k.isEmpty()).isEmpty()) {
        return Reply.empty(400);
      }
    }
    return write(session, () -> {
      for (Map<String, Object> kv : entries) {
        applyMeta(key.get(), field(kv, "key").orElseThrow(), field(kv, "value"));
      }
      return Reply.empty(204);
    });
  }

  /** {@code DELETE /kdbMeta/{path}}: {@code {"key":..}}; 404 when the key does not exist. */
  Reply deleteMeta(String name, byte[] body, Session session) {
    Optional<KeyName> key = parseName(name);
    if (key.isEmpty()) {
      return Reply.empty(400);
    }
    Map<String, Object> kv;
    try {
      kv = struct(GoJson.decode(body), "main.keyValueBody", "keyValueBody");
    } catch (Failure e) {
      return Reply.empty(400);
    }
    Optional<String> meta = kv == null ? Optional.empty() : field(kv, "key");
    if (meta.isEmpty() || meta.get().isEmpty()) {
      return Reply.empty(400);
    }
    Optional<Reply> refused = refuseWrite(key.get(), 204);
    if (refused.isPresent()) {
      return refused.get();
    }
    return write(session, () -> {
      if (db.get(key.get()).isEmpty()) {
        return Reply.empty(404);
      }
      db.deleteMeta(key.get(), meta.get());
      return Reply.empty(204);
    });
  }

  /**
   * {@code PUT /kdbAll/{path}}: {@code {"configurations":[{"key":"a","value":"1"},...]}} relative to the
   * path. Answers 201 but, as the real daemon, persists the keys only with the session's next write.
   */
  Reply putAll(String name, byte[] body, Session session) {
    Optional<KeyName> parent = parseName(name);
    if (parent.isEmpty()) {
      return Reply.empty(500);
    }
    Map<KeyName, String> pending = new LinkedHashMap<>();
    try {
      Map<String, Object> root = struct(GoJson.decode(body), "main.kdbAllBody", "kdbAllBody");
      Object list = root == null ? null : lookupField(root, "configurations");
      if (list instanceof List<?> l) {
        for (Object o : l) {
          Map<String, Object> kv = struct(o, "main.keyValueBody", "kdbAllBody.configurations");
          Optional<String> rel = kv == null ? Optional.empty() : field(kv, "key");
          Optional<String> value = kv == null ? Optional.empty() : field(kv, "value");
          if (value.isEmpty()) {
            return Reply.empty(500); // the real daemon dereferences the missing value and drops the connection
          }
          try {
            pending.put(parent.get().appendEscaped(rel.orElse("")), value.get());
          } catch (ClusterdException e) {
            return Reply.empty(400);
          }
        }
      }
    } catch (Failure e) {
      return Reply.error(400, e.getMessage());
    }
    synchronized (session) {
      session.pendingAll.putAll(pending);
    }
    return Reply.empty(201);
  }

  // --- helpers ---

  /**
   * Elektra's key name syntax as elektrad 0.11 accepts it: a namespace prefix with {@code :/} or a leading
   * {@code /}; the empty name is the cascading root. Legacy names ({@code user/a}) are invalid there.
   */
  static Optional<KeyName> parseName(String name) {
    if (name.isEmpty()) {
      return Optional.of(KeyName.root(Namespace.CASCADING));
    }
    if (!name.startsWith("/")) {
      int colon = name.indexOf(":/");
      int slash = name.indexOf('/');
      if (colon < 0 || colon + 1 != slash) {
        return Optional.empty();
      }
    }
    return KeyName.tryParse(name);
  }

  /**
   * What elektrad answers instead of writing {@code key}, if anything: {@code meta:/} and Elektra's read-only
   * mountpoints are refused with Elektra's error, {@code proc:/} is refused (instead of crashing),
   * {@code default:/} is accepted and not persisted ({@code okStatus}).
   */
  private static Optional<Reply> refuseWrite(KeyName key, int okStatus) {
    switch (key.namespace()) {
      case META:
        return Optional.of(Reply.error(400, "C01320 Interface - parentKey with meta:/ name passed ('" + key + "')"));
      case PROC:
        return Optional.of(procRefused(key));
      case DEFAULT:
        return Optional.of(Reply.empty(okStatus));
      case CASCADING:
        return Optional.of(Reply.error(400,
            "C01320 Interface - parentKey with cascading name passed ('" + key + "')"));
      default:
        for (KeyName ro : READ_ONLY) {
          if (key.isBelowOrSame(ro)) {
            return Optional.of(Reply.error(400, READ_ONLY_ERROR));
          }
        }
        return Optional.empty();
    }
  }

  private static boolean isProc(KeyName k) {
    return k.namespace() == Namespace.PROC;
  }

  private static Reply procRefused(KeyName key) {
    return Reply.error(400, "elektrad stand-in: writes below proc:/ are refused ('" + key
        + "'); the real elektrad 0.11.0 crashes on them");
  }

  private void applyMeta(KeyName key, String name, Optional<String> value) {
    if (value.isPresent()) {
      db.setMeta(key, name, value.get());
    } else {
      db.deleteMeta(key, name);
    }
  }

  /** Removes {@code key} only: the key database deletes subtrees, so the keys below are put back. */
  private void deleteOne(KeyName key) {
    if (db.get(key).isEmpty()) {
      return;
    }
    Map<KeyName, KeyDatabase.Entry> below = new TreeMap<>();
    for (String s : db.lookup(key, 0).ls()) {
      KeyName k = KeyName.parse(s);
      if (k.isBelow(key)) {
        db.get(k).ifPresent(e -> below.put(k, e));
      }
    }
    db.delete(key);
    below.forEach((k, e) -> {
      db.set(k, e.value());
      e.meta().forEach((m, v) -> db.setMeta(k, m, v));
    });
  }

  private <T> T read(java.util.function.Supplier<T> body) {
    lock.readLock().lock();
    try {
      return body.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A write of {@code session}: first persists what its {@code PUT /kdbAll} left pending. */
  private Reply write(Session session, java.util.function.Supplier<Reply> body) {
    lock.writeLock().lock();
    try {
      Map<KeyName, String> pending;
      synchronized (session) {
        pending = new LinkedHashMap<>(session.pendingAll);
        session.pendingAll.clear();
      }
      pending.forEach((k, v) -> {
        if (k.namespace().isWritable()) {
          db.set(k, v);
        }
      });
      return body.get();
    } catch (ClusterdException e) {
      return Reply.empty(400);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A decoded value read into a Go struct: an object gives its fields, {@code null} gives null (the zero
   * struct), anything else fails with Go's type error.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> struct(Object v, String goType, String fieldPath) throws Failure {
    if (v == GoJson.NULL) {
      return null;
    }
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    if (fieldPath.contains(".")) {
      throw new Failure("json: cannot unmarshal " + GoJson.kind(v) + " into Go struct field " + fieldPath
          + " of type " + goType);
    }
    throw new Failure("json: cannot unmarshal " + GoJson.kind(v) + " into Go value of type " + goType);
  }

  /** A string field of a decoded Go struct ({@code null} or absent is empty); Go matches names case-insensitively. */
  private static Optional<String> field(Map<String, Object> struct, String name) {
    Object v = lookupField(struct, name);
    return v instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private static Object lookupField(Map<String, Object> struct, String name) {
    if (struct.containsKey(name)) {
      return struct.get(name);
    }
    for (Map.Entry<String, Object> e : struct.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** One elektrad session: its last use and the keys its {@code PUT /kdbAll} left unpersisted. */
  static final class Session {
    static final long MAX_AGE_MILLIS = 3_600_000L;

    final String id;
    volatile long lastUse;
    final Map<KeyName, String> pendingAll = new HashMap<>();
    /** The last request of this session; the next one runs after it (elektrad serves a session serially). */
    java.util.concurrent.CompletableFuture<?> tail = java.util.concurrent.CompletableFuture.completedFuture(null);

    Session(String id, long now) {
      this.id = id;
      this.lastUse = now;
    }
  }
}

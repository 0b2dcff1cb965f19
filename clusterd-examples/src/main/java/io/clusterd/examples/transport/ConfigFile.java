package io.clusterd.examples.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One configuration file and its metadata sidecar ({@code <file>.meta.json}) as a key database: reads parse the
 * file anew each time (so edits made by hand show at once), writes are read-modify-write of the whole document
 * under a lock and replace the file atomically.
 *
 * <p>Thread-safe: every operation holds the file's lock, shared by all transports of one factory to that file.
 * Writers in other processes (an editor, another daemon) are not locked out; a write of theirs that lands
 * between clusterd's read and rename is overwritten, but no reader ever sees a half-written file.
 */
final class ConfigFile {

  /** One existing key: its value and metadata (names without {@code meta:/}). */
  record Entry(String value, Map<String, String> meta) {
    Entry {
      meta = Map.copyOf(meta);
    }
  }

  /** What an operation sees and edits: the document and the metadata of its keys. */
  static final class State {
    final Document document;
    final SortedMap<KeyName, Map<String, String>> meta;

    State(Document document, SortedMap<KeyName, Map<String, String>> meta) {
      this.document = document;
      this.meta = meta;
    }

    /** Every existing key with value and metadata, in Elektra order. */
    SortedMap<KeyName, Entry> entries() {
      SortedMap<KeyName, Entry> out = new TreeMap<>();
      document.keys().forEach((k, v) -> out.put(k, new Entry(v, meta.getOrDefault(k, Map.of()))));
      return out;
    }
  }

  private static final Set<PosixFilePermission> NEW_FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

  private final Path file;
  private final Path metaFile;
  private final FileFormat format;
  private final Lock lock;

  ConfigFile(Path file, FileFormat format, Lock lock) {
    this.file = file;
    this.metaFile = file.resolveSibling(file.getFileName() + ".meta.json");
    this.format = format;
    this.lock = lock;
  }

  Path path() {
    return file;
  }

  /** Fails with {@code INSTANCE_UNREACHABLE} unless the file's directory is there. */
  void checkReachable() {
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw Failures.unreachable(file, "its directory " + dir + " does not exist");
    }
  }

  /** Runs {@code query} on the current content. */
  <T> T read(Function<State, T> query) {
    lock.lock();
    try {
      return query.apply(load().state);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code edit} on the current content and writes what changed: the file (atomically, only when its content
   * changed), then the sidecar (metadata of keys that no longer exist is dropped). A failing edit writes nothing.
   */
  void write(Consumer<State> edit) {
    lock.lock();
    try {
      Loaded loaded = load();
      State state = loaded.state;
      byte[] before = state.document.toBytes();
      edit.accept(state);
      byte[] after = state.document.toBytes();
      if (!Arrays.equals(before, after)) {
        replace(file, after);
      }
      Set<KeyName> existing = state.document.keys().keySet();
      state.meta.keySet().retainAll(existing);
      state.meta.values().removeIf(Map::isEmpty);
      if (!state.meta.equals(loaded.metaAsRead)) {
        writeMeta(state.meta);
      }
    } finally {
      lock.unlock();
    }
  }

  private record Loaded(State state, Map<KeyName, Map<String, String>> metaAsRead) { }

  private Loaded load() {
    checkReachable();
    byte[] bytes = readIfExists(file);
    Document document;
    try {
      document = format.parse(bytes);
    } catch (IOException | RuntimeException e) {
      throw Failures.badFile(file, e);
    }
    SortedMap<KeyName, Map<String, String>> meta = readMeta();
    Map<KeyName, Map<String, String>> asRead = copy(meta);
    // the file is authoritative: metadata of keys it does not hold (removed by hand, say) is stale
    meta.keySet().retainAll(document.keys().keySet());
    return new Loaded(new State(document, meta), asRead);
  }

  private static Map<KeyName, Map<String, String>> copy(SortedMap<KeyName, Map<String, String>> meta) {
    Map<KeyName, Map<String, String>> out = new TreeMap<>();
    meta.forEach((k, m) -> out.put(k, Map.copyOf(m)));
    return out;
  }

  private byte[] readIfExists(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return new byte[0];
    } catch (IOException e) {
      if (Files.isDirectory(path)) {
        throw Failures.badFile(path, new IOException(path + " is a directory, not a file"));
      }
      throw Failures.ioError(path, e);
    }
  }

  /** The sidecar: {@code {"user:/a": {"check/type": "long"}}}; entries whose name is no valid key are ignored. */
  private SortedMap<KeyName, Map<String, String>> readMeta() {
    SortedMap<KeyName, Map<String, String>> meta = new TreeMap<>();
    byte[] bytes = readIfExists(metaFile);
    if (bytes.length == 0) {
      return meta;
    }
    JsonNode root;
    try {
      root = FileFormat.JSON_MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw Failures.badFile(metaFile, e);
    }
    if (root == null || !root.isObject()) {
      throw Failures.badFile(metaFile, new IOException("the metadata file must hold a JSON object"));
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      var key = KeyName.tryParse(e.getKey());
      if (key.isEmpty() || !e.getValue().isObject()) {
        continue;
      }
      Map<String, String> m = new TreeMap<>();
      for (Map.Entry<String, JsonNode> f : e.getValue().properties()) {
        if (f.getValue().isValueNode() && !f.getValue().isNull()) {
          m.put(f.getKey(), f.getValue().asText());
        }
      }
      meta.put(key.get(), m);
    }
    return meta;
  }

  private void writeMeta(SortedMap<KeyName, Map<String, String>> meta) {
    if (meta.isEmpty()) {
      try {
        Files.deleteIfExists(metaFile);
      } catch (IOException e) {
        throw Failures.ioError(metaFile, e);
      }
      return;
    }
    Map<String, Map<String, String>> json = new LinkedHashMap<>();
    meta.forEach((k, m) -> json.put(k.toString(), new TreeMap<>(m)));
    try {
      byte[] bytes = FileFormat.JSON_MAPPER.writeValueAsBytes(json);
      byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
      withNewline[bytes.length] = '\n';
      replace(metaFile, withNewline);
    } catch (IOException e) {
      throw Failures.ioError(metaFile, e);
    }
  }

  /**
   * Replaces {@code target} atomically: writes a temporary file in the same directory, forces it to disk, gives
   * it the target's permissions and renames it over the target ({@code ATOMIC_MOVE}); then forces the directory
   * so the rename itself survives a crash.
   */
  static void replace(Path target, byte[] content) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        ch.force(true);
      }
      copyPermissions(target, tmp);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      forceDirectory(dir);
    } catch (IOException e) {
      throw Failures.ioError(target, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write failed already; that error is the one to report
        }
      }
    }
  }

  private static void copyPermissions(Path from, Path to) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.exists(from) ? Files.getPosixFilePermissions(from) : NEW_FILE_PERMISSIONS;
      Files.setPosixFilePermissions(to, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the temporary file keeps the default permissions
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open or force a directory; the file itself is on disk already
    }
  }
}

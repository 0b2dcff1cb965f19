package io.clusterd.examples.transport;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@link Transport} to one configuration file. Each operation runs on the factory's executor, never on the
 * caller's thread, and completes with {@code INSTANCE_TIMEOUT} when it takes longer than the response timeout
 * (it may still be applied then, as a slow host may).
 *
 * <p>Thread-safe; operations on one file are serialized by the file's lock.
 */
final class FileTransport implements Transport {

  /**
   * What {@link #version()} reports: elektrad's API level 1 and the Elektra version whose key model the file
   * mapping follows. There is no Elektra on the "host".
   */
  static final InstanceVersion VERSION = new InstanceVersion(1, "0.11.0", 0, 11, 0);

  private static final int MAX_PRELOAD = 9;
  private static final Pattern RE2_NAMED_GROUP = Pattern.compile("\\(\\?P<");

  private final ConfigFile file;
  private final Executor io;
  private final Duration responseTimeout;
  private volatile boolean closed;

  FileTransport(ConfigFile file, Executor io, Duration responseTimeout) {
    this.file = file;
    this.io = io;
    this.responseTimeout = responseTimeout;
  }

  @Override
  public CompletableFuture<InstanceVersion> version() {
    return async(() -> {
      file.checkReachable();
      return VERSION;
    });
  }

  @Override
  public CompletableFuture<LookupResult> lookup(KeyName key, int preload) {
    Objects.requireNonNull(key, "key");
    if (preload < 0 || preload > MAX_PRELOAD) {
      return CompletableFuture.failedFuture(ClusterdException.of(ErrorCode.INVALID_BODY,
          "preload must be between 0 and " + MAX_PRELOAD + ", was " + preload, Map.of("preload", preload)));
    }
    if (key.namespace() != Namespace.USER && !key.isCascading()) {
      return CompletableFuture.failedFuture(Failures.notReadable(file.path(), key));
    }
    return async(() -> file.read(state -> lookup(state.entries(), key, preload + 1)));
  }

  @Override
  public CompletableFuture<Void> set(KeyName key, String value) {
    Objects.requireNonNull(value, "value");
    return write(s -> s.document.set(key, value), key);
  }

  @Override
  public CompletableFuture<Void> delete(KeyName key) {
    return write(s -> {
      s.document.delete(key);
      s.meta.keySet().removeIf(k -> k.isBelowOrSame(key));
    }, key);
  }

  @Override
  public CompletableFuture<Void> move(KeyName from, KeyName to) {
    if (to.isBelow(from)) {
      return CompletableFuture.failedFuture(ClusterdException.of(ErrorCode.INVALID_BODY,
          "cannot move '" + from + "' into its own subtree ('" + to + "')",
          Map.of("key", from.toString(), "target", to.toString())));
    }
    return write(s -> transfer(s, from, to, true), from, to);
  }

  @Override
  public CompletableFuture<Void> copy(KeyName from, KeyName to) {
    return write(s -> transfer(s, from, to, false), from, to);
  }

  /** Moves or copies the keys at or below {@code from}, values and metadata, replacing keys at the target. */
  private static void transfer(ConfigFile.State s, KeyName from, KeyName to, boolean removeSource) {
    if (from.equals(to)) {
      return;
    }
    SortedMap<KeyName, ConfigFile.Entry> source = subtree(s.entries(), from);
    if (source.isEmpty()) {
      return;
    }
    if (removeSource) {
      s.document.delete(from);
      s.meta.keySet().removeIf(k -> k.isBelowOrSame(from));
    }
    source.forEach((k, e) -> {
      KeyName target = k.relocate(from, to);
      s.document.set(target, e.value());
      if (e.meta().isEmpty()) {
        s.meta.remove(target);
      } else {
        s.meta.put(target, new HashMap<>(e.meta()));
      }
    });
  }

  @Override
  public CompletableFuture<Void> setMeta(KeyName key, String metaName, String value) {
    Objects.requireNonNull(value, "value");
    String name;
    try {
      name = KeyName.requireMetaName(Objects.requireNonNull(metaName, "metaName"));
    } catch (ClusterdException e) {
      return CompletableFuture.failedFuture(e);
    }
    return write(s -> {
      if (!s.document.keys().containsKey(key)) {
        s.document.set(key, "");
      }
      s.meta.computeIfAbsent(key, k -> new HashMap<>()).put(name, value);
    }, key);
  }

  @Override
  public CompletableFuture<Void> deleteMeta(KeyName key, String metaName) {
    String name;
    try {
      name = KeyName.requireMetaName(Objects.requireNonNull(metaName, "metaName"));
    } catch (ClusterdException e) {
      return CompletableFuture.failedFuture(e);
    }
    return write(s -> {
      Map<String, String> m = s.meta.get(key);
      if (m != null) {
        m.remove(name);
      }
    }, key);
  }

  @Override
  public CompletableFuture<List<String>> find(String regex) {
    Objects.requireNonNull(regex, "regex");
    Pattern pattern;
    try {
      pattern = Pattern.compile(RE2_NAMED_GROUP.matcher(regex).replaceAll(Matcher.quoteReplacement("(?<")));
    } catch (PatternSyntaxException e) {
      return CompletableFuture.failedFuture(new ClusterdException(ErrorCode.INVALID_BODY,
          "invalid regular expression '" + regex + "': " + e.getDescription(), Map.of("regex", regex), e));
    }
    return async(() -> file.read(state -> {
      List<String> found = new ArrayList<>();
      for (KeyName k : state.document.keys().keySet()) {
        if (pattern.matcher(k.toString()).find()) {
          found.add(k.toString());
        }
      }
      return List.copyOf(found);
    }));
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "FileTransport[" + file.path() + "]";
  }

  // --- internals ---

  private CompletableFuture<Void> write(Consumer<ConfigFile.State> edit, KeyName... keys) {
    for (KeyName k : keys) {
      Objects.requireNonNull(k, "key");
      if (k.namespace() != Namespace.USER) {
        return CompletableFuture.failedFuture(Failures.notWritable(file.path(), k));
      }
    }
    return async(() -> {
      file.write(edit);
      return null;
    });
  }

  private <T> CompletableFuture<T> async(Supplier<T> body) {
    if (closed) {
      return CompletableFuture.failedFuture(Failures.unreachable(file.path(), "the transport is closed"));
    }
    CompletableFuture<T> future;
    try {
      future = CompletableFuture.supplyAsync(body, io);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(Failures.unreachable(file.path(), "the file transport is shut down"));
    }
    return future.orTimeout(responseTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((value, error) -> {
      if (error == null) {
        return value;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof ClusterdException e) {
        throw e;
      }
      if (cause instanceof TimeoutException) {
        throw ClusterdException.of(ErrorCode.INSTANCE_TIMEOUT,
            file.path() + " did not answer within " + responseTimeout.toMillis() + " ms",
            Map.of("file", file.path().toString(), "timeoutMs", responseTimeout.toMillis()));
      }
      throw Failures.ioError(file.path(), cause);
    });
  }

  private static SortedMap<KeyName, ConfigFile.Entry> subtree(SortedMap<KeyName, ConfigFile.Entry> all, KeyName key) {
    SortedMap<KeyName, ConfigFile.Entry> out = new TreeMap<>();
    for (Map.Entry<KeyName, ConfigFile.Entry> e : all.tailMap(key).entrySet()) {
      if (!e.getKey().isBelowOrSame(key)) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  /**
   * The elektrad-shaped answer for {@code key}: a cascading key resolves to {@code user:/}, the only namespace a
   * file holds; {@code ls} lists the existing keys at or below, {@code children} the existing keys directly below,
   * {@code levels} deep.
   */
  static LookupResult lookup(SortedMap<KeyName, ConfigFile.Entry> all, KeyName key, int levels) {
    KeyName stored = key.isCascading() ? key.withNamespace(Namespace.USER) : key;
    List<Map.Entry<KeyName, ConfigFile.Entry>> subtree = new ArrayList<>(subtree(all, stored).entrySet());
    return result(key, all.get(stored), subtree, levels);
  }

  private static LookupResult result(KeyName key, ConfigFile.Entry own,
      List<Map.Entry<KeyName, ConfigFile.Entry>> subtree, int levels) {
    List<String> ls = new ArrayList<>(subtree.size());
    for (Map.Entry<KeyName, ConfigFile.Entry> e : subtree) {
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
}

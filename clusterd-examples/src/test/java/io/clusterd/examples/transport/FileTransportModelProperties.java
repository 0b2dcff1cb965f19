package io.clusterd.examples.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.Namespace;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import io.clusterd.testing.Shrink;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Model-based: any sequence of writes leaves a file (in every format) holding exactly the keys, values and metadata
 * that clusterd's in-memory model of an elektrad key database holds after the same writes, also when the file is
 * read back by a new factory.
 */
class FileTransportModelProperties {

  /** One write, applied to the model and to the transport. */
  record Op(String label, Function<KeyDatabase, Object> onModel, Function<Transport, CompletableFuture<Void>> onFile) {
    @Override
    public String toString() {
      return label;
    }
  }

  private static final List<String> PARTS = List.of("a", "b", "a.b", "#0", "#1", "#_10", ".", "%", "x y",
      "\u00fc", "0", "null", "~", "true", "___x", "back\\slash", "-", "");
  private static final List<String> VALUES = List.of("", "v", "8080", "1.50", "true", "null", "~", " lead",
      "trail ", "a\nb", "a: b", "#c", "!d", "\u00fc\ud83d\ude80", "x\\y", "line\n", "\t", "=", "- x", "[1]", "{}");

  static Gen<KeyName> keys() {
    Gen<String> first = Gens.of(PARTS.stream().filter(p -> !p.isEmpty()).toList());
    Gen<List<String>> rest = Gens.lists(Gens.of(PARTS), 0, 2);
    return first.zip(rest, (f, r) -> {
      List<String> parts = new ArrayList<>();
      parts.add(f);
      parts.addAll(r);
      return KeyName.of(Namespace.USER, parts);
    });
  }

  static Gen<List<Op>> ops() {
    Gen<KeyName> k = keys();
    Gen<String> v = Gens.of(VALUES);
    Gen<String> meta = Gens.of("check/type", "description", "m");
    Gen<Op> set = k.zip(v, (key, value) -> new Op("set " + key + " = " + value,
        db -> db.set(key, value), t -> t.set(key, value)));
    Gen<Op> delete = k.map(key -> new Op("delete " + key, db -> db.delete(key), t -> t.delete(key)));
    Gen<Op> move = k.zip(k, (from, to) -> new Op("move " + from + " -> " + to,
        db -> db.move(from, to), t -> t.move(from, to)));
    Gen<Op> copy = k.zip(k, (from, to) -> new Op("copy " + from + " -> " + to,
        db -> db.copy(from, to), t -> t.copy(from, to)));
    Gen<Op> setMeta = k.zip(meta, v, (key, name, value) -> new Op(
        "setMeta " + key + " " + name + " = " + value, db -> db.setMeta(key, name, value),
        t -> t.setMeta(key, name, value)));
    Gen<Op> deleteMeta = k.zip(meta, (key, name) -> new Op("deleteMeta " + key + " " + name,
        db -> db.deleteMeta(key, name), t -> t.deleteMeta(key, name)));
    Gen<Op> op = Gens.<Op>weighted()
        .or(6, set).or(2, delete).or(1, move).or(1, copy).or(2, setMeta).or(1, deleteMeta)
        .gen();
    return Gens.lists(op, 1, 14);
  }

  static Gen<String> fileNames() {
    return Gens.of("config.json", "config.yaml", "app.properties");
  }

  @Test
  void anyWrites_fileHoldsWhatTheModelHolds() {
    PropertyCheck.forAll(ops(), fileNames()).examples(100)
        .shrinkAlso(Shrink.first(ops -> Shrink.removals(ops).filter(l -> !l.isEmpty())))
        .check(t -> fileHoldsWhatTheModelHolds(t.first(), t.second()));
  }

  private static void fileHoldsWhatTheModelHolds(List<Op> ops, String fileName) throws Exception {
    Path dir = Files.createTempDirectory("clusterd-file-model");
    try {
      Path file = dir.resolve(fileName);
      KeyDatabase model = new KeyDatabase();
      try (Transport t = transport(new FileTransportFactory(), file)) {
        for (Op op : ops) {
          Optional<String> modelError = outcome(() -> op.onModel().apply(model));
          Optional<String> fileError = outcome(() -> await(op.onFile().apply(t)));
          assertEquals(modelError, fileError, op + " in " + fileName);
        }
      }
      try (Transport reread = transport(new FileTransportFactory(), file)) {
        assertEquals(expected(model), actual(reread), "after " + ops + " in " + fileName + ":\n"
            + (Files.exists(file) ? Files.readString(file) : "(no file)"));
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Transport transport(FileTransportFactory factory, Path file) {
    return factory.create(TransportConfig.of("model", Endpoint.parse(file.toUri().toString())));
  }

  private static Optional<String> outcome(Runnable r) {
    try {
      r.run();
      return Optional.empty();
    } catch (ClusterdException e) {
      return Optional.of(e.code().name());
    }
  }

  private static void await(CompletableFuture<Void> f) {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, Object> expected(KeyDatabase model) {
    Map<String, Object> out = new TreeMap<>();
    model.snapshot().forEach((k, e) -> out.put(k.toString(), List.of(e.value(), new TreeMap<>(e.meta()))));
    return out;
  }

  private static Map<String, Object> actual(Transport t) throws IOException {
    Map<String, Object> out = new TreeMap<>();
    try {
      LookupResult all = t.lookup(KeyName.root(Namespace.USER), 0).get(10, TimeUnit.SECONDS);
      for (String name : all.ls()) {
        LookupResult r = t.lookup(KeyName.parse(name), 0).get(10, TimeUnit.SECONDS);
        out.put(name, List.of(r.value(), new TreeMap<>(r.meta())));
      }
    } catch (Exception e) {
      throw new IOException(e);
    }
    return out;
  }
}

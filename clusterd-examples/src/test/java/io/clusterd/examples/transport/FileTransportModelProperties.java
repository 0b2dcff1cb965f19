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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

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

  @Provide
  Arbitrary<KeyName> keys() {
    Arbitrary<String> first = Arbitraries.of(PARTS.stream().filter(p -> !p.isEmpty()).toList());
    Arbitrary<List<String>> rest = Arbitraries.of(PARTS).list().ofMaxSize(2);
    return Combinators.combine(first, rest).as((f, r) -> {
      List<String> parts = new ArrayList<>();
      parts.add(f);
      parts.addAll(r);
      return KeyName.of(Namespace.USER, parts);
    });
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<KeyName> k = keys();
    Arbitrary<String> v = Arbitraries.of(VALUES);
    Arbitrary<String> meta = Arbitraries.of("check/type", "description", "m");
    Arbitrary<Op> set = Combinators.combine(k, v).as((key, value) -> new Op("set " + key + " = " + value,
        db -> db.set(key, value), t -> t.set(key, value)));
    Arbitrary<Op> delete = k.map(key -> new Op("delete " + key, db -> db.delete(key), t -> t.delete(key)));
    Arbitrary<Op> move = Combinators.combine(k, k).as((from, to) -> new Op("move " + from + " -> " + to,
        db -> db.move(from, to), t -> t.move(from, to)));
    Arbitrary<Op> copy = Combinators.combine(k, k).as((from, to) -> new Op("copy " + from + " -> " + to,
        db -> db.copy(from, to), t -> t.copy(from, to)));
    Arbitrary<Op> setMeta = Combinators.combine(k, meta, v).as((key, name, value) -> new Op(
        "setMeta " + key + " " + name + " = " + value, db -> db.setMeta(key, name, value),
        t -> t.setMeta(key, name, value)));
    Arbitrary<Op> deleteMeta = Combinators.combine(k, meta).as((key, name) -> new Op("deleteMeta " + key + " " + name,
        db -> db.deleteMeta(key, name), t -> t.deleteMeta(key, name)));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, set), net.jqwik.api.Tuple.of(2, delete), net.jqwik.api.Tuple.of(1, move),
        net.jqwik.api.Tuple.of(1, copy), net.jqwik.api.Tuple.of(2, setMeta), net.jqwik.api.Tuple.of(1, deleteMeta))
        .list().ofMinSize(1).ofMaxSize(14);
  }

  @Property(tries = 100)
  void anyWrites_fileHoldsWhatTheModelHolds(@ForAll("ops") List<Op> ops,
      @ForAll("fileNames") String fileName) throws Exception {
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

  @Provide
  Arbitrary<String> fileNames() {
    return Arbitraries.of("config.json", "config.yaml", "app.properties");
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

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.KeyName;
import io.clusterd.core.Clusterd;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import io.clusterd.http.internal.PluginLoader;
import io.clusterd.spi.TransportFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The daemon's {@code --plugins DIR}: plugin jars are compiled here against clusterd-api alone and packaged like a
 * third party would, then loaded by {@link PluginLoader} and by the daemon's own wiring in {@link Main}.
 */
class PluginsTest {

  /** A small third-party transport: {@code note:///path/notes.properties}, key names to values in a properties file. */
  private static final Map<String, String> NOTE_PLUGIN = Map.of(
      "plugin/note/NoteTransportFactory.java", """
          package plugin.note;

          import io.clusterd.spi.Transport;
          import io.clusterd.spi.TransportConfig;
          import io.clusterd.spi.TransportFactory;
          import java.nio.file.Path;
          import java.util.Set;

          public final class NoteTransportFactory implements TransportFactory {
            public Set<String> schemes() {
              return Set.of("note");
            }

            public Transport create(TransportConfig config) {
              return new NoteTransport(Path.of(config.endpoint().uri().getPath()));
            }
          }
          """,
      "plugin/note/NoteTransport.java", """
          package plugin.note;

          import io.clusterd.ClusterdException;
          import io.clusterd.ErrorCode;
          import io.clusterd.InstanceVersion;
          import io.clusterd.KeyName;
          import io.clusterd.LookupResult;
          import io.clusterd.spi.Transport;
          import java.io.IOException;
          import java.io.Reader;
          import java.io.UncheckedIOException;
          import java.io.Writer;
          import java.nio.file.Files;
          import java.nio.file.Path;
          import java.util.List;
          import java.util.Map;
          import java.util.Properties;
          import java.util.concurrent.CompletableFuture;
          import java.util.function.Consumer;

          final class NoteTransport implements Transport {
            private final Path file;

            NoteTransport(Path file) {
              this.file = file;
            }

            private synchronized Properties load() {
              Properties p = new Properties();
              if (Files.exists(file)) {
                try (Reader r = Files.newBufferedReader(file)) {
                  p.load(r);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }
              return p;
            }

            private synchronized CompletableFuture<Void> edit(Consumer<Properties> change) {
              return CompletableFuture.runAsync(() -> {
                synchronized (this) {
                  Properties p = load();
                  change.accept(p);
                  try (Writer w = Files.newBufferedWriter(file)) {
                    p.store(w, null);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
              });
            }

            private static <T> CompletableFuture<T> unsupported() {
              return CompletableFuture.failedFuture(
                  ClusterdException.of(ErrorCode.INSTANCE_ERROR, "not supported by notes", Map.of("status", 501)));
            }

            public CompletableFuture<InstanceVersion> version() {
              return CompletableFuture.supplyAsync(() -> new InstanceVersion(1, "0.11.0", 0, 11, 0));
            }

            public CompletableFuture<LookupResult> lookup(KeyName key, int preload) {
              return CompletableFuture.supplyAsync(() -> {
                String value = load().getProperty(key.toString());
                return new LookupResult(value != null, key.baseName(), key.toString(),
                    value == null ? List.of() : List.of(key.toString()), value, Map.of(), List.of());
              });
            }

            public CompletableFuture<Void> set(KeyName key, String value) {
              return edit(p -> p.setProperty(key.toString(), value));
            }

            public CompletableFuture<Void> delete(KeyName key) {
              return edit(p -> p.remove(key.toString()));
            }

            public CompletableFuture<Void> move(KeyName from, KeyName to) {
              return unsupported();
            }

            public CompletableFuture<Void> copy(KeyName from, KeyName to) {
              return unsupported();
            }

            public CompletableFuture<Void> setMeta(KeyName key, String name, String value) {
              return unsupported();
            }

            public CompletableFuture<Void> deleteMeta(KeyName key, String name) {
              return unsupported();
            }

            public CompletableFuture<List<String>> find(String regex) {
              return unsupported();
            }

            public void close() {
            }
          }
          """);

  private static final Map<String, String> THROWING_PLUGIN = Map.of("plugin/bad/Throwing.java", """
      package plugin.bad;

      import io.clusterd.spi.Transport;
      import io.clusterd.spi.TransportConfig;
      import io.clusterd.spi.TransportFactory;
      import java.util.Set;

      public final class Throwing implements TransportFactory {
        public Throwing() {
          throw new IllegalStateException("boom in the constructor");
        }

        public Set<String> schemes() {
          return Set.of("throwing");
        }

        public Transport create(TransportConfig config) {
          throw new UnsupportedOperationException();
        }
      }
      """);

  private static final Map<String, String> NOT_A_FACTORY = Map.of("plugin/odd/NotAFactory.java", """
      package plugin.odd;

      public final class NotAFactory {
      }
      """);

  private static final Map<String, String> MEM_CLASH = Map.of("plugin/clash/OtherMem.java", """
      package plugin.clash;

      import io.clusterd.spi.Transport;
      import io.clusterd.spi.TransportConfig;
      import io.clusterd.spi.TransportFactory;
      import java.util.Set;

      public final class OtherMem implements TransportFactory {
        public Set<String> schemes() {
          return Set.of("mem");
        }

        public Transport create(TransportConfig config) {
          throw new UnsupportedOperationException();
        }
      }
      """);

  @TempDir
  static Path build;

  private static Path noteJar;
  private static Path throwingJar;
  private static Path notAFactoryJar;
  private static Path memClashJar;
  private static Path halfBrokenJar;

  @TempDir
  Path dir;

  @BeforeAll
  static void buildPlugins() throws Exception {
    noteJar = pluginJar("note", NOTE_PLUGIN, "plugin.note.NoteTransportFactory");
    throwingJar = pluginJar("throwing", THROWING_PLUGIN, "plugin.bad.Throwing");
    notAFactoryJar = pluginJar("odd", NOT_A_FACTORY, "plugin.odd.NotAFactory");
    memClashJar = pluginJar("clash", MEM_CLASH, "# a comment\nplugin.clash.OtherMem  # the factory");
    halfBrokenJar = pluginJar("half", NOTE_PLUGIN, "plugin.gone.Missing\nplugin.note.NoteTransportFactory");
  }

  /** Compiles the sources against clusterd-api only and packs them with a services file, as a plugin author does. */
  private static Path pluginJar(String name, Map<String, String> sources, String servicesFile) throws Exception {
    Path src = Files.createDirectories(build.resolve(name).resolve("src"));
    Path classes = Files.createDirectories(build.resolve(name).resolve("classes"));
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
        Path.of(TransportFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()));
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path file = src.resolve(s.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));
    Path jar = build.resolve(name + ".jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
         Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
      }
      out.putNextEntry(new JarEntry(PluginLoader.SERVICES_FILE));
      out.write((servicesFile + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }

  /** A jar whose services file names a class it does not have. */
  private static void missingClassJar(Path jar) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry(PluginLoader.SERVICES_FILE));
      out.write("plugin.gone.Missing\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  private Path plugins(Path... jars) throws IOException {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    for (Path jar : jars) {
      Files.copy(jar, plugins.resolve(jar.getFileName()));
    }
    return plugins;
  }

  private static PrintStream capture(OutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }

  @Test
  void load_goodJar_returnsItsFactoryWithJarAndSchemes() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<PluginLoader.Plugin> loaded = PluginLoader.load(plugins(noteJar), getClass().getClassLoader(), capture(err));
    assertEquals(1, loaded.size());
    assertEquals("plugin.note.NoteTransportFactory", loaded.get(0).factory().getClass().getName());
    assertEquals(java.util.Set.of("note"), loaded.get(0).schemes());
    assertEquals("note.jar", loaded.get(0).jar().getFileName().toString());
    assertEquals("", err.toString(StandardCharsets.UTF_8));
    assertTrue(loaded.get(0).factory().getClass().getClassLoader() != getClass().getClassLoader(),
        "each plugin has its own class loader");
  }

  @Test
  void load_brokenJarsBesideAGoodOne_eachReportedByNameAndTheGoodOneLoads() throws Exception {
    Path plugins = plugins(noteJar, throwingJar, notAFactoryJar);
    missingClassJar(plugins.resolve("missing.jar"));
    Files.writeString(plugins.resolve("garbage.jar"), "this is not a zip file");
    Files.write(plugins.resolve("library.jar"), emptyJar());
    Files.writeString(plugins.resolve("README.txt"), "not a jar: ignored");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    List<PluginLoader.Plugin> loaded = PluginLoader.load(plugins, getClass().getClassLoader(), capture(err));

    assertEquals(List.of("note"), loaded.stream().flatMap(p -> p.schemes().stream()).toList());
    String report = err.toString(StandardCharsets.UTF_8);
    List<String> lines = report.lines().toList();
    assertTrue(has(lines, "plugin missing.jar", "plugin.gone.Missing", "not found"), report);
    assertTrue(has(lines, "plugin throwing.jar", "plugin.bad.Throwing", "boom in the constructor"), report);
    assertTrue(has(lines, "plugin odd.jar", "plugin.odd.NotAFactory", "not a subtype"), report);
    assertTrue(has(lines, "plugin garbage.jar", "not a readable jar"), report);
    assertTrue(has(lines, "plugin library.jar", "declares no transport"), report);
    assertFalse(report.contains("README"), report);
    assertFalse(report.contains("note.jar"), report);
  }

  private static boolean has(List<String> lines, String... parts) {
    return lines.stream().anyMatch(l -> Stream.of(parts).allMatch(l::contains));
  }

  private static byte[] emptyJar() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JarOutputStream out = new JarOutputStream(bytes)) {
      out.putNextEntry(new JarEntry("lib/Thing.txt"));
    }
    return bytes.toByteArray();
  }

  @Test
  void load_jarListingAMissingClassBeforeAGoodOne_reportsTheMissingAndLoadsTheGood() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<PluginLoader.Plugin> loaded = PluginLoader.load(plugins(halfBrokenJar), getClass().getClassLoader(),
        capture(err));
    assertEquals(List.of("plugin.note.NoteTransportFactory"),
        loaded.stream().map(p -> p.factory().getClass().getName()).toList());
    String report = err.toString(StandardCharsets.UTF_8);
    assertTrue(report.contains("plugin half.jar") && report.contains("plugin.gone.Missing"), report);
  }

  @Test
  void load_twoPluginsForOneScheme_failsNamingBoth() throws Exception {
    Path plugins = plugins(noteJar);
    Files.copy(noteJar, plugins.resolve("note-copy.jar"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PluginLoader.load(plugins, getClass().getClassLoader(), capture(OutputStream.nullOutputStream())));
    assertTrue(e.getMessage().contains("'note'"), e.getMessage());
    assertTrue(e.getMessage().contains("(note.jar)") && e.getMessage().contains("(note-copy.jar)"), e.getMessage());
  }

  @Test
  void load_missingDirectory_failsNamingIt() {
    Path missing = dir.resolve("no-such-plugins");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PluginLoader.load(missing, getClass().getClassLoader(), capture(OutputStream.nullOutputStream())));
    assertTrue(e.getMessage().contains("no-such-plugins"), e.getMessage());
  }

  @Test
  void load_emptyDirectory_noPluginsNoReport() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(List.of(), PluginLoader.load(plugins(), getClass().getClassLoader(), capture(err)));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  private Main main(Path plugins) {
    Main main = new Main();
    new CommandLine(main).parseArgs("--data-dir", dir.resolve("data").toString(), "--plugins", plugins.toString(),
        "--reconcile-every", "0", "--timeout", "5s");
    return main;
  }

  @Test
  void daemonWithPlugins_clusterMixingElektradAndPluginInstances_pinReachesBoth() throws Exception {
    Path plugins = plugins(noteJar, throwingJar);
    missingClassJar(plugins.resolve("missing.jar"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Main main = main(plugins);
    List<PluginLoader.Plugin> loaded = main.loadPlugins(capture(err));
    String report = err.toString(StandardCharsets.UTF_8);
    assertTrue(report.contains("throwing.jar") && report.contains("missing.jar"), report);

    KeyDatabase db1 = new KeyDatabase();
    KeyDatabase db2 = new KeyDatabase();
    Path notes1 = dir.resolve("notes-1.properties");
    Path notes2 = dir.resolve("notes-2.properties");
    try (ElektradServer e1 = ElektradServer.start("127.0.0.1", 0, db1);
         ElektradServer e2 = ElektradServer.start("127.0.0.1", 0, db2);
         Clusterd clusterd = main.buildClusterd(loaded);
         ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      ApiClient api = new ApiClient(server.url());
      register(api, "elektrad-1", e1.url().toString());
      register(api, "elektrad-2", e2.url().toString());
      register(api, "notes-1", notes1.toUri().toString().replaceFirst("^file:", "note:"));
      register(api, "notes-2", notes2.toUri().toString().replaceFirst("^file:", "note:"));
      assertEquals(201, api.json("POST", "/api/clusters", """
          {"id": "mixed", "name": "mixed", "instances": ["elektrad-1", "notes-1"]}""").status());
      assertEquals(201, api.json("POST", "/api/clusters", """
          {"id": "all", "name": "all", "clusters": ["mixed"], "instances": ["elektrad-2", "notes-2"]}""").status());

      ApiClient.Answer pin = api.text("PUT", "/api/clusters/all/kdb/user%3A/app/port", "8080");
      assertEquals(200, pin.status(), pin.raw());
      assertEquals(4, pin.json().get("summary").get("succeeded").asInt(), pin.raw());

      KeyName port = KeyName.parse("user:/app/port");
      assertEquals("8080", db1.get(port).orElseThrow().value());
      assertEquals("8080", db2.get(port).orElseThrow().value());
      assertEquals("8080", properties(notes1).getProperty("user:/app/port"));
      assertEquals("8080", properties(notes2).getProperty("user:/app/port"));
      JsonNode viaDaemon = api.get("/api/instances/notes-1/kdb/user%3A/app/port").json();
      assertEquals("8080", viaDaemon.get("value").asText(), viaDaemon.toString());
      assertEquals("all", viaDaemon.get("lockedBy").asText(), viaDaemon.toString());
    }
  }

  private static void register(ApiClient api, String id, String host) {
    ApiClient.Answer a = api.json("POST", "/api/instances",
        "{\"id\": \"" + id + "\", \"name\": \"" + id + "\", \"host\": \"" + host + "\"}");
    assertEquals(201, a.status(), a.raw());
  }

  private static Properties properties(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  @Test
  void daemonWithPlugins_pluginClashingWithABuiltInScheme_failsNamingBothAndReleasesTheStore() throws Exception {
    Main main = main(plugins(memClashJar));
    List<PluginLoader.Plugin> loaded = main.loadPlugins(capture(OutputStream.nullOutputStream()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> main.buildClusterd(loaded));
    assertTrue(e.getMessage().contains("MemTransportFactory") && e.getMessage().contains("plugin.clash.OtherMem"),
        e.getMessage());
    SqliteStore.open(dir.resolve("data")).close();
  }

  @Test
  void commandLine_pluginsOption_isParsed() {
    Main main = new Main();
    new CommandLine(main).parseArgs("--plugins", "/opt/clusterd/plugins");
    assertEquals(Path.of("/opt/clusterd/plugins"), main.plugins);
  }
}

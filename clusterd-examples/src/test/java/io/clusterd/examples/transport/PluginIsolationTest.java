package io.clusterd.examples.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.clusterd.spi.TransportFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file transport is a plugin that needs only {@code clusterd-api}: its class files reference no class of
 * {@code io.clusterd.core}, {@code io.clusterd.http} or the rest of the examples, and it loads and works from a
 * class loader that has nothing of clusterd but the api jar.
 */
class PluginIsolationTest {
  private static final String PLUGIN_PACKAGE = "io/clusterd/examples/transport/";
  private static final Pattern CLUSTERD_CLASS = Pattern.compile("io/clusterd/[A-Za-z0-9_/$]*");

  @TempDir
  Path dir;

  private static Path location(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static List<Path> pluginClassFiles() throws Exception {
    Path classes = location(FileTransportFactory.class).resolve(PLUGIN_PACKAGE);
    try (Stream<Path> files = Files.list(classes)) {
      return files.filter(p -> p.toString().endsWith(".class")).sorted().toList();
    }
  }

  @Test
  void pluginClasses_referenceOnlyTheApiAndThemselves() throws Exception {
    List<Path> classFiles = pluginClassFiles();
    assertTrue(classFiles.size() >= 6, "plugin classes found: " + classFiles);
    TreeSet<String> referenced = new TreeSet<>();
    List<String> forbidden = new ArrayList<>();
    for (Path classFile : classFiles) {
      // class names appear in the constant pool as UTF-8, e.g. io/clusterd/spi/Transport or Lio/clusterd/KeyName;
      String pool = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
      Matcher m = CLUSTERD_CLASS.matcher(pool);
      while (m.find()) {
        String name = m.group();
        referenced.add(name);
        boolean api = name.matches("io/clusterd/(spi/)?[A-Z][A-Za-z0-9_$]*");
        if (!api && !name.startsWith(PLUGIN_PACKAGE)) {
          forbidden.add(classFile.getFileName() + " -> " + name);
        }
      }
    }
    assertTrue(referenced.contains("io/clusterd/spi/TransportFactory"), "the scan sees references: " + referenced);
    assertEquals(List.of(), forbidden, "the plugin may use clusterd-api only");
  }

  @Test
  void pluginSources_importNothingButTheApi() throws Exception {
    Path sources = Path.of("src/main/java").resolve(PLUGIN_PACKAGE);
    List<String> forbidden = new ArrayList<>();
    try (Stream<Path> files = Files.list(sources)) {
      for (Path source : files.toList()) {
        for (String line : Files.readAllLines(source)) {
          if (line.matches("\\s*import\\s+(static\\s+)?io\\.clusterd\\.(core|http|examples\\.(?!transport\\.)).*")) {
            forbidden.add(source.getFileName() + ": " + line.strip());
          }
        }
      }
    }
    assertEquals(List.of(), forbidden);
  }

  @Test
  void plugin_loadedBesideOnlyTheApiJar_discoveredAndWorking() throws Exception {
    List<URL> urls = new ArrayList<>();
    urls.add(location(FileTransportFactory.class).toUri().toURL());
    for (Class<?> dependency : List.of(TransportFactory.class, ObjectMapper.class, JsonFactory.class,
        JsonProperty.class, YAMLMapper.class, org.yaml.snakeyaml.Yaml.class)) {
      urls.add(location(dependency).toUri().toURL());
    }
    try (URLClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      assertFalse(canLoad(isolated, "io.clusterd.core.Clusterd"), "core is not visible");
      Class<?> factoryType = isolated.loadClass(TransportFactory.class.getName());
      List<Object> found = new ArrayList<>();
      ServiceLoader.load(factoryType, isolated).forEach(found::add);
      assertEquals(1, found.size(), "only the file transport is registered: " + found);
      Object factory = found.get(0);
      assertEquals(FileTransportFactory.class.getName(), factory.getClass().getName());

      Class<?> endpointType = isolated.loadClass("io.clusterd.Endpoint");
      Class<?> configType = isolated.loadClass("io.clusterd.spi.TransportConfig");
      Class<?> keyType = isolated.loadClass("io.clusterd.KeyName");
      Object endpoint = endpointType.getMethod("parse", String.class)
          .invoke(null, dir.resolve("app.yaml").toUri().toString());
      Object config = configType.getMethod("of", String.class, endpointType).invoke(null, "i", endpoint);
      Object transport = factoryType.getMethod("create", configType).invoke(factory, config);
      Object key = keyType.getMethod("parse", String.class).invoke(null, "user:/server/port");
      CompletableFuture<?> set = (CompletableFuture<?>) isolated.loadClass("io.clusterd.spi.Transport").getMethod("set", keyType, String.class)
          .invoke(transport, key, "8080");
      set.get(10, TimeUnit.SECONDS);
      assertEquals("server:\n  port: \"8080\"\n", Files.readString(dir.resolve("app.yaml")));
    }
  }

  private static boolean canLoad(ClassLoader loader, String name) {
    try {
      loader.loadClass(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}

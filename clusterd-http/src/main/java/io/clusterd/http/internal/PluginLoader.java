package io.clusterd.http.internal;

import io.clusterd.core.TransportRegistry;
import io.clusterd.spi.TransportFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads transport plugins for the daemon's {@code --plugins DIR}: each {@code *.jar} directly in the directory gets
 * its own {@link URLClassLoader} (parent: the daemon's class loader; the jar's manifest {@code Class-Path} brings its
 * libraries), and the {@link TransportFactory} providers its {@code META-INF/services/io.clusterd.spi.TransportFactory}
 * lists are found with {@link ServiceLoader}.
 *
 * <p>As slf4j's {@code LoggerFactory} binds providers, every provider is instantiated on its own, and a broken one
 * never stops the daemon: a file that is no readable jar, a jar without the services file, a listed class that is
 * missing or no factory, a constructor that throws, or a factory without schemes is reported on {@code err} with the
 * jar's name, and the other plugins load. Two plugins for one scheme are an error that names both: the daemon
 * cannot tell which one an instance means.
 *
 * <pre>{@code
 * Clusterd.Builder b = Clusterd.builder().discoverTransports(Main.class.getClassLoader());
 * for (PluginLoader.Plugin p : PluginLoader.load(Path.of("plugins"), Main.class.getClassLoader(), System.err)) {
 *   b.transport(p.factory());
 * }
 * }</pre>
 *
 * <p>Class loaders of jars that yielded a factory stay open for the life of the process. Not thread-safe; call it
 * once at start.
 */
public final class PluginLoader {

  /** Where a plugin jar lists its factories. */
  public static final String SERVICES_FILE = "META-INF/services/" + TransportFactory.class.getName();

  /**
   * A factory loaded from a plugin jar.
   *
   * @param jar the jar it came from
   * @param factory the factory, ready to register
   * @param schemes the schemes it serves, as it reported them at load
   */
  public record Plugin(Path jar, TransportFactory factory, Set<String> schemes) {
    public Plugin {
      Objects.requireNonNull(jar, "jar");
      Objects.requireNonNull(factory, "factory");
      schemes = Set.copyOf(schemes);
    }
  }

  private PluginLoader() { }

  /**
   * Loads the factories of every jar in {@code dir}, in file name order.
   *
   * @param parent the class loader plugins see clusterd through (the daemon's)
   * @param err where each plugin that failed is reported, one line each, starting {@code clusterd: plugin <jar>}
   * @return the factories that loaded, with their jars
   * @throws IllegalStateException when {@code dir} is not a readable directory, or when two plugins serve one
   *     scheme (the message names both)
   */
  public static List<Plugin> load(Path dir, ClassLoader parent, PrintStream err) {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(err, "err");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("the plugins directory " + dir + " does not exist or is no directory");
    }
    List<Path> jars;
    try (Stream<Path> files = Files.list(dir)) {
      jars = files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar"))
          .filter(Files::isRegularFile)
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the plugins directory " + dir + ": " + e.getMessage(), e);
    }
    List<Plugin> loaded = new ArrayList<>();
    for (Path jar : jars) {
      loaded.addAll(loadJar(jar, parent, err));
    }
    TransportRegistry registry = new TransportRegistry();
    loaded.forEach(p -> registry.add(p.factory(), TransportRegistry.Rank.DISCOVERED, p.jar().getFileName().toString()));
    try {
      registry.resolve();
    } catch (IllegalArgumentException clash) {
      throw new IllegalStateException(clash.getMessage() + "; remove one of them from " + dir, clash);
    }
    return List.copyOf(loaded);
  }

  private static List<Plugin> loadJar(Path jar, ClassLoader parent, PrintStream err) {
    String name = jar.getFileName().toString();
    Set<String> declared;
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry services = file.getJarEntry(SERVICES_FILE);
      if (services == null) {
        report(err, name, "skipped: it declares no transport (no " + SERVICES_FILE + ")");
        return List.of();
      }
      try (InputStream in = file.getInputStream(services)) {
        declared = providerNames(in);
      }
    } catch (IOException | SecurityException e) {
      report(err, name, "skipped: it is not a readable jar (" + e.getMessage() + ")");
      return List.of();
    }
    URLClassLoader loader;
    try {
      loader = new URLClassLoader("plugin " + name, new URL[] {jar.toUri().toURL()}, parent);
    } catch (MalformedURLException e) {
      report(err, name, "skipped: " + e.getMessage());
      return List.of();
    }
    // the loader also sees the providers the daemon has itself (through the parent): only those this jar lists count
    TransportRegistry found = new TransportRegistry();
    List<String> problems = found.discover(loader, type -> declared.contains(type.getName()));
    problems.forEach(problem -> report(err, name, problem));
    List<Plugin> plugins = new ArrayList<>();
    for (TransportRegistry.Registration r : found.registrations()) {
      plugins.add(new Plugin(jar, r.factory(), Set.copyOf(r.factory().schemes())));
    }
    if (plugins.isEmpty()) {
      if (problems.isEmpty()) {
        report(err, name, "skipped: none of the factories it lists " + declared + " could be loaded");
      }
      try {
        loader.close();
      } catch (IOException e) {
        // nothing of it is in use
      }
    }
    return plugins;
  }

  /** The class names a services file lists: one per line, {@code #} starts a comment. */
  private static Set<String> providerNames(InputStream in) throws IOException {
    Set<String> names = new LinkedHashSet<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      int hash = line.indexOf('#');
      String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return names;
  }

  private static void report(PrintStream err, String jar, String what) {
    err.println("clusterd: plugin " + jar + ": " + what);
  }
}

package io.clusterd.core;

import io.clusterd.spi.TransportFactory;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The one place that decides which transport factory serves each endpoint scheme. A factory registered
 * explicitly ({@link Clusterd.Builder#transport}) wins over one bound with Guice, which wins over one discovered
 * with {@link ServiceLoader}; two factories of the same rank for one scheme are an error that names both.
 * Discovery instantiates each provider on its own: a broken one is reported with its class and jar, the others
 * load.
 *
 * <pre>{@code
 * TransportRegistry registry = new TransportRegistry()
 *     .add(new FileTransportFactory(), TransportRegistry.Rank.EXPLICIT, "the embedding program");
 * List<String> problems = registry.discover(getClass().getClassLoader());
 * Map<String, TransportFactory> byScheme = registry.resolve();
 * }</pre>
 *
 * <p>Not thread-safe; fill it, then resolve it.
 */
public final class TransportRegistry {

  /** Where a factory comes from, strongest first. */
  public enum Rank { EXPLICIT, GUICE, DISCOVERED }

  /** One registered factory, with where it came from for messages (a class, a binding, a jar). */
  public record Registration(TransportFactory factory, Rank rank, String origin) {
    public Registration {
      Objects.requireNonNull(factory, "factory");
      Objects.requireNonNull(rank, "rank");
      Objects.requireNonNull(origin, "origin");
    }

    String describe() {
      return factory.getClass().getName() + " (" + origin + ")";
    }
  }

  private final List<Registration> registrations = new ArrayList<>();

  /** Registers a factory under each of its schemes; the same factory object twice counts once. */
  public TransportRegistry add(TransportFactory factory, Rank rank, String origin) {
    Registration r = new Registration(factory, rank, origin);
    if (registrations.stream().noneMatch(known -> known.factory() == factory)) {
      registrations.add(r);
    }
    return this;
  }

  /**
   * Registers every provider {@link ServiceLoader} finds on {@code loader} ({@link Rank#DISCOVERED}); a class
   * already registered is not instantiated again.
   *
   * @return one line for each provider that could not be loaded, naming its class and jar; empty when all loaded
   */
  public List<String> discover(ClassLoader loader) {
    return discover(loader, type -> true);
  }

  /**
   * Registers the providers {@link ServiceLoader} finds on {@code loader} whose class {@code which} accepts, as
   * {@link #discover(ClassLoader)} does (a plugin's jar accepts only the classes it lists itself).
   */
  public List<String> discover(ClassLoader loader, Predicate<Class<?>> which) {
    List<String> problems = new ArrayList<>();
    Iterator<ServiceLoader.Provider<TransportFactory>> providers =
        ServiceLoader.load(TransportFactory.class, loader).stream().iterator();
    for (int broken = 0; broken < 1000; ) {
      ServiceLoader.Provider<TransportFactory> provider;
      try {
        if (!providers.hasNext()) {
          break;
        }
        provider = providers.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        // a listed class that is missing, is no factory, or has no public no-argument constructor
        problems.add("a transport provider was skipped: " + e.getMessage());
        broken++;
        continue;
      }
      Class<?> type = provider.type();
      if (!which.test(type) || registrations.stream().anyMatch(r -> r.factory().getClass() == type)) {
        continue;
      }
      try {
        TransportFactory factory = provider.get();
        if (factory.schemes().isEmpty()) {
          problems.add("transport provider " + type.getName() + " (" + jarOf(type) + ") serves no scheme");
          continue;
        }
        add(factory, Rank.DISCOVERED, jarOf(type));
      } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
        Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
        problems.add("transport provider " + type.getName() + " (" + jarOf(type) + ") was skipped: " + cause);
      }
    }
    return problems;
  }

  /** The registrations made so far, in order. */
  public List<Registration> registrations() {
    return List.copyOf(registrations);
  }

  /**
   * The factory serving each scheme: the strongest registration for it.
   *
   * @throws IllegalArgumentException when two factories of the same rank serve one scheme, naming both
   */
  public Map<String, TransportFactory> resolve() {
    Map<String, Registration> chosen = new LinkedHashMap<>();
    Set<String> clashes = new TreeSet<>();
    for (Rank rank : Rank.values()) {
      Map<String, Registration> ofRank = new LinkedHashMap<>();
      for (Registration r : registrations) {
        if (r.rank() != rank) {
          continue;
        }
        for (String scheme : new TreeSet<>(r.factory().schemes())) {
          Registration other = ofRank.putIfAbsent(scheme, r);
          if (other != null) {
            clashes.add("two transport factories serve scheme '" + scheme + "': " + other.describe() + " and "
                + r.describe());
          }
        }
      }
      ofRank.forEach(chosen::putIfAbsent);
    }
    if (!clashes.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", clashes));
    }
    Map<String, TransportFactory> out = new LinkedHashMap<>();
    chosen.forEach((scheme, r) -> out.put(scheme, r.factory()));
    return out;
  }

  /** The jar (or directory) a class was loaded from, for messages. */
  static String jarOf(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    if (location == null) {
      return "unknown location";
    }
    String path = location.getPath();
    int slash = path.endsWith("/") ? path.lastIndexOf('/', path.length() - 2) : path.lastIndexOf('/');
    return path.substring(slash + 1);
  }
}

package io.clusterd.core.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.OptionalBinder;
import io.clusterd.core.Clusterd;
import io.clusterd.core.TransportRegistry;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.TransportFactory;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Wires a {@link Clusterd} with Guice. Bindings a user may override or set:
 * <ul>
 *   <li>{@link RegistryStore}: default an in-memory store ({@code OptionalBinder.setBinding} to change it);
 *   <li>{@link Clock}: default the system UTC clock;
 *   <li>transports: the built-in {@code http}/{@code https} and {@code mem} factories, plus any added with
 *       {@link TransportBinder}; the http factory may be one configured by the caller (e.g. its
 *       {@link io.clusterd.core.transport.http.AddressPolicy}).
 * </ul>
 * Other settings go through the builder callback.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(
 *     new ClusterdModule(b -> b.reconcileEvery(Duration.ofSeconds(5))),
 *     binder -> OptionalBinder.newOptionalBinder(binder, RegistryStore.class)
 *         .setBinding().toInstance(SqliteStore.open(dir)));
 * Clusterd clusterd = injector.getInstance(Clusterd.class);
 * }</pre>
 */
public final class ClusterdModule extends AbstractModule {
  private final Consumer<Clusterd.Builder> settings;
  private final HttpTransportFactory http;

  public ClusterdModule() {
    this(b -> { });
  }

  /** A module whose Clusterd builder is further configured by {@code settings}. */
  public ClusterdModule(Consumer<Clusterd.Builder> settings) {
    this(settings, new HttpTransportFactory());
  }

  /** A module whose Clusterd builder is further configured by {@code settings}, serving http(s) with {@code http}. */
  public ClusterdModule(Consumer<Clusterd.Builder> settings, HttpTransportFactory http) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = Objects.requireNonNull(http, "http");
  }

  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), RegistryStore.class).setDefault().to(MemoryStore.class);
    OptionalBinder.newOptionalBinder(binder(), Clock.class).setDefault().toInstance(Clock.systemUTC());
    TransportBinder transports = TransportBinder.of(binder());
    transports.add(http);
    for (TransportFactory f : builtInTransports()) {
      if (!(f instanceof HttpTransportFactory)) {
        transports.add(f);
      }
    }
  }

  /** New instances of the transports every clusterd has: elektrad over {@code http}/{@code https}, and {@code mem}. */
  public static java.util.List<TransportFactory> builtInTransports() {
    return java.util.List.of(new HttpTransportFactory(), new MemTransportFactory());
  }

  @Provides
  @Singleton
  Clusterd clusterd(RegistryStore store, Clock clock, Map<String, TransportFactory> transports) {
    Clusterd.Builder b = Clusterd.builder().store(store).clock(clock);
    transports.forEach((scheme, f) -> b.transport(new TransportRegistry.Registration(f,
        TransportRegistry.Rank.GUICE, "bound with Guice for scheme '" + scheme + "'")));
    settings.accept(b);
    return b.build();
  }
}

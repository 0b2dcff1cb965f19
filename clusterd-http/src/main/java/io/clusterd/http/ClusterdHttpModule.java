package io.clusterd.http;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.OptionalBinder;
import io.clusterd.core.Clusterd;
import io.clusterd.spi.TransportFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Adds the REST API to clusterd's Guice wiring: with {@code ClusterdModule} installed too, the injector hands out
 * a started {@link ClusterdServer} over the same {@link Clusterd} an embedding program uses.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new ClusterdModule(), new ClusterdHttpModule(ServerConfig.loopback(0)));
 * ClusterdServer server = injector.getInstance(ClusterdServer.class);   // listening
 * Clusterd clusterd = injector.getInstance(Clusterd.class);            // the same engine
 * }</pre>
 *
 * <p>The server is created (and started) once, on first request; its owner closes it. Browser sessions age on
 * the module's {@link Clock}.
 */
public final class ClusterdHttpModule extends AbstractModule {
  private final ServerConfig config;

  public ClusterdHttpModule(ServerConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    bind(ServerConfig.class).toInstance(config);
    // the daemon's --demo sets it; with it the server serves the demo routes
    OptionalBinder.newOptionalBinder(binder(), DemoTree.class);
  }

  @Provides
  @Singleton
  ClusterdServer server(Clusterd clusterd, ServerConfig serverConfig, Clock clock,
      Map<String, TransportFactory> transports, Optional<DemoTree> demo) {
    return ClusterdServer.start(clusterd, serverConfig, clock, List.copyOf(transports.values()), demo);
  }
}

package io.clusterd.http;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.clusterd.core.Clusterd;
import io.clusterd.spi.TransportFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
  }

  @Provides
  @Singleton
  ClusterdServer server(Clusterd clusterd, ServerConfig serverConfig, Clock clock,
      Map<String, TransportFactory> transports) {
    return ClusterdServer.start(clusterd, serverConfig, clock, List.copyOf(transports.values()));
  }
}

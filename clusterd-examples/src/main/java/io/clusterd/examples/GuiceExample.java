package io.clusterd.examples;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import io.clusterd.FanOutResult;
import io.clusterd.HistoryEntry;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.guice.ClusterdModule;
import io.clusterd.core.guice.TransportBinder;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.examples.transport.FileTransportFactory;
import io.clusterd.spi.RegistryStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * clusterd wired with Guice: {@link ClusterdModule} provides the facade; the program overrides two of its default
 * bindings the way Guice users expect ({@code OptionalBinder.setBinding()} for the {@link Clock} and the
 * {@link RegistryStore}) and adds a custom transport with {@link TransportBinder}: the sample
 * {@link FileTransportFactory}, so one cluster holds an in-memory host and a configuration file. The fixed clock
 * shows in the change history, the file transport in the file's content.
 */
public final class GuiceExample {
  /** The time every change is recorded at, instead of the system clock's. */
  static final Instant FIXED_TIME = Instant.parse("2024-05-01T12:00:00Z");

  private GuiceExample() { }

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("clusterd-guice");
    run(System.out, dir);
  }

  /** Runs the example in {@code dir} (registry and configuration file), writing what it does to {@code out}. */
  static void run(PrintStream out, Path dir) throws IOException {
    Path config = dir.resolve("app.json");
    Files.writeString(config, "{\"name\": \"shop\"}\n");

    Injector injector = Guice.createInjector(
        new ClusterdModule(builder -> builder.reconcileEvery(Duration.ZERO)),
        binder -> {
          OptionalBinder.newOptionalBinder(binder, Clock.class).setBinding()
              .toInstance(Clock.fixed(FIXED_TIME, ZoneOffset.UTC));
          OptionalBinder.newOptionalBinder(binder, RegistryStore.class).setBinding()
              .toInstance(SqliteStore.open(dir.resolve("data")));
          TransportBinder.of(binder).add(new FileTransportFactory());
        });

    try (Clusterd clusterd = injector.getInstance(Clusterd.class)) {
      clusterd.registerInstance(InstanceSpec.of("cache", "mem://cache").withId("cache"));
      clusterd.registerInstance(InstanceSpec.of("shop config", config.toUri().toString()).withId("shop-config"));
      clusterd.createCluster(ClusterSpec.of("shop").withId("shop").withMembers(List.of("cache", "shop-config")));

      KeyName port = KeyName.parse("user:/app/port");
      FanOutResult r = clusterd.pin("shop", port, "8080");
      out.println("pin shop " + port + " = 8080 -> " + r.status());
      r.results().stream().sorted(Comparator.comparing(InstanceOutcome::instance))
          .forEach(o -> out.println("  " + o.instance() + " " + o.host() + " " + o.status()));
      out.println("cache holds " + port + " = " + clusterd.lookup("cache", port, 0).join().value());
      out.println(config.getFileName() + " (through the file transport added with TransportBinder):");
      Files.readAllLines(config).forEach(line -> out.println("  " + line));

      out.println("history (recorded with the Clock bound through OptionalBinder):");
      for (HistoryEntry h : clusterd.history(Optional.empty(), Long.MAX_VALUE, 10)) {
        out.println("  " + h.time() + " " + h.node() + " " + h.operation() + h.key().map(k -> " " + k).orElse(""));
      }
    }
  }
}

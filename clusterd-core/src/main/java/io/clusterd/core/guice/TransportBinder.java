package io.clusterd.core.guice;

import com.google.inject.Binder;
import com.google.inject.multibindings.MapBinder;
import io.clusterd.spi.TransportFactory;

/**
 * Adds transport factories to clusterd's Guice wiring, keyed by endpoint scheme. Two factories for one scheme make
 * the injector fail at creation with a message naming both bindings.
 *
 * <pre>{@code
 * Guice.createInjector(new ClusterdModule(), binder ->
 *     TransportBinder.of(binder).add(new FileTransportFactory()));
 * }</pre>
 *
 * <p>Use during module configuration only; not thread-safe.
 */
public final class TransportBinder {
  private final MapBinder<String, TransportFactory> map;

  private TransportBinder(Binder binder) {
    this.map = MapBinder.newMapBinder(binder, String.class, TransportFactory.class);
  }

  public static TransportBinder of(Binder binder) {
    return new TransportBinder(binder);
  }

  /** Binds a factory instance under each of its schemes. */
  public TransportBinder add(TransportFactory factory) {
    for (String scheme : factory.schemes()) {
      map.addBinding(scheme).toInstance(factory);
    }
    return this;
  }
}

package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** Creates one transport per instance from the factory of its scheme, and closes them. Thread-safe. */
public final class TransportPool implements AutoCloseable {
  private record Held(Instance instance, Transport transport) { }

  private final Map<String, TransportFactory> factories;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  /** {@code factories}: the factory of each scheme, as the transport registry resolved them. */
  public TransportPool(Map<String, TransportFactory> factories, Duration connectTimeout, Duration responseTimeout) {
    this.factories = Map.copyOf(factories);
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
  }

  public Set<String> schemes() {
    return new TreeSet<>(factories.keySet());
  }

  public boolean supports(String scheme) {
    return factories.containsKey(scheme);
  }

  /** The transport of an instance, created on first use and recreated when its endpoint changed. */
  public Transport transport(Instance instance) {
    Held current = held.get(instance.id());
    if (current != null && current.instance.endpoint().equals(instance.endpoint())
        && current.instance.transport().equals(instance.transport())) {
      return current.transport; // the common case, without taking the map's bin lock
    }
    Held h = held.compute(instance.id(), (id, old) -> {
      if (old != null && old.instance.endpoint().equals(instance.endpoint())
          && old.instance.transport().equals(instance.transport())) {
        return old;
      }
      if (old != null) {
        old.transport.close();
      }
      TransportFactory f = factories.get(instance.transport());
      if (f == null) {
        throw ClusterdException.of(ErrorCode.UNKNOWN_TRANSPORT,
            "no transport for scheme '" + instance.transport() + "' of instance '" + id + "'; known: " + schemes(),
            Map.of("instance", id, "transport", instance.transport()));
      }
      return new Held(instance, f.create(new TransportConfig(id, instance.endpoint(), connectTimeout,
          responseTimeout, Map.of())));
    });
    return h.transport;
  }

  /** Closes the transport of a removed instance. */
  public void release(String instanceId) {
    Held h = held.remove(instanceId);
    if (h != null) {
      h.transport.close();
    }
  }

  @Override
  public void close() {
    for (String id : List.copyOf(held.keySet())) {
      release(id);
    }
  }
}

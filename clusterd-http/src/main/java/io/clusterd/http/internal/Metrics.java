package io.clusterd.http.internal;

import io.clusterd.InstanceState;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The daemon's Micrometer registry: requests by route and status, fan-out latency, instances by status. */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();

  public Metrics(Clusterd clusterd) {
    for (InstanceState.Status s : InstanceState.Status.values()) {
      Gauge.builder("clusterd.instances", () -> clusterd.instances().stream()
              .filter(i -> clusterd.status(i.id()).status() == s).count())
          .tag("status", s.label())
          .description("registered instances by synchronization status")
          .register(registry);
    }
  }

  /** Counts what {@code http} counts: requests resent at once because their kept-alive connection had closed. */
  public void httpTransport(HttpTransportFactory http) {
    FunctionCounter.builder("clusterd.transport.http.resent", http, HttpTransportFactory::resentRequests)
        .description("requests to instances resent at once on a fresh connection because the connection they"
            + " took closed before any byte of the answer (a kept-alive connection the host had closed)")
        .register(registry);
  }

  public void request(String method, String route, int status, Duration took) {
    // the registry would find the timer too, but only after building and sorting its tags on every request
    requestTimers.computeIfAbsent(method + ' ' + status + ' ' + route, k -> Timer.builder("http.server.requests")
        .tag("method", method).tag("route", route).tag("status", Integer.toString(status)).register(registry))
        .record(took);
  }

  public void fanOut(int targets, int status, Duration took) {
    Timer.builder("clusterd.fanout").tag("status", Integer.toString(status))
        .description("end-to-end latency of cluster writes fanned out to instances")
        .register(registry).record(took);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}

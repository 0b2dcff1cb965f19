package io.clusterd.http.internal;

import io.clusterd.Instance;
import io.clusterd.InstanceState;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's Micrometer registry: requests by route and status, cluster writes (latency and fan-out size),
 * instances and pending deliveries by instance status, reconciler passes and failures, store commits, and the
 * JVM and process metrics of Micrometer's binders. Every meter has a description (HELP), as promtool asks.
 */
public final class Metrics implements AutoCloseable {
  /** The content type of the Prometheus text format, version and charset included. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public Metrics(Clusterd clusterd) {
    // promtool's lint: no abbreviated units in names (process_cpu_time_ns_total, and process_cpu_usage says it),
    // no _count suffix on a gauge (system_cpu_count is named system_cpus here)
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
      }
    });
    for (InstanceState.Status s : InstanceState.Status.values()) {
      Gauge.builder("clusterd.instances", () -> clusterd.instances().stream()
              .filter(i -> clusterd.status(i.id()).status() == s).count())
          .tag("status", s.label())
          .description("registered instances by synchronization status")
          .register(registry);
      Gauge.builder("clusterd.deliveries.pending", () -> pending(clusterd, s))
          .tag("status", s.label())
          .description("writes of desired state not yet delivered, by the status of their instance")
          .register(registry);
    }
    FunctionCounter.builder("clusterd.reconciler.runs", clusterd, c -> c.stats().reconcilerRuns())
        .description("reconciler passes (background and on request)").register(registry);
    FunctionCounter.builder("clusterd.reconciler.failures", clusterd, c -> c.stats().reconcilerFailures())
        .description("instance checks of reconciler passes that failed (no answer)").register(registry);
    FunctionTimer.builder("clusterd.store.commits", clusterd, c -> c.stats().storeCommits(),
            c -> c.stats().storeCommitTime().toNanos(), TimeUnit.NANOSECONDS)
        .description("durable store commits and the time they took").register(registry);
    Gauge.builder("clusterd.events.subscribers", clusterd, c -> c.events().subscribers())
        .description("open live-event streams (GET /api/events)").register(registry);
    FunctionCounter.builder("clusterd.events.dropped", clusterd, c -> c.events().dropped())
        .description("live-event subscribers dropped because they did not read fast enough").register(registry);
    clusterd.membership().ifPresent(m -> {
      Gauge.builder("clusterd.member.leader", m, x -> x.isLeader() ? 1 : 0)
          .description("1 while this daemon leads the daemons sharing its store, else 0").register(registry);
      Gauge.builder("clusterd.member.lag.changes", m, x -> x.status().lagChanges())
          .description("changes committed to the shared store that this daemon's tree does not hold yet")
          .register(registry);
      Gauge.builder("clusterd.member.lag", m, x -> x.status().lagMillis() / 1000.0).baseUnit("seconds")
          .description("how long this daemon's tree has been behind the shared store").register(registry);
      Gauge.builder("clusterd.member.store.reachable", m, x -> x.storeReachable() ? 1 : 0)
          .description("1 while this daemon reaches the shared store, else 0").register(registry);
      Gauge.builder("clusterd.member.epoch", m, x -> x.status().epoch())
          .description("the leader's epoch this daemon knows").register(registry);
    });
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  private static long pending(Clusterd clusterd, InstanceState.Status status) {
    long n = 0;
    for (Instance i : clusterd.instances()) {
      try {
        if (clusterd.status(i.id()).status() == status) {
          n += clusterd.pendingDeliveries(i.id());
        }
      } catch (RuntimeException e) {
        // unregistered while counting
      }
    }
    return n;
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
        .description("HTTP requests served, by method, route and status")
        .tag("method", method).tag("route", route).tag("status", Integer.toString(status)).register(registry))
        .record(took);
  }

  public void fanOut(int targets, int status, Duration took) {
    Timer.builder("clusterd.fanout").tag("status", Integer.toString(status))
        .description("end-to-end latency of cluster writes fanned out to instances")
        .register(registry).record(took);
    DistributionSummary.builder("clusterd.fanout.size").baseUnit("instances")
        .description("instances one cluster write was fanned out to")
        .register(registry).record(targets);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}

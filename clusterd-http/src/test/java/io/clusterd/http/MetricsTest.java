package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics}: what the daemon and its JVM report, in the text format Prometheus accepts. */
class MetricsTest {
  private MemTransportFactory mem;
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient api;

  @BeforeEach
  void start() {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(1))
        .build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    api = new ApiClient(server.url());
    for (String id : new String[] {"a", "b"}) {
      assertEquals(201, api.json("POST", "/api/instances", "{\"id\":\"" + id + "\",\"name\":\"" + id
          + "\",\"host\":\"mem://" + id + "\"}").status());
    }
    assertEquals(201, api.json("POST", "/api/clusters", "{\"id\":\"c\",\"name\":\"c\",\"instances\":[\"a\",\"b\"]}")
        .status());
    mem.stop("b");
    assertEquals(207, api.text("PUT", "/api/clusters/c/kdb/user%3A/app/port", "8080").status());
    clusterd.reconcile().join();
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  @Test
  void scrape_afterAPartialFanOut_reportsEngineJvmAndProcessMetrics() {
    ApiClient.Answer m = api.get("/metrics");
    assertEquals(200, m.status());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", m.contentType());
    String text = m.raw();
    for (String expected : new String[] {
        "clusterd_deliveries_pending{status=\"pending\"} 1.0",
        "clusterd_instances{status=\"pending\"} 1.0",
        "clusterd_reconciler_runs_total 1.0",
        "clusterd_reconciler_failures_total",
        "clusterd_store_commits_seconds_count",
        "clusterd_events_subscribers 0.0",
        "clusterd_events_dropped_total 0.0",
        "clusterd_fanout_size_instances_count{} 1",
        "clusterd_fanout_size_instances_sum{} 2.0",
        "# HELP http_server_requests_seconds HTTP requests served",
        "jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads", "process_cpu_usage", "process_uptime_seconds",
        "process_files_open_files"}) {
      assertTrue(text.contains(expected) || text.contains(expected.replace("{}", "")), expected + " missing:\n" + text);
    }
    for (String line : text.split("\n")) {
      assertTrue(!line.matches("# HELP \\S+\\s*"), "empty HELP: " + line);
    }
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void scrape_checkedByPromtool_hasNoProblems() throws Exception {
    assumeTrue(onPath("promtool"), "promtool is not installed (Debian package prometheus; .ci/run installs it)");
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(api.get("/metrics").raw().getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
  }
}

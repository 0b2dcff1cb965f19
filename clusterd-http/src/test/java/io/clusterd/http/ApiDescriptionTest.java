package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.internal.OpenApi;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAPI description covers every served route, and the metrics endpoint counts what happened. */
class ApiDescriptionTest {
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient api;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    api = new ApiClient(server.url());
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  @Test
  void openApi_describesEveryServedRoute() {
    JsonNode paths = api.get("/api/openapi.json").json().get("paths");
    int checked = 0;
    for (String route : server.servedRoutes()) {
      String method = route.substring(0, route.indexOf(' ')).toLowerCase(Locale.ROOT);
      String path = route.substring(route.indexOf(' ') + 1);
      boolean httpMethod = java.util.Set.of("get", "post", "put", "delete", "patch").contains(method);
      if (!httpMethod || !path.startsWith("/api/") && !path.equals("/metrics")) {
        continue;
      }
      JsonNode item = paths.get(OpenApi.openApiPath(path));
      assertTrue(item != null && item.has(method), "OpenAPI lacks " + route);
      checked++;
    }
    assertTrue(checked > 40, "only " + checked + " routes checked");
    assertEquals(checked, countOperations(paths));
  }

  private static int countOperations(JsonNode paths) {
    int[] n = {0};
    paths.forEach(item -> n[0] += item.size());
    return n[0];
  }

  @Test
  void metrics_countRequestsByRouteAndInstancesByStatus() {
    api.json("POST", "/api/instances", "{\"id\":\"a\",\"name\":\"a\",\"host\":\"mem://a\"}");
    api.get("/api/instances");
    ApiClient.Answer m = api.get("/metrics");
    assertEquals(200, m.status());
    assertTrue(m.raw().contains("http_server_requests_seconds_count{method=\"GET\",route=\"/api/instances\",status=\"200\"}"),
        m.raw());
    assertTrue(m.raw().contains("clusterd_instances{status=\"unknown\"} 1"), m.raw());
  }
}

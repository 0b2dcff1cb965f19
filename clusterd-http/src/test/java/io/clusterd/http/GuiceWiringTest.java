package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.guice.ClusterdModule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One injector serves the engine to Java code and the REST API to HTTP clients. */
class GuiceWiringTest {

  @Test
  void injector_withCoreAndHttpModules_servesTheSameEngineOverHttp() {
    Injector injector = Guice.createInjector(new ClusterdModule(b -> b.reconcileEvery(Duration.ZERO)),
        new ClusterdHttpModule(ServerConfig.loopback(0)));
    Clusterd clusterd = injector.getInstance(Clusterd.class);
    try (ClusterdServer server = injector.getInstance(ClusterdServer.class)) {
      assertSame(server, injector.getInstance(ClusterdServer.class));
      clusterd.registerInstance(InstanceSpec.of("from java", "mem://java").withId("java"));
      ApiClient api = new ApiClient(server.url());
      assertEquals("from java", api.get("/api/instances/java").json().get("name").asText());
      assertEquals(201, api.json("POST", "/api/instances", "{\"id\":\"web\",\"name\":\"from http\",\"host\":\"mem://web\"}")
          .status());
      assertEquals("from http", clusterd.instance("web").name());
      assertEquals(200, api.text("PUT", "/api/instances/web/kdb/user:/x", "1").status());
    } finally {
      clusterd.close();
    }
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.FanOutResult;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import io.clusterd.http.elektrad.IdleClosingProxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster write after the hosts closed their idle kept-alive connections: 20 elektrad stand-ins behind a host
 * that closes connections idle for more than 1 s, written to, left idle for 2 s and written to again.
 */
class IdleConnectionFanOutTest {
  private static final int INSTANCES = 20;

  private final List<KeyDatabase> databases = new ArrayList<>();
  private ElektradServer elektrad;
  private IdleClosingProxy proxy;
  private HttpTransportFactory http;
  private Clusterd clusterd;
  private ClusterdServer server;

  @BeforeEach
  void start() throws Exception {
    ElektradServer.Builder b = ElektradServer.builder().bindHost("127.0.0.1").port(0);
    for (int i = 0; i < INSTANCES; i++) {
      KeyDatabase db = new KeyDatabase();
      databases.add(db);
      b.mount("/i/" + i, db);
    }
    elektrad = b.start();
    proxy = new IdleClosingProxy(elektrad.port(), Duration.ofSeconds(1));
    http = new HttpTransportFactory();
    clusterd = Clusterd.builder().transport(http).reconcileEvery(Duration.ZERO)
        .responseTimeout(Duration.ofSeconds(5)).build();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      clusterd.registerInstance(InstanceSpec.of("web-" + i, "http://127.0.0.1:" + proxy.port() + "/i/" + i)
          .withId("web-" + i));
      members.add("web-" + i);
    }
    clusterd.createCluster(ClusterSpec.of("web").withId("web").withMembers(members));
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0), Clock.systemUTC(), List.of(http));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    clusterd.close();
    http.close();
    proxy.close();
    elektrad.close();
  }

  @Test
  void clusterWrite_afterHostsClosedIdleConnections_everyInstanceSucceeds() throws Exception {
    KeyName key = KeyName.parse("user:/app/level");
    assertEquals(200, clusterd.pin("web", key, "info").status());
    Thread.sleep(2000);
    FanOutResult r = clusterd.pin("web", key, "debug");
    assertEquals(new FanOutResult.Summary(INSTANCES, INSTANCES, 0), r.summary(), r.toString());
    assertEquals(200, r.status());
    assertTrue(proxy.dropped() > 0, "the second write met connections the hosts had closed");
    for (KeyDatabase db : databases) {
      assertEquals("debug", db.lookup(key, 0).value());
    }
    // resent at once by the transport (a resend may meet another closed connection: then the dispatcher's retry)
    assertTrue(http.resentRequests() > 0 && http.resentRequests() <= proxy.dropped(),
        http.resentRequests() + " resent, " + proxy.dropped() + " lost");

    String metrics = new ApiClient(server.url()).get("/metrics").raw();
    Matcher m = Pattern.compile("(?m)^clusterd_transport_http_resent_total(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
    assertTrue(m.find(), metrics);
    assertEquals(http.resentRequests(), (long) Double.parseDouble(m.group(1)));
  }
}

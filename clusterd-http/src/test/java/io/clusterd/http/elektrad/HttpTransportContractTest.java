package io.clusterd.http.elektrad;

import io.clusterd.Endpoint;
import io.clusterd.Namespace;
import io.clusterd.core.transport.TransportContract;
import io.clusterd.core.transport.http.HttpTransportFactory;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The elektrad transport passes the transport contract against the stand-in elektrad over loopback HTTP:
 * each test gets a fresh key database mounted under its own base path, and the stand-in answers with
 * elektrad 0.11.0's quirks (incomplete {@code children}, single-key delete), which the transport must mask.
 */
class HttpTransportContractTest extends TransportContract {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static ElektradServer server;
  static HttpTransportFactory factory;

  @BeforeAll
  static void startServer() {
    server = ElektradServer.builder().start();
    factory = new HttpTransportFactory();
  }

  @AfterAll
  static void stopServer() {
    factory.close();
    server.close();
  }

  @Override
  protected Transport newTransport() {
    String base = "/contract/" + INSTANCES.incrementAndGet();
    server.mount(base, new KeyDatabase());
    return factory.create(TransportConfig.of("contract", Endpoint.parse(server.url(base).toString())));
  }

  @Override
  protected boolean supportsNamespace(Namespace ns) {
    return ns.isWritable();
  }

  @Override
  protected boolean refusesUnwritableNamespaces() {
    return true;
  }
}

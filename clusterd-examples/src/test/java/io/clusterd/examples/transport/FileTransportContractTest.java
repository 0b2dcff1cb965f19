package io.clusterd.examples.transport;

import io.clusterd.Endpoint;
import io.clusterd.Namespace;
import io.clusterd.core.transport.TransportContract;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The file transport passes the transport contract kit in each of its formats (JSON here, YAML and properties nested). */
class FileTransportContractTest extends TransportContract {

  @TempDir
  Path dir;

  private final FileTransportFactory factory = new FileTransportFactory();

  static Transport transportTo(FileTransportFactory factory, Path file) {
    return factory.create(TransportConfig.of("contract", Endpoint.parse(file.toUri().toString())));
  }

  @Override
  protected Transport newTransport() {
    return transportTo(factory, dir.resolve("config.json"));
  }

  @Override
  protected boolean supportsNamespace(Namespace ns) {
    return ns == Namespace.USER;
  }

  @Override
  protected boolean refusesUnwritableNamespaces() {
    return true;
  }

  @Nested
  class Yaml extends TransportContract {
    @TempDir
    Path yamlDir;

    @Override
    protected Transport newTransport() {
      return transportTo(factory, yamlDir.resolve("config.yaml"));
    }

    @Override
    protected boolean supportsNamespace(Namespace ns) {
      return ns == Namespace.USER;
    }

    @Override
    protected boolean refusesUnwritableNamespaces() {
      return true;
    }
  }

  @Nested
  class Properties extends TransportContract {
    @TempDir
    Path propertiesDir;

    @Override
    protected Transport newTransport() {
      return transportTo(factory, propertiesDir.resolve("app.properties"));
    }

    @Override
    protected boolean supportsNamespace(Namespace ns) {
      return ns == Namespace.USER;
    }

    @Override
    protected boolean refusesUnwritableNamespaces() {
      return true;
    }
  }
}

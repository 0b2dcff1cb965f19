package io.clusterd.examples.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.spi.TransportConfig;
import io.clusterd.spi.TransportFactory;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FileTransportFactoryTest {
  private final FileTransportFactory factory = new FileTransportFactory();

  private ClusterdException refused(String endpoint) {
    return assertThrows(ClusterdException.class,
        () -> factory.create(TransportConfig.of("i", Endpoint.parse(endpoint))));
  }

  @Test
  void schemes_always_file() {
    assertEquals(Set.of("file"), factory.schemes());
  }

  @Test
  void create_otherScheme_unknownTransport() {
    assertEquals(ErrorCode.UNKNOWN_TRANSPORT, refused("mem://web-1").code());
  }

  @Test
  void create_remoteHost_invalidBodyNamingTheForm() {
    ClusterdException e = refused("file://server/etc/app.json");
    assertEquals(ErrorCode.INVALID_BODY, e.code());
    assertTrue(e.getMessage().contains("file:///etc/app/config.json"), e.getMessage());
  }

  @Test
  void create_unsupportedExtension_invalidBodyListingTheSupportedOnes() {
    ClusterdException e = refused("file:///etc/app/config.toml");
    assertEquals(ErrorCode.INVALID_BODY, e.code());
    assertTrue(e.getMessage().contains(".properties"), e.getMessage());
  }

  @Test
  void create_upperCaseExtension_accepted() {
    factory.create(TransportConfig.of("i", Endpoint.parse("file:///etc/app/CONFIG.YML"))).close();
  }

  @Test
  void serviceLoader_servicesFile_findsTheFactory() {
    boolean found = ServiceLoader.load(TransportFactory.class).stream()
        .anyMatch(p -> p.type() == FileTransportFactory.class);
    assertTrue(found, "META-INF/services/io.clusterd.spi.TransportFactory lists FileTransportFactory");
  }
}

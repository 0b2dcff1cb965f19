package io.clusterd.http.elektrad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.transport.http.HttpTransportFactory;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The http transport passes the transport contract with each way of running its exchanges: blocking sends on the
 * factory's own threads (what a JVM whose common pool has a parallelism below two gets) and {@code sendAsync}.
 */
class HttpTransportExchangesContractTest {

  private static HttpTransportFactory factoryWith(String mode) {
    String before = System.getProperty(HttpTransportFactory.EXCHANGES_PROPERTY);
    System.setProperty(HttpTransportFactory.EXCHANGES_PROPERTY, mode);
    try {
      return new HttpTransportFactory();
    } finally {
      if (before == null) {
        System.clearProperty(HttpTransportFactory.EXCHANGES_PROPERTY);
      } else {
        System.setProperty(HttpTransportFactory.EXCHANGES_PROPERTY, before);
      }
    }
  }

  @Test
  void auto_followsTheCommonPool_andAnUnknownModeIsRefused() {
    try (HttpTransportFactory auto = factoryWith("auto")) {
      assertEquals(ForkJoinPool.getCommonPoolParallelism() < 2, auto.exchangesOnOwnThreads());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factoryWith("fast"));
    assertTrue(e.getMessage().contains("auto, threads or async"), e.getMessage());
  }

  @Nested
  class OnOwnThreads extends HttpTransportContractTest {
    @BeforeAll
    static void ownThreads() {
      factory.close();
      factory = factoryWith("threads");
      assertTrue(factory.exchangesOnOwnThreads());
    }
  }

  @Nested
  class WithSendAsync extends HttpTransportContractTest {
    @BeforeAll
    static void sendAsync() {
      factory.close();
      factory = factoryWith("async");
      assertFalse(factory.exchangesOnOwnThreads());
    }
  }
}

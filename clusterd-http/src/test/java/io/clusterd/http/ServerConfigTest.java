package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the daemon's configuration refuses: endpoints it must not reach, ambiguous tokens, sessions that never end. */
class ServerConfigTest {
  private final ServerConfig config = ServerConfig.loopback(0);

  @Test
  void checkEndpointAllowed_metadataAddressInAnyWrittenForm_isForbidden() {
    List<String> hosts = List.of(
        "http://169.254.169.254/latest",
        "http://2852039166",                        // 169.254.169.254 as one decimal number
        "http://0xa9fea9fe",                        // ... as one hexadecimal number
        "http://025177524776",                      // ... as one octal number
        "http://[::ffff:169.254.169.254]",          // IPv4-mapped
        "http://[::ffff:a9fe:a9fe]",
        "http://[0:0:0:0:0:ffff:a9fe:a9fe]",
        "http://[::169.254.169.254]",               // IPv4-compatible
        "http://[64:ff9b::a9fe:a9fe]",              // NAT64
        "http://[fd00:ec2::254]",                   // AWS over IPv6
        "http://[fd00:ec2:0:0:0:0:0:254]",
        "http://[fd00:0ec2::254]",
        "http://[FD00:EC2::254]:8080",
        "http://[fd20:ce::254]",                    // GCP over IPv6
        "http://[fe80::1]",                         // link-local
        "http://[fe80::1%25eth0]:33333",
        "http://[febf::1]",
        "http://169.254.170.2",                     // AWS ECS task metadata
        "http://100.100.100.200",                   // Alibaba Cloud
        "https://192.0.0.192",                      // Oracle Cloud
        "http://168.63.129.16",                     // Azure platform address
        "http://metadata.google.internal",
        "http://metadata.google.internal.",         // trailing dot: the same name
        "http://Metadata.Google.Internal:80/computeMetadata/v1",
        "http://metadata.goog");
    for (String host : hosts) {
      ClusterdException e = assertThrows(ClusterdException.class, () -> config.checkEndpointAllowed(host), host);
      assertEquals(ErrorCode.FORBIDDEN, e.code(), host);
      assertEquals(403, e.httpStatus(), host);
      assertTrue(e.getMessage().contains("link-local or cloud metadata"), e.getMessage());
      assertTrue(e.details().get("reason").toString().matches(".*(link-local|metadata).*"), e.details().toString());
    }
  }

  @Test
  void checkEndpointAllowed_ordinaryHosts_areAllowed() {
    for (String host : List.of("http://10.0.0.5:33333", "http://127.0.0.1:33333", "http://[::1]:33333",
        "http://[2001:db8::1]", "http://[fec0::1]", "http://[::ffff:10.0.0.5]", "http://169.255.1.1",
        "http://168.254.169.254", "http://100.100.100.201", "http://167772165" /* 10.0.0.5 */, "http://web-1.example.invalid",
        "http://metadata.example.invalid", "mem://web-1", "file:///etc/app/config.ini")) {
      config.checkEndpointAllowed(host);
    }
  }

  @Test
  void checkEndpointAllowed_withAllowHosts_metadataStillForbidden() {
    ServerConfig open = config.withAllowHosts(List.of("*"));
    open.checkEndpointAllowed("http://10.0.0.5");
    assertEquals(ErrorCode.FORBIDDEN, assertThrows(ClusterdException.class,
        () -> open.checkEndpointAllowed("http://[::ffff:a9fe:a9fe]")).code());
  }

  @Test
  void tokens_sameSecretWithDifferentRoles_areRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.withTokens(List.of(
        ServerConfig.Token.parse("ro:read:shared-secret-1"), ServerConfig.Token.parse("ops:admin:shared-secret-1"))));
    assertTrue(e.getMessage().contains("'ro' (read)") && e.getMessage().contains("'ops' (admin)"), e.getMessage());
    assertTrue(e.getMessage().contains("same secret"), e.getMessage());
    assertFalse(e.getMessage().contains("shared-secret-1"), "the secret itself is not shown");
    assertFalse(e.getMessage().contains("\n"), "one line");
  }

  @Test
  void tokens_sameSecretWithDifferentNames_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> config.withTokens(List.of(
        ServerConfig.Token.parse("a:admin:shared-secret-1"), ServerConfig.Token.parse("b:admin:shared-secret-1"))));
  }

  @Test
  void tokens_sameTokenTwice_isAccepted() {
    ServerConfig twice = config.withTokens(List.of(ServerConfig.Token.parse("ops:admin:secret-123"),
        ServerConfig.Token.parse("ops:admin:secret-123")));
    assertEquals(2, twice.tokens().size());
  }

  @Test
  void sessionLifetimes_defaultsAndNonPositive_refused() {
    assertEquals(Duration.ofHours(1), config.sessionIdle());
    assertEquals(Duration.ofHours(12), config.sessionMax());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> config.withSessionLifetimes(Duration.ZERO, Duration.ofHours(1))).getMessage().contains("--session-idle"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> config.withSessionLifetimes(Duration.ofHours(1), Duration.ofSeconds(-1))).getMessage()
        .contains("--session-max"));
  }
}

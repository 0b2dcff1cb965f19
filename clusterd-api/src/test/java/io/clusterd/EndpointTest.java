package io.clusterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  @ParameterizedTest
  @CsvSource({
      "HTTP://Host:80/, http://host:80",
      "http://host, http://host:80",
      "http://HOST:33333, http://host:33333",
      "https://gw.example/elektrad/web-1/, https://gw.example:443/elektrad/web-1",
      "https://GW.example:443/Elektrad/Web-1, https://gw.example:443/Elektrad/Web-1",
      "http://10.0.0.5:33333//, http://10.0.0.5:33333",
      "mem://web-1, mem://web-1",
      "MEM://Web-1/, mem://web-1",
      "file:///etc/app/config.json, file:///etc/app/config.json",
      "'  http://host:8080  ', http://host:8080",
      "http://[::1]:33333, http://[::1]:33333",
  })
  void parse_variants_normalize(String input, String normalized) {
    assertEquals(normalized, Endpoint.parse(input).toString());
  }

  @Test
  void equals_sameNormalForm_isEqual() {
    assertEquals(Endpoint.parse("HTTP://Host:80/"), Endpoint.parse("http://host"));
    assertEquals(Endpoint.parse("HTTP://Host:80/").hashCode(), Endpoint.parse("http://host").hashCode());
    assertNotEquals(Endpoint.parse("http://host"), Endpoint.parse("https://host"));
    assertNotEquals(Endpoint.parse("http://host/a"), Endpoint.parse("http://host/b"));
  }

  @Test
  void basePath_isPreservedAndResolved() {
    Endpoint e = Endpoint.parse("https://gw.example/elektrad/web-1");
    assertEquals("/elektrad/web-1", e.basePath());
    assertEquals("https://gw.example:443/elektrad/web-1/kdb/user:/a",
        e.resolve("/kdb/user:/a").toString());
    assertEquals(443, e.port());
    assertEquals("gw.example", e.host());
  }

  @Test
  void parse_blank_isHostMissing() {
    assertEquals(ErrorCode.HOST_MISSING, assertThrows(ClusterdException.class, () -> Endpoint.parse("  ")).code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"host:33333", "http://", "http://host?x=1", "http://host#frag", "http://u:p@host",
      "http://ho st", "mailto:x@y"})
  void parse_invalid_isInvalidBody(String input) {
    ClusterdException e = assertThrows(ClusterdException.class, () -> Endpoint.parse(input));
    assertEquals(ErrorCode.INVALID_BODY, e.code(), input);
  }
}

package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.KeyName;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon against a host name whose address changes after registration: the JVM's resolver reads a
 * hosts file the test rewrites ({@code jdk.net.hosts.file}, no caching), standing in for a DNS record switched
 * to a link-local address. The address it switches to, {@code fe80::1} without a zone, is refused by the kernel
 * before any packet leaves the machine, should the daemon ever try it.
 */
class DnsSwitchIT {
  private static final Pattern LISTENING = Pattern.compile("clusterd listening on (http://\\S+)");

  @TempDir
  Path dir;

  @Test
  void write_nameSwitchedToLinkLocalAfterRegistration_refusedWhenSent() throws Exception {
    KeyDatabase db = new KeyDatabase();
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 elektrad.switch.test\n");
    try (ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, db)) {
      Process daemon = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
          "-Djdk.net.hosts.file=" + hosts, "-Dsun.net.inetaddr.ttl=0",
          "-jar", Path.of(System.getProperty("clusterd.jar", "target/clusterd.jar")).toAbsolutePath().toString(),
          "--port", Integer.toString(freePort()), "--data-dir", dir.resolve("data").toString(),
          "--reconcile-every", "0").directory(dir.toFile()).redirectErrorStream(true).start();
      try {
        ApiClient api = new ApiClient(awaitUrl(daemon));
        ApiClient.Answer registered = api.json("POST", "/api/instances",
            "{\"name\":\"s\",\"host\":\"http://elektrad.switch.test:" + elektrad.port() + "\"}");
        assertEquals(201, registered.status(), registered.raw());
        String id = registered.json().get("id").asText();
        assertEquals(200, api.text("PUT", "/api/instances/" + id + "/kdb/user%3A/a", "1").status());
        assertEquals("1", db.lookup(KeyName.parse("user:/a"), 0).value());

        Files.writeString(hosts, "fe80::1 elektrad.switch.test\n");
        long before = elektrad.requestsReceived();
        ApiClient.Answer refused = api.text("PUT", "/api/instances/" + id + "/kdb/user%3A/a", "2");
        assertEquals(403, refused.status(), refused.raw());
        assertEquals("FORBIDDEN", refused.i18n());
        assertTrue(refused.raw().contains("fe80:0:0:0:0:0:0:1") && refused.raw().contains("link-local"),
            refused.raw());
        assertEquals("1", db.lookup(KeyName.parse("user:/a"), 0).value());
        assertEquals(before, elektrad.requestsReceived());

        Files.writeString(hosts, "127.0.0.1 elektrad.switch.test\n");
        assertEquals(200, api.text("PUT", "/api/instances/" + id + "/kdb/user%3A/a", "3").status());
        assertEquals("3", db.lookup(KeyName.parse("user:/a"), 0).value());
      } finally {
        daemon.destroy();
        daemon.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String awaitUrl(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = r.readLine()) != null) {
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            r.transferTo(java.io.Writer.nullWriter());
          } catch (IOException e) {
            // the daemon stopped
          }
        });
        drain.setDaemon(true);
        drain.start();
        return m.group(1);
      }
    }
    throw new AssertionError("the daemon did not start:\n" + seen);
  }
}

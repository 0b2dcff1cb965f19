package io.clusterd.examples.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterd.KeyName;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged plugin in the packaged daemon, as an operator runs them: {@code java -jar clusterd.jar --plugins DIR}
 * with the file transport's jar (and its libraries) next to a broken plugin, managing a cluster of stand-in elektrads
 * and configuration files.
 */
class FileTransportPluginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path dir;

  private static Path property(String name) {
    Path p = Path.of(System.getProperty(name, "missing-" + name));
    assertTrue(Files.exists(p), "run through failsafe after package: " + name + " = " + p);
    return p;
  }

  @Test
  void pluginJar_holdsOnlyThePluginAndNamesLibrariesThatExist() throws IOException {
    Path jar = property("plugin.jar");
    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> others = new ArrayList<>();
      for (JarEntry e : Collections.list(file.entries())) {
        String name = e.getName();
        boolean ok = e.isDirectory() || name.equals("META-INF/MANIFEST.MF")
            || name.equals("META-INF/services/io.clusterd.spi.TransportFactory")
            || name.matches("io/clusterd/examples/transport/[^/]+\\.class");
        if (!ok) {
          others.add(name);
        }
      }
      assertEquals(List.of(), others);
      assertTrue(file.getJarEntry("io/clusterd/examples/transport/FileTransportFactory.class") != null);
      String services = new String(file.getInputStream(file.getJarEntry(
          "META-INF/services/io.clusterd.spi.TransportFactory")).readAllBytes(), StandardCharsets.UTF_8);
      assertEquals("io.clusterd.examples.transport.FileTransportFactory", services.strip());
      String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
      assertTrue(classPath.contains("snakeyaml.jar"), classPath);
      for (String entry : classPath.split(" ")) {
        assertTrue(Files.isRegularFile(jar.getParent().resolve(entry)), "Class-Path entry " + entry + " exists");
      }
    }
  }

  @Test
  void daemonWithPlugins_clusterOfElektradsAndFiles_pinReachesBothKinds() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(property("plugin.jar"), plugins.resolve(property("plugin.jar").getFileName()));
    Path lib = Files.createDirectories(plugins.resolve("file-transport-lib"));
    try (Stream<Path> libs = Files.list(property("plugin.lib"))) {
      for (Path l : libs.toList()) {
        Files.copy(l, lib.resolve(l.getFileName()));
      }
    }
    try (JarOutputStream broken = new JarOutputStream(Files.newOutputStream(plugins.resolve("broken.jar")))) {
      broken.putNextEntry(new JarEntry("META-INF/services/io.clusterd.spi.TransportFactory"));
      broken.write("com.example.Missing\n".getBytes(StandardCharsets.UTF_8));
    }
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Path appJson = etc.resolve("app.json");
    Files.writeString(appJson, "{\"name\": \"shop\", \"app\": {\"port\": 80}}\n");
    Path appProperties = etc.resolve("app.properties");
    Files.writeString(appProperties, "# kept by clusterd\nname=shop\n");

    KeyDatabase db1 = new KeyDatabase();
    KeyDatabase db2 = new KeyDatabase();
    Process daemon = null;
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    try (ElektradServer e1 = ElektradServer.start("127.0.0.1", 0, db1);
         ElektradServer e2 = ElektradServer.start("127.0.0.1", 0, db2)) {
      daemon = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
          property("clusterd.jar").toString(), "--port", "0",
          "--data-dir", dir.resolve("data").toString(), "--plugins", plugins.toString(), "--reconcile-every", "0")
          .redirectErrorStream(true).start();
      String url = awaitListening(daemon, output);
      awaitLine(daemon, output, "plugin:");
      assertTrue(output.stream().anyMatch(l -> l.contains("plugin broken.jar") && l.contains("com.example.Missing")),
          String.join("\n", output));
      assertTrue(output.stream().anyMatch(l -> l.contains("plugin:") && l.contains("file-transport.jar serves file")),
          String.join("\n", output));

      register(url, "elektrad-1", e1.url().toString());
      register(url, "elektrad-2", e2.url().toString());
      register(url, "app-json", appJson.toUri().toString());
      register(url, "app-properties", appProperties.toUri().toString());
      assertEquals(201, send(url, "POST", "/api/clusters",
          "{\"id\":\"web\",\"name\":\"web\",\"instances\":[\"elektrad-1\",\"app-json\"]}").statusCode());
      assertEquals(201, send(url, "POST", "/api/clusters",
          "{\"id\":\"all\",\"name\":\"all\",\"clusters\":[\"web\"],\"instances\":[\"elektrad-2\",\"app-properties\"]}")
          .statusCode());

      HttpResponse<String> pin = send(url, "PUT", "/api/clusters/all/kdb/user%3A/app/port", "8080");
      assertEquals(200, pin.statusCode(), pin.body());
      assertEquals(4, JSON.readTree(pin.body()).get("summary").get("succeeded").asInt(), pin.body());
      HttpResponse<String> level = send(url, "PUT", "/api/clusters/web/kdb/user%3A/app/log/level", "debug");
      assertEquals(200, level.statusCode(), level.body());

      KeyName port = KeyName.parse("user:/app/port");
      assertEquals("8080", db1.get(port).orElseThrow().value());
      assertEquals("8080", db2.get(port).orElseThrow().value());
      assertEquals(JSON.readTree("{\"name\":\"shop\",\"app\":{\"port\":8080,\"log\":{\"level\":\"debug\"}}}"),
          JSON.readTree(appJson.toFile()), "the pins are in the file, its own entries kept, the port still a number");
      assertEquals("# kept by clusterd\nname=shop\napp.port=8080\n", Files.readString(appProperties));

      JsonNode lookup = JSON.readTree(send(url, "GET", "/api/instances/app-json/kdb/user%3A/app/port", null).body());
      assertEquals("8080", lookup.get("value").asText(), lookup.toString());
      assertEquals("all", lookup.get("lockedBy").asText(), lookup.toString());
      HttpResponse<String> refused = send(url, "PUT", "/api/instances/app-json/kdb/user%3A/app/port", "9090");
      assertEquals(409, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("KEY_LOCKED"), refused.body());
    } finally {
      if (daemon != null) {
        daemon.destroy();
        daemon.waitFor();
      }
    }
  }

  private static BufferedReader reader(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private BufferedReader out;

  private String awaitLine(Process p, List<String> seen, String marker) throws IOException {
    if (out == null) {
      out = reader(p);
    }
    String line;
    while ((line = out.readLine()) != null) {
      seen.add(line);
      if (line.contains(marker)) {
        return line;
      }
    }
    throw new AssertionError("the daemon ended before printing '" + marker + "':\n" + String.join("\n", seen));
  }

  private String awaitListening(Process p, List<String> seen) throws IOException {
    String line = awaitLine(p, seen, "clusterd listening on ");
    return line.substring(line.indexOf("http://")).strip();
  }

  private static void register(String url, String id, String host) throws Exception {
    HttpResponse<String> r = send(url, "POST", "/api/instances",
        JSON.writeValueAsString(java.util.Map.of("id", id, "name", id, "host", host)));
    assertEquals(201, r.statusCode(), r.body());
  }

  private static HttpResponse<String> send(String url, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}

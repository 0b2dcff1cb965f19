package io.clusterd.examples.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the file transport maps keys to files and how it writes them; real files in a temporary directory. */
class FileTransportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final FileTransportFactory factory = new FileTransportFactory();
  private final List<Transport> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(Transport::close);
  }

  private Transport transport(String fileName) {
    return transport(factory, dir.resolve(fileName), TransportConfig.DEFAULT_RESPONSE_TIMEOUT);
  }

  private Transport transport(FileTransportFactory f, Path file, Duration timeout) {
    Transport t = f.create(new TransportConfig("t", Endpoint.parse(file.toUri().toString()),
        TransportConfig.DEFAULT_CONNECT_TIMEOUT, timeout, Map.of()));
    open.add(t);
    return t;
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ClusterdException failure(CompletableFuture<?> f) {
    return assertThrows(ClusterdException.class, () -> await(f));
  }

  private static KeyName key(String name) {
    return KeyName.parse(name);
  }

  private String read(String fileName) throws Exception {
    return Files.readString(dir.resolve(fileName));
  }

  private JsonNode readJson(String fileName) throws Exception {
    return JSON.readTree(dir.resolve(fileName).toFile());
  }

  // --- mapping ---

  @Test
  void set_jsonFile_keyPartsBecomeNestedObjects() throws Exception {
    Transport t = transport("config.json");
    await(t.set(key("user:/server/port"), "8080"));
    assertEquals(JSON.readTree("{\"server\":{\"port\":\"8080\"}}"), readJson("config.json"));
  }

  @Test
  void set_propertiesFile_keyPartsBecomeDottedName() throws Exception {
    Transport t = transport("app.properties");
    await(t.set(key("user:/server/port"), "8080"));
    assertEquals("server.port=8080\n", read("app.properties"));
  }

  @Test
  void set_yamlFile_keyPartsBecomeNestedMappings() throws Exception {
    Transport t = transport("config.yml");
    await(t.set(key("user:/server/port"), "8080"));
    await(t.set(key("user:/server/name"), "main"));
    assertEquals("server:\n  port: \"8080\"\n  name: main\n", read("config.yml"));
  }

  @Test
  void lookup_handWrittenYaml_scalarsNumbersAndListsAreKeys() throws Exception {
    Files.writeString(dir.resolve("app.yaml"), """
        # written by hand
        server:
          port: 8080
          tls: true
          ratio: 1.50
        hosts: [a, b]
        empty:
        """);
    Transport t = transport("app.yaml");
    LookupResult all = await(t.lookup(KeyName.parse("user:/"), 0));
    assertEquals(List.of("user:/hosts/#0", "user:/hosts/#1", "user:/server/port", "user:/server/ratio",
        "user:/server/tls"), all.ls());
    assertEquals("1.50", await(t.lookup(key("user:/server/ratio"), 0)).value());
    assertEquals("true", await(t.lookup(key("user:/server/tls"), 0)).value());
    assertFalse(await(t.lookup(key("user:/empty"), 0)).exists(), "null is no key");
  }

  @Test
  void set_existingNumberAndBoolean_keepTheirJsonTypes() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"port\": 8080, \"tls\": true, \"ratio\": 1.5, \"name\": 7}");
    Transport t = transport("config.json");
    await(t.set(key("user:/port"), "9090"));
    await(t.set(key("user:/tls"), "false"));
    await(t.set(key("user:/ratio"), "2.50"));
    await(t.set(key("user:/name"), "seven"));
    JsonNode doc = readJson("config.json");
    assertTrue(doc.get("port").isIntegralNumber(), doc.toString());
    assertEquals(9090, doc.get("port").asInt());
    assertTrue(doc.get("tls").isBoolean(), doc.toString());
    assertEquals("2.50", await(t.lookup(key("user:/ratio"), 0)).value());
    assertEquals("seven", doc.get("name").asText());
  }

  @Test
  void write_documentWithUnmanagedEntries_keepsThemUntouched() throws Exception {
    Files.writeString(dir.resolve("config.json"), """
        {"name": "app", "server": {"port": 8080, "tls": {"cert": "/etc/cert.pem"}},
         "tags": ["a", "b"], "extra": {"x": null}, "nested": {"deep": {"list": [1, {"k": "v"}]}}}
        """);
    JsonNode before = readJson("config.json");
    Transport t = transport("config.json");
    await(t.set(key("user:/server/timeout"), "30s"));
    await(t.delete(key("user:/server/timeout")));
    JsonNode after = readJson("config.json");
    assertEquals(before, after);
  }

  @Test
  void set_keyWithValueAndChildren_valueLivesInDirdataMember() throws Exception {
    Transport t = transport("config.json");
    await(t.set(key("user:/server"), "main"));
    await(t.set(key("user:/server/port"), "8080"));
    assertEquals(JSON.readTree("{\"server\":{\"___dirdata\":\"main\",\"port\":\"8080\"}}"), readJson("config.json"));
    LookupResult server = await(t.lookup(key("user:/server"), 0));
    assertTrue(server.exists());
    assertEquals("main", server.value());
    await(t.delete(key("user:/server/port")));
    assertEquals(JSON.readTree("{\"server\":\"main\"}"), readJson("config.json"));
  }

  @Test
  void set_reservedDirdataPart_refusedAsBadRequest() {
    Transport t = transport("config.json");
    ClusterdException e = failure(t.set(key("user:/a/___dirdata"), "x"));
    assertEquals(ErrorCode.INSTANCE_ERROR, e.code());
    assertEquals(400, e.details().get("status"));
    assertTrue(e.getMessage().contains("___dirdata"), e.getMessage());
  }

  @Test
  void arrays_readAsElektraArraysAndEditedInPlace() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"hosts\": [\"a\", \"b\"]}");
    Transport t = transport("config.json");
    assertEquals(List.of("user:/hosts/#0", "user:/hosts/#1"), await(t.lookup(key("user:/hosts"), 0)).ls());
    await(t.set(key("user:/hosts/#2"), "c"));
    assertEquals(JSON.readTree("{\"hosts\":[\"a\",\"b\",\"c\"]}"), readJson("config.json"));
    await(t.delete(key("user:/hosts/#0")));
    assertEquals(JSON.readTree("{\"hosts\":[null,\"b\",\"c\"]}"), readJson("config.json"));
    assertFalse(await(t.lookup(key("user:/hosts/#0"), 0)).exists());
    await(t.delete(key("user:/hosts/#2")));
    assertEquals(JSON.readTree("{\"hosts\":[null,\"b\"]}"), readJson("config.json"));
  }

  @Test
  void arrays_newContainerStartingAtZero_isWrittenAsJsonArray() throws Exception {
    Transport t = transport("config.json");
    await(t.set(key("user:/list/#0"), "x"));
    await(t.set(key("user:/list/#1"), "y"));
    assertEquals(JSON.readTree("{\"list\":[\"x\",\"y\"]}"), readJson("config.json"));
  }

  @Test
  void arrays_writeLeavingAGap_turnsArrayIntoObjectWithSameKeys() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"hosts\": [\"a\", \"b\"]}");
    Transport t = transport("config.json");
    await(t.set(key("user:/hosts/#_10"), "k"));
    assertEquals(JSON.readTree("{\"hosts\":{\"#0\":\"a\",\"#1\":\"b\",\"#_10\":\"k\"}}"), readJson("config.json"));
    assertEquals(List.of("user:/hosts/#0", "user:/hosts/#1", "user:/hosts/#_10"),
        await(t.lookup(key("user:/hosts"), 0)).ls());
  }

  @Test
  void properties_commentsOrderAndUntouchedLinesKept() throws Exception {
    String original = """
        # application settings
        z.last = 1
        server=main
        server.port : 8080

        ! old style comment
        long.value = one \\
            two
        """;
    Files.writeString(dir.resolve("app.properties"), original);
    Transport t = transport("app.properties");
    assertEquals("one two", await(t.lookup(key("user:/long/value"), 0)).value());
    assertEquals("main", await(t.lookup(key("user:/server"), 0)).value());
    await(t.set(key("user:/server/port"), "9090"));
    await(t.set(key("user:/new/key"), "a b=c"));
    assertEquals("""
        # application settings
        z.last = 1
        server=main
        server.port=9090

        ! old style comment
        long.value = one \\
            two
        new.key=a b\\=c
        """, read("app.properties"));
  }

  @Test
  void properties_dotInsidePart_escapedAndReadBack() throws Exception {
    Transport t = transport("app.properties");
    KeyName dotted = key("user:/hosts").append("example.org").append("port");
    await(t.set(dotted, "443"));
    assertEquals("hosts.example\\\\.org.port=443\n", read("app.properties"));
    LookupResult r = await(t.lookup(dotted, 0));
    assertTrue(r.exists());
    assertEquals(List.of(dotted.toString()), await(t.lookup(key("user:/hosts"), 0)).ls());
  }

  @Test
  void properties_latin1File_readAndWrittenBackInLatin1() throws Exception {
    Files.write(dir.resolve("app.properties"), "name=caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Transport t = transport("app.properties");
    assertEquals("caf\u00e9", await(t.lookup(key("user:/name"), 0)).value());
    await(t.set(key("user:/other"), "\u00fc"));
    byte[] bytes = Files.readAllBytes(dir.resolve("app.properties"));
    assertEquals("name=caf\u00e9\nother=\\u00FC\n", new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  // --- metadata ---

  @Test
  void setMeta_anyFormat_keptInSidecarFile() throws Exception {
    Transport t = transport("app.properties");
    await(t.set(key("user:/server/port"), "8080"));
    await(t.setMeta(key("user:/server/port"), "check/type", "long"));
    assertEquals(JSON.readTree("{\"user:/server/port\":{\"check/type\":\"long\"}}"),
        readJson("app.properties.meta.json"));
    assertEquals("server.port=8080\n", read("app.properties"));
    assertEquals(Map.of("check/type", "long"), await(t.lookup(key("user:/server/port"), 0)).meta());
  }

  @Test
  void delete_keyWithMetadata_removesItsMetadataAndEmptySidecar() throws Exception {
    Transport t = transport("config.json");
    await(t.setMeta(key("user:/a"), "m", "1"));
    assertTrue(Files.exists(dir.resolve("config.json.meta.json")));
    await(t.delete(key("user:/a")));
    assertFalse(Files.exists(dir.resolve("config.json.meta.json")));
  }

  @Test
  void lookup_metadataOfKeyRemovedByHand_ignored() throws Exception {
    Transport t = transport("config.json");
    await(t.set(key("user:/a"), "1"));
    await(t.setMeta(key("user:/a"), "m", "1"));
    Files.writeString(dir.resolve("config.json"), "{\"b\": \"2\"}");
    assertFalse(await(t.lookup(key("user:/a"), 0)).exists());
    await(t.set(key("user:/a"), "again"));
    assertEquals(Map.of(), await(t.lookup(key("user:/a"), 0)).meta());
    assertFalse(Files.exists(dir.resolve("config.json.meta.json")), "stale metadata is dropped on write");
  }

  // --- namespaces ---

  @Test
  void writes_outsideUser_refusedWithNamespaceNotWritable() {
    Transport t = transport("config.json");
    for (String name : List.of("system:/a", "dir:/a", "spec:/a")) {
      ClusterdException e = failure(t.set(key(name), "v"));
      assertEquals(ErrorCode.NAMESPACE_NOT_WRITABLE, e.code(), name);
      assertTrue(e.getMessage().contains("only user:/"), e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("config.json")));
  }

  @Test
  void lookup_otherNamespace_refusedAndCascadingResolvesToUser() {
    Transport t = transport("config.json");
    await(t.set(key("user:/app/port"), "1"));
    assertEquals(ErrorCode.INVALID_KEY_NAME, failure(t.lookup(key("system:/app/port"), 0)).code());
    LookupResult cascading = await(t.lookup(key("/app/port"), 0));
    assertTrue(cascading.exists());
    assertEquals("/app/port", cascading.path());
    assertEquals(List.of("user:/app/port"), cascading.ls());
  }

  // --- files: atomicity, errors, threads ---

  @Test
  void write_replacesFileByRenameAndKeepsPermissions() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"a\": \"1\"}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    Object inodeBefore = Files.getAttribute(file, "unix:ino");
    Transport t = transport("config.json");
    await(t.set(key("user:/b"), "2"));
    assertNotEquals(inodeBefore, Files.getAttribute(file, "unix:ino"), "a new file was renamed over the old one");
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("config.json"), files.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
    }
  }

  @Test
  void write_changingNothing_leavesFileUntouched() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"a\":\"1\"}");
    Object inode = Files.getAttribute(file, "unix:ino");
    Transport t = transport("config.json");
    await(t.delete(key("user:/missing")));
    await(t.set(key("user:/a"), "1"));
    assertEquals("{\"a\":\"1\"}", read("config.json"));
    assertEquals(inode, Files.getAttribute(file, "unix:ino"));
    await(t.delete(key("user:/nothing/here")));
    assertFalse(Files.exists(dir.resolve("other.json")));
  }

  @Test
  void unparsableFile_answersBadAnswerAndIsNeverRewritten() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"a\": ");
    Transport t = transport("config.json");
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, failure(t.lookup(key("user:/a"), 0)).code());
    ClusterdException e = failure(t.set(key("user:/a"), "1"));
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, e.code());
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    assertEquals("{\"a\": ", read("config.json"));
  }

  @Test
  void yamlWithAliasOrSeveralDocuments_refusedAndNeverRewritten() throws Exception {
    for (String yaml : List.of("base: &b\n  x: 1\nother: *b\n", "a: 1\n---\nb: 2\n", "a: !custom x\n")) {
      Files.writeString(dir.resolve("odd.yaml"), yaml);
      Transport t = transport("odd.yaml");
      ClusterdException e = failure(t.set(key("user:/c"), "1"));
      assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, e.code(), yaml);
      assertEquals(yaml, read("odd.yaml"));
    }
  }

  @Test
  void jsonWithTrailingContent_refusedAndNeverRewritten() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"a\": \"1\"} {\"b\": \"2\"}");
    Transport t = transport("config.json");
    assertEquals(ErrorCode.INSTANCE_BAD_ANSWER, failure(t.set(key("user:/c"), "1")).code());
    assertEquals("{\"a\": \"1\"} {\"b\": \"2\"}", read("config.json"));
  }

  @Test
  void missingDirectory_instanceUnreachableUntilItAppears() throws Exception {
    Path gone = dir.resolve("not-yet");
    Transport t = transport(factory, gone.resolve("config.json"), TransportConfig.DEFAULT_RESPONSE_TIMEOUT);
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(t.version()).code());
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(t.set(key("user:/a"), "1")).code());
    Files.createDirectory(gone);
    assertEquals(FileTransport.VERSION, await(t.version()));
    await(t.set(key("user:/a"), "1"));
    assertTrue(Files.exists(gone.resolve("config.json")));
  }

  @Test
  void operations_runOnTheFactoryExecutor_neverOnTheCaller() throws Exception {
    ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();
    FileTransportFactory held = new FileTransportFactory(queued::add);
    Transport t = transport(held, dir.resolve("config.json"), TransportConfig.DEFAULT_RESPONSE_TIMEOUT);
    CompletableFuture<Void> write = t.set(key("user:/a"), "1");
    assertFalse(write.isDone());
    assertFalse(Files.exists(dir.resolve("config.json")), "nothing is written on the caller's thread");
    assertEquals(1, queued.size());
    Thread worker = new Thread(queued.poll(), "io-worker");
    worker.start();
    worker.join(10_000);
    await(write);
    assertTrue(Files.exists(dir.resolve("config.json")));
  }

  @Test
  void operation_slowerThanResponseTimeout_failsWithInstanceTimeout() {
    FileTransportFactory stuck = new FileTransportFactory(r -> { });
    Transport t = transport(stuck, dir.resolve("config.json"), Duration.ofMillis(100));
    assertEquals(ErrorCode.INSTANCE_TIMEOUT, failure(t.lookup(key("user:/a"), 0)).code());
  }

  @Test
  void twoTransportsToOneFile_concurrentWritesAllApplied() {
    Transport a = transport("config.yaml");
    Transport b = transport("config.yaml");
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      writes.add((i % 2 == 0 ? a : b).set(key("user:/k/n" + i), "v" + i));
    }
    writes.forEach(FileTransportTest::await);
    assertEquals(40, await(a.lookup(key("user:/k"), 0)).ls().size());
  }

  @Test
  void closedTransport_failsUnreachable() {
    Transport t = transport("config.json");
    t.close();
    assertEquals(ErrorCode.INSTANCE_UNREACHABLE, failure(t.set(key("user:/a"), "1")).code());
  }
}

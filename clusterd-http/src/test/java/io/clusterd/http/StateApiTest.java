package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET/PUT /api/state} and the schema, over loopback against a daemon on an ephemeral port. */
class StateApiTest {
  static final String DOC = """
      clusters:
        - id: global
          name: Global
          pins:
            user:/app/mode: strict
          clusters:
            - id: eu
              name: EU
              labels: {region: eu}
              instances: [db-eu-1]
              clusters:
                - id: eu-web
                  name: EU web
                  description: the web tier
                  pins:
                    user:/app/port:
                      value: "8080"
                      meta: {check/type: long}
                  instances: [web-eu-1, web-eu-2]
      instances:
        - {id: web-eu-1, name: web eu 1, host: "mem://web-eu-1", labels: {dc: eu}}
        - {id: web-eu-2, name: web eu 2, host: "mem://web-eu-2"}
        - {id: db-eu-1, name: db eu 1, host: "mem://db-eu-1"}
        - {id: lone, name: lone, host: "mem://lone"}
      """;

  private final List<AutoCloseable> open = new ArrayList<>();
  private MemTransportFactory mem;
  private Clusterd clusterd;
  private String url;

  @BeforeEach
  void start() {
    mem = new MemTransportFactory();
    clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).retryBackoff(Duration.ofMillis(5))
        .build();
    ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    url = server.url();
    open.add(server);
    open.add(clusterd);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  record Reply(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  static Reply send(String base, String method, String path, String contentType, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> r = new ApiClient(base).raw(b);
    return new Reply(r.statusCode(), r.body(), r);
  }

  Reply get(String path, String accept) {
    return accept == null ? send(url, "GET", path, null, null) : send(url, "GET", path, null, null, "Accept", accept);
  }

  Reply putYaml(String query, String doc, String... headers) {
    return send(url, "PUT", "/api/state" + query, "application/yaml", doc, headers);
  }

  /** Every key of every host, for "nothing changed on the hosts". */
  Map<String, Object> hosts() {
    Map<String, Object> out = new java.util.TreeMap<>();
    for (String h : List.of("web-eu-1", "web-eu-2", "db-eu-1", "lone", "new-1")) {
      out.put(h, mem.database(h).snapshot().toString());
    }
    return out;
  }

  private static Set<String> i18n(JsonNode conflicts) {
    Set<String> out = new TreeSet<>();
    conflicts.forEach(c -> out.add(c.path("i18n").asText()));
    return out;
  }

  // ------------------------------------------------------------------------------------------ tests

  @Test
  void applyThenExport_toAnEmptyDaemon_isByteIdentical() throws Exception {
    Reply applied = putYaml("", DOC);
    assertEquals(200, applied.status(), applied.body());
    assertEquals(200, applied.json().path("fanOut").path("status").asInt(), applied.body());
    Reply yaml = get("/api/state", "application/yaml");
    assertEquals(200, yaml.status());
    assertTrue(yaml.header("Content-Type").startsWith("application/yaml"), yaml.header("Content-Type"));
    assertEquals("\"" + applied.json().path("versionAfter").asText() + "\"", yaml.header("ETag"));

    // the pins reached the hosts
    assertEquals("8080", mem.database("web-eu-2").get(KeyName.parse("user:/app/port")).orElseThrow().value());
    assertEquals("long", mem.database("web-eu-1").get(KeyName.parse("user:/app/port")).orElseThrow().meta()
        .get("check/type"));
    assertEquals("strict", mem.database("db-eu-1").get(KeyName.parse("user:/app/mode")).orElseThrow().value());

    // a second daemon built from the export exports the same bytes, and the same ETag
    MemTransportFactory otherHosts = new MemTransportFactory();
    try (Clusterd other = Clusterd.builder().transport(otherHosts).reconcileEvery(Duration.ZERO).build();
        ClusterdServer server = ClusterdServer.start(other, ServerConfig.loopback(0))) {
      Reply copy = send(server.url(), "PUT", "/api/state", "application/yaml", yaml.body());
      assertEquals(200, copy.status(), copy.body());
      Reply again = send(server.url(), "GET", "/api/state", null, null, "Accept", "application/yaml");
      assertArrayEquals(yaml.body().getBytes(StandardCharsets.UTF_8), again.body().getBytes(StandardCharsets.UTF_8));
      assertEquals(yaml.header("ETag"), again.header("ETag"));
      Reply json = send(server.url(), "GET", "/api/state", null, null, "Accept", "application/json");
      assertEquals(get("/api/state", "application/json").body(), json.body());
    }
    // two exports of the same state are byte-identical
    assertEquals(yaml.body(), get("/api/state", "application/yaml").body());
  }

  @Test
  void applyTwice_secondPlanIsEmpty_andWritesNoHistory() {
    assertEquals(200, putYaml("", DOC).status());
    int history = clusterd.history(java.util.Optional.empty(), Long.MAX_VALUE, 1000).size();
    Reply plan = putYaml("?dryRun=true&prune=true", DOC);
    assertEquals(200, plan.status(), plan.body());
    JsonNode p = plan.json();
    assertTrue(p.path("accepted").asBoolean());
    assertEquals(0, p.path("nodes").size(), plan.body());
    assertEquals(0, p.path("pins").size(), plan.body());
    assertEquals(0, p.path("changes").size(), plan.body());
    assertEquals(200, putYaml("", DOC).status());
    assertEquals(history, clusterd.history(java.util.Optional.empty(), Long.MAX_VALUE, 1000).size());
  }

  @Test
  void apply_recordsOneGroupingHistoryEntryWithItsParts() {
    Reply applied = putYaml("", DOC);
    List<io.clusterd.HistoryEntry> h = clusterd.history(java.util.Optional.empty(), Long.MAX_VALUE, 1000);
    io.clusterd.HistoryEntry first = h.get(h.size() - 1);
    assertEquals("apply-state", first.operation());
    assertEquals("(state)", first.node());
    assertTrue(first.newValue().orElseThrow().startsWith(applied.json().path("versionAfter").asText()));
    assertTrue(h.stream().allMatch(e -> e.time().equals(first.time())), "one change, one time");
    assertTrue(h.stream().anyMatch(e -> e.operation().equals("create-cluster") && e.node().equals("eu-web")));
    assertTrue(h.stream().anyMatch(e -> e.operation().equals("pin") && e.node().equals("eu-web")));
  }

  @Test
  void dryRun_listsEveryPart_andChangesNothing() {
    Reply plan = putYaml("?dryRun=true", DOC);
    assertEquals(200, plan.status(), plan.body());
    JsonNode p = plan.json();
    assertTrue(p.path("accepted").asBoolean());
    assertEquals(7, p.path("nodes").size(), plan.body());
    assertEquals("create", p.path("nodes").get(0).path("action").asText());
    assertEquals(2, p.path("pins").size());
    // per instance, the key changes it would receive: web-eu-1 gets mode, port and its metadata
    JsonNode web1 = null;
    for (JsonNode c : p.path("changes")) {
      if (c.path("instance").asText().equals("web-eu-1")) {
        web1 = c;
      }
    }
    assertEquals(3, web1.path("operations").size(), plan.body());
    assertEquals(0, clusterd.instances().size());
    assertEquals(0, mem.database("web-eu-1").size());
  }

  @Test
  void conflictsAnywhere_dryRunListsEveryOne_applyChangesNothingInTheStoreOrOnTheHosts() {
    assertEquals(200, putYaml("", DOC).status());
    String before = get("/api/state", "application/yaml").body();
    Map<String, Object> hostsBefore = hosts();
    int history = clusterd.history(java.util.Optional.empty(), Long.MAX_VALUE, 1000).size();
    String bad = DOC
        .replace("user:/app/mode: strict", "user:/app/mode: strict\n      user:/app/port: \"1\"")  // I4 with eu-web
        .replace("host: \"mem://web-eu-2\"", "host: \"MEM://web-eu-1/\"")                       // I3
        .replace("instances: [web-eu-1, web-eu-2]", "instances: [web-eu-1, web-eu-2, ghost]")   // unknown member
        .replace("name: EU web", "name: \"  \"")                                                // name missing
        .replace("- {id: lone, name: lone, host: \"mem://lone\"}",
            "- {id: lone, name: lone, host: \"mem://lone\"}\n  - {id: new-1, name: new, host: \"mem://new-1\"}")
        + "  - {id: Bad_Id, name: x, host: \"mem://x\"}\n";
    Reply plan = putYaml("?dryRun=true", bad);
    assertEquals(200, plan.status(), plan.body());
    assertFalse(plan.json().path("accepted").asBoolean());
    assertEquals(Set.of("KEY_PINNED_BELOW", "HOST_DOES_ALREADY_EXIST", "INSTANCE_NOT_FOUND", "NAME_MISSING",
        "INVALID_ID"), i18n(plan.json().path("conflicts")), plan.body());
    for (JsonNode c : plan.json().path("conflicts")) {
      assertTrue(c.path("details").path("path").asText().matches("(clusters|instances)\\[.*"), c.toString());
      assertTrue(c.path("message").asText().startsWith(c.path("details").path("path").asText() + ": "), c.toString());
    }

    Reply refused = putYaml("", bad);
    assertEquals(400, refused.status(), "the first conflict's status: " + refused.body());
    assertEquals(5, refused.json().path("error").path("conflicts").size(), refused.body());
    assertEquals(before, get("/api/state", "application/yaml").body());
    assertEquals(hostsBefore, hosts());
    assertEquals(history, clusterd.history(java.util.Optional.empty(), Long.MAX_VALUE, 1000).size());
    assertFalse(clusterd.node("new-1").isPresent());
  }

  @Test
  void partsThatDependOnEachOther_pinANewCluster_moveIntoIt_swapHosts_areOneChange() {
    assertEquals(200, putYaml("", DOC).status());
    String next = DOC
        .replace("instances: [web-eu-1, web-eu-2]", "instances: [web-eu-1]\n"
            + "            clusters:\n"
            + "              - id: eu-web-2\n"
            + "                name: EU web 2\n"
            + "                pins: {user:/app/tier: two}\n"
            + "                instances: [web-eu-2]")
        .replace("host: \"mem://web-eu-1\"", "host: \"mem://db-eu-1\"")
        .replace("host: \"mem://db-eu-1\"}", "host: \"mem://web-eu-1\"}");
    Reply plan = putYaml("?dryRun=true", next);
    assertTrue(plan.json().path("accepted").asBoolean(), plan.body());
    Reply applied = putYaml("", next);
    assertEquals(200, applied.status(), applied.body());
    assertEquals(Map.of("eu-web-2", "create", "web-eu-2", "move", "web-eu-1", "change", "db-eu-1", "change"),
        actions(applied.json()));
    assertEquals("eu-web-2", clusterd.parentOf("web-eu-2").orElseThrow());
    assertEquals("eu-web", clusterd.parentOf("eu-web-2").orElseThrow());
    assertEquals("mem://db-eu-1", clusterd.instance("web-eu-1").endpoint().toString());
    // the host that is now web-eu-2's got the new pin
    assertEquals("two", mem.database("web-eu-2").get(KeyName.parse("user:/app/tier")).orElseThrow().value());
    assertTrue(get("/api/state", "application/yaml").body().contains("eu-web-2"));
  }

  private static Map<String, String> actions(JsonNode plan) {
    Map<String, String> out = new java.util.HashMap<>();
    plan.path("nodes").forEach(n -> out.put(n.path("id").asText(), n.path("action").asText()));
    return out;
  }

  @Test
  void absentNodes_areListed_butRemovedOnlyWithPrune() {
    assertEquals(200, putYaml("", DOC).status());
    String without = DOC.replace("- {id: lone, name: lone, host: \"mem://lone\"}\n", "")
        .replace("\n        instances: [db-eu-1]", "");
    Reply kept = putYaml("", without);
    assertEquals(200, kept.status(), kept.body());
    JsonNode lone = null;
    for (JsonNode n : kept.json().path("nodes")) {
      if (n.path("id").asText().equals("lone")) {
        lone = n;
      }
    }
    assertEquals("remove", lone.path("action").asText());
    assertFalse(lone.path("applied").asBoolean());
    assertTrue(clusterd.node("lone").isPresent());
    assertTrue(clusterd.parentOf("db-eu-1").isEmpty(), "in the document, a member of no cluster: top level");

    Reply pruned = putYaml("?prune=true", without);
    assertEquals(200, pruned.status(), pruned.body());
    assertFalse(clusterd.node("lone").isPresent());
    assertTrue(clusterd.node("db-eu-1").isPresent());
    assertTrue(mem.database("lone").size() >= 0, "the host is not touched");

    // pruning a cluster with members removes the subtree the document leaves out
    Reply all = putYaml("?prune=true", "clusters: []\ninstances: []\n");
    assertEquals(200, all.status(), all.body());
    assertEquals(0, clusterd.forest().size());
    assertEquals("8080", mem.database("web-eu-1").get(KeyName.parse("user:/app/port")).orElseThrow().value(),
        "removing nodes never changes a host");
  }

  @Test
  void staleIfMatch_isRefusedWith412_currentOneApplies() {
    assertEquals(200, putYaml("", DOC).status());
    String etag = get("/api/state", "application/yaml").header("ETag");
    assertEquals(200, send(url, "PUT", "/api/clusters/eu", "application/json", "{\"name\":\"Europe\"}").status());
    Reply stale = putYaml("", DOC, "If-Match", etag);
    assertEquals(412, stale.status(), stale.body());
    assertEquals("STATE_CHANGED", stale.json().path("error").path("i18n").asText());
    assertEquals("Europe", clusterd.cluster("eu").name());
    String fresh = get("/api/state", "application/yaml").header("ETag");
    assertEquals(200, putYaml("", DOC, "If-Match", fresh).status());
    assertEquals("EU", clusterd.cluster("eu").name());
    assertEquals(200, putYaml("", DOC, "If-Match", "*").status());
  }

  @Test
  void yamlAndJson_areTheSameDocument() throws Exception {
    assertEquals(200, putYaml("", DOC).status());
    JsonNode fromYaml = new YAMLMapper().readTree(get("/api/state", "application/yaml").body());
    JsonNode fromJson = new ObjectMapper().readTree(get("/api/state", "application/json").body());
    assertEquals(fromYaml, fromJson);
    assertEquals(get("/api/state", "application/yaml").header("ETag"), get("/api/state", null).header("ETag"));
    // the JSON export applies like the YAML one: nothing to do
    Reply plan = send(url, "PUT", "/api/state?dryRun=true", "application/json", fromJson.toString());
    assertEquals(0, plan.json().path("nodes").size(), plan.body());
  }

  @Test
  void exportedDocument_validatesAgainstTheServedSchema_whichIsTheOneInDocs() throws Exception {
    assertEquals(200, putYaml("", DOC).status());
    Reply schema = get("/api/state.schema.json", "application/json");
    assertEquals(200, schema.status());
    assertEquals(Files.readString(Path.of("..", "docs", "state.schema.json")), schema.body());
    Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(schema.body(), InputFormat.JSON);
    List<Error> errors = validator.validate(get("/api/state", "application/json").body(), InputFormat.JSON);
    assertEquals(List.of(), errors.stream().map(Error::toString).toList());
    List<Error> input = validator.validate(new YAMLMapper().readTree(DOC).toString(), InputFormat.JSON);
    assertEquals(List.of(), input.stream().map(Error::toString).toList());
    assertFalse(validator.validate("{\"clusters\":[{\"id\":\"x\"}]}", InputFormat.JSON).isEmpty());
  }

  @Test
  void badDocuments_answer400WithThePlaceOfEveryProblem_andStoreNothing() {
    Reply structure = putYaml("", """
        clusters:
          - id: a
            name: A
            colour: red
            pins:
              user:/x: 8080
        instances:
          - {id: b, name: 7, host: mem://b}
        """);
    assertEquals(400, structure.status(), structure.body());
    JsonNode conflicts = structure.json().path("error").path("conflicts");
    assertEquals(3, conflicts.size(), structure.body());
    assertTrue(structure.body().contains("clusters[0].colour: unknown field"), structure.body());
    assertTrue(structure.body().contains("clusters[0].pins['user:/x']"), structure.body());
    assertTrue(structure.body().contains("quote it"), structure.body());
    assertTrue(structure.body().contains("instances[0].name"), structure.body());

    Reply syntax = putYaml("", "clusters: [\n");
    assertEquals(400, syntax.status());
    assertEquals("INVALID_BODY", syntax.json().path("error").path("i18n").asText());
    assertTrue(syntax.body().contains("line"), syntax.body());

    Reply dup = putYaml("", "clusters: []\nclusters: []\n");
    assertEquals(400, dup.status(), dup.body());

    Reply keys = putYaml("?dryRun=true", """
        clusters:
          - id: a
            name: A
            pins:
              /cascading: x
              system:/elektra/x: y
              user:/ok: {value: v, meta: {"bad//": x}}
              "user:/a": x
              "user:/a/": y
        """);
    assertEquals(200, keys.status(), keys.body());
    assertEquals(Set.of("NAMESPACE_NOT_WRITABLE", "RESERVED_KEY", "INVALID_BODY"), i18n(keys.json().path("conflicts")),
        keys.body());

    Reply type = send(url, "PUT", "/api/state", "text/plain", "clusters: []");
    assertEquals(415, type.status());
    Reply prune = putYaml("?prune=yes", "clusters: []");
    assertEquals(400, prune.status());
    assertEquals(0, clusterd.forest().size());
  }

  @Test
  void trickyValues_surviveTheYamlRoundTrip() {
    String[] values = {"true", "yes", "no", "null", "~", "8080", "0x1F", "1e3", "", " lead", "trail ", "a: b",
        "#x", "- x", "multi\nline", "'q'", "\"dq\"", "@at", "%pc", "ünï", "[x]", "{y}", "*star", "&amp", "!bang",
        ">", "|", "2026-01-01", ".inf", "0777"};
    StringBuilder doc = new StringBuilder("clusters:\n  - id: c\n    name: C\n    pins:\n");
    for (int i = 0; i < values.length; i++) {
      doc.append("      user:/v").append(i).append(": ").append(quote(values[i])).append('\n');
    }
    assertEquals(200, putYaml("", doc.toString()).status());
    for (int i = 0; i < values.length; i++) {
      int k = i;
      assertEquals(values[i], clusterd.pins("c").stream().filter(p -> p.key().equals(KeyName.parse("user:/v" + k)))
          .findFirst().orElseThrow().value());
    }
    String yaml = get("/api/state", "application/yaml").body();
    MemTransportFactory otherHosts = new MemTransportFactory();
    try (Clusterd other = Clusterd.builder().transport(otherHosts).reconcileEvery(Duration.ZERO).build();
        ClusterdServer server = ClusterdServer.start(other, ServerConfig.loopback(0))) {
      assertEquals(200, send(server.url(), "PUT", "/api/state", "application/yaml", yaml).status());
      assertEquals(clusterd.pins("c"), other.pins("c"));
      assertEquals(yaml, send(server.url(), "GET", "/api/state", null, null, "Accept", "application/yaml").body());
    }
  }

  private static String quote(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  @Test
  void anotherDaemonsClusters_existingNodesAreChangedInPlace() {
    clusterd.registerInstance(InstanceSpec.of("web eu 1", "mem://web-eu-1").withId("web-eu-1"));
    clusterd.createCluster(ClusterSpec.of("old").withId("old").withMembers(List.of("web-eu-1")));
    Reply applied = putYaml("?prune=true", DOC);
    assertEquals(200, applied.status(), applied.body());
    assertEquals(Map.of("old", "remove", "web-eu-1", "change"), Map.of("old", actions(applied.json()).get("old"),
        "web-eu-1", actions(applied.json()).get("web-eu-1")));
    assertFalse(clusterd.node("old").isPresent());
    assertEquals("eu-web", clusterd.parentOf("web-eu-1").orElseThrow());
  }
}

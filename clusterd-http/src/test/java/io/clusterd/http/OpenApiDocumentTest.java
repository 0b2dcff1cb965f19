package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ErrorCode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/openapi.json} is a valid, complete OpenAPI 3.1 document, as a real OpenAPI parser reads it. */
class OpenApiDocumentTest {
  private Clusterd clusterd;
  private ClusterdServer server;
  private ApiClient.Answer answer;
  private JsonNode doc;

  @BeforeEach
  void start() {
    clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO).build();
    server = ClusterdServer.start(clusterd, ServerConfig.loopback(0));
    answer = new ApiClient(server.url()).get("/api/openapi.json");
    doc = answer.json();
  }

  @AfterEach
  void stop() {
    server.close();
    clusterd.close();
  }

  @Test
  void document_swaggerParser_readsOpenApi31WithNoMessage() {
    assertEquals(200, answer.status(), answer.raw());
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setValidateInternalRefs(true);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(answer.raw(), null, options);
    assertEquals(List.of(), parsed.getMessages(), "messages of the OpenAPI parser");
    OpenAPI api = parsed.getOpenAPI();
    assertNotNull(api);
    assertEquals(SpecVersion.V31, api.getSpecVersion());
    assertEquals("3.1.0", api.getOpenapi());
  }

  @Test
  void document_infoServersAndTags_arePresent() {
    assertEquals("BSD-3-Clause", doc.at("/info/license/identifier").asText());
    assertEquals(server.url(), doc.at("/servers/0/url").asText().replace("localhost", "127.0.0.1"));
    Set<String> declared = new TreeSet<>();
    doc.get("tags").forEach(t -> declared.add(t.get("name").asText()));
    assertEquals(Set.of("daemon", "session", "history", "instances", "instance keys", "clusters", "cluster keys", "state",
        "rollouts"),
        declared);
    operations().forEach(op -> assertTrue(declared.contains(op.get("tags").get(0).asText()), op.toString()));
  }

  @Test
  void everyOperation_hasASuccessAnswerWithASchemaAndTheErrorSchema() {
    List<String> missing = new ArrayList<>();
    operations().forEach(op -> {
      String id = op.get("operationId").asText();
      JsonNode responses = op.get("responses");
      boolean success = false;
      for (var it = responses.fieldNames(); it.hasNext(); ) {
        String status = it.next();
        JsonNode r = responses.get(status);
        if (status.startsWith("2")) {
          success = true;
          if (!status.equals("204") && !r.has("content")) {
            missing.add(id + " " + status + " has no schema");
          }
          if (status.equals("204") && r.has("content")) {
            missing.add(id + " 204 has a body");
          }
        }
      }
      if (!success) {
        missing.add(id + " has no success answer");
      }
      String def = responses.at("/default/content/application~1json/schema").toString();
      if (!def.contains("#/components/schemas/Error")) {
        missing.add(id + " lacks the error schema");
      }
    });
    assertEquals(List.of(), missing);
  }

  @Test
  void writesWithABody_describeTheirRequestBody_generatedFromTheRecords() {
    assertEquals("#/components/schemas/NewInstances",
        doc.at("/paths/~1api~1instances/post/requestBody/content/application~1json/schema/$ref").asText());
    assertEquals("#/components/schemas/NewInstance", doc.at("/components/schemas/NewInstances/oneOf/0/$ref").asText());
    assertEquals("#/components/schemas/NewInstance",
        doc.at("/components/schemas/NewInstances/oneOf/1/items/$ref").asText(), "or an array of them (bulk)");
    assertEquals("#/components/schemas/NewCluster",
        doc.at("/paths/~1api~1clusters/post/requestBody/content/application~1json/schema/$ref").asText());
    JsonNode newCluster = doc.at("/components/schemas/NewCluster");
    assertEquals("[\"name\"]", newCluster.get("required").toString());
    assertEquals("string", newCluster.at("/properties/name/type").asText());
    assertEquals("[\"array\",\"null\"]", newCluster.at("/properties/instances/type").toString());
    assertFalse(newCluster.get("additionalProperties").asBoolean());
    JsonNode newInstance = doc.at("/components/schemas/NewInstance");
    assertEquals("[\"name\",\"host\"]", newInstance.get("required").toString());
    for (String path : List.of("/api/instances/{id}/kdb/{path}", "/api/clusters/{id}/kdb/{path}")) {
      assertTrue(doc.get("paths").get(path).get("put").has("requestBody"), path);
    }
    assertTrue(doc.get("paths").get("/api/instances/{id}/kdbMetaBulk/{path}").get("post").has("requestBody"));
  }

  @Test
  void errorSchema_i18nEnum_listsEveryErrorCode() {
    List<String> tokens = new ArrayList<>();
    doc.at("/components/schemas/Error/properties/error/properties/i18n/enum").forEach(t -> tokens.add(t.asText()));
    assertEquals(Arrays.stream(ErrorCode.values()).map(ErrorCode::token).toList(), tokens);
  }

  @Test
  void fourNoContentRoutes_onInstances_answer204AndOnClusters207() {
    for (String route : List.of("/kdbMv/{path} post", "/kdbCp/{path} post", "/kdbMeta/{path} post",
        "/kdbMeta/{path} delete", "/kdbMetaBulk/{path} post")) {
      String[] r = route.split(" ");
      JsonNode instance = doc.get("paths").get("/api/instances/{id}" + r[0]).get(r[1]).get("responses");
      assertTrue(instance.has("204") && !instance.has("207"), route + ": " + instance);
      JsonNode cluster = doc.get("paths").get("/api/clusters/{id}" + r[0]).get(r[1]).get("responses");
      assertTrue(cluster.has("200") && cluster.has("207") && !cluster.has("204"), route + ": " + cluster);
    }
  }

  private List<JsonNode> operations() {
    List<JsonNode> out = new ArrayList<>();
    doc.get("paths").forEach(item -> item.forEach(out::add));
    return out;
  }
}

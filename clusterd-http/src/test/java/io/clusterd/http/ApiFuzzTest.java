package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random requests over every route {@code GET /api/openapi.json} lists: random ids, key paths and escapes, query
 * parameters, content types and charsets, and bodies. Whatever arrives, the daemon answers with the JSON error
 * body and never a 5xx of its own (502 and 504 are instance outcomes). The seed is fixed and printed; rerun one
 * with {@code -Dfuzz.seed=N}, make it longer with {@code -Dfuzz.count=N}.
 */
class ApiFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 20_260_011L);
  private static final int COUNT = Integer.getInteger("fuzz.count", 1200);
  private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("fuzz.seconds", 12));

  private static final List<String> IDS = List.of("j0", "j1", "c0", "c1", "my", "nope", "%u002F", "%", "%G1", "%00",
      "%C3", "%2F", "a%2Fb", "..", "+", "%20", "j0%", "<x>", "\u00e9", "%E2%82%AC", "x".repeat(300), "");
  private static final List<String> SEGMENTS = List.of("user%3A", "system%3A", "user:", "proc%3A", "foo%3A", "",
      "app", "port", "kdb", "%u0041", "%", "%ZZ", "%00", "%C3", "%5C%2F", "a%2Fb", "..", ".", "+", "%2B", "%25",
      "\u00fc", "%F0%9F%98%80", "x".repeat(500), "meta", "#");
  private static final List<String> CONTENT_TYPES = List.of("", "application/json", "application/json; charset=utf-8",
      "text/plain", "text/plain; charset=utf-8", "application/json; charset=nope", "application/json; charset=\"",
      "text/plain; charset=UTF-16", "text/plain; charset=iso-8859-1", "application/xml", "multipart/form-data",
      "application/x-www-form-urlencoded", "application/json;charset=\"utf-8\"", ";", "charset=", "*/*");
  private static final List<String> QUERIES = List.of("", "?dryRun=true", "?force=true", "?preload=3",
      "?preload=99", "?preload=x", "?limit=-1", "?limit=5&before=x", "?cascade=delete", "?cascade=sideways",
      "?members=true", "?node=c0", "?apikey=k", "?%u0041=1", "?a=%", "?dryRun=true&force=true");
  private static final List<String> FIELDS = List.of("name", "host", "id", "parent", "labels", "description",
      "instances", "clusters", "instanceId", "clusterId", "move", "key", "value", "token", "visibility",
      "transport", "parnet", "", "\u0000");

  @Test
  void fuzz_randomRequestsOnEveryRoute_neverAnswer5xxOfTheirOwn() {
    System.out.println("ApiFuzzTest seed=" + SEED + " count=" + COUNT + " (rerun with -Dfuzz.seed=" + SEED + ")");
    Random random = new Random(SEED);
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).maxAttempts(1)
            .connectTimeout(Duration.ofMillis(200)).responseTimeout(Duration.ofMillis(500)).build();
        ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      ApiClient api = new ApiClient(server.url());
      List<String[]> routes = routes(api);
      assertTrue(routes.size() > 40, "routes from openapi.json: " + routes.size());
      long deadline = System.nanoTime() + BUDGET.toNanos();
      int sent = 0;
      for (; sent < COUNT && System.nanoTime() < deadline; sent++) {
        if (sent % 200 == 0) {
          seed(api);
        }
        String[] route = routes.get(random.nextInt(routes.size()));
        String method = random.nextInt(20) == 0 ? pick(random, List.of("PATCH", "OPTIONS", "PUT", "TRACE")) : route[0];
        String target = path(random, route[1]) + pick(random, QUERIES);
        String contentType = pick(random, CONTENT_TYPES);
        byte[] body = body(random);
        String head = method + " " + target + " HTTP/1.1\r\n"
            + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\r\n")
            + (random.nextInt(8) == 0 ? "Accept: " + pick(random, List.of("text/html", "*/*", "application/xml"))
                + "\r\n" : "");
        RawHttp.Answer a = RawHttp.send(server.port(), head, body);
        String what = "seed=" + SEED + " request #" + sent + ": " + head.strip() + " body="
            + new String(body, StandardCharsets.UTF_8) + "\n -> " + a.status() + " " + a.body();
        if (a.status() >= 500 && a.status() != 502 && a.status() != 504) {
          fail(what);
        }
        if (a.status() >= 400) {
          JsonNode error = a.json().get("error");
          assertTrue(error != null && error.has("i18n"), what);
          assertEquals(a.status(), error.get("status").asInt(), what);
        }
      }
      System.out.println("ApiFuzzTest sent " + sent + " requests");
      assertTrue(sent >= Math.min(COUNT, 200), "only " + sent + " requests in " + BUDGET);
    }
  }

  /** Method and Javalin path of every route the description lists. */
  private static List<String[]> routes(ApiClient api) {
    List<String[]> out = new ArrayList<>();
    api.get("/api/openapi.json").json().get("paths").fields().forEachRemaining(p ->
        p.getValue().fieldNames().forEachRemaining(m -> out.add(new String[] {m.toUpperCase(), p.getKey()})));
    return out;
  }

  /** Known nodes and keys, so requests also reach the engine and not only the not-found answers. */
  private static void seed(ApiClient api) {
    for (String i : List.of("j0", "j1")) {
      api.json("POST", "/api/instances", "{\"id\":\"" + i + "\",\"name\":\"" + i + "\",\"host\":\"mem://" + i + "\"}");
    }
    api.json("POST", "/api/clusters", "{\"id\":\"c0\",\"name\":\"c0\",\"instances\":[\"j0\"]}");
    api.json("POST", "/api/clusters", "{\"id\":\"c1\",\"name\":\"c1\",\"parent\":\"c0\"}");
    api.text("PUT", "/api/clusters/c0/kdb/user%3A/app/port", "80");
  }

  private static String path(Random random, String template) {
    StringBuilder out = new StringBuilder();
    for (String seg : template.split("/", -1)) {
      if (!out.isEmpty() || !seg.isEmpty()) {
        out.append('/');
      }
      if (seg.equals("{id}") || seg.equals("{child}")) {
        out.append(pick(random, IDS));
      } else if (seg.equals("{path}")) {
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.append(i == 0 ? "" : "/").append(pick(random, SEGMENTS));
        }
      } else {
        out.append(seg);
      }
    }
    String p = out.toString();
    return p.startsWith("/") ? p : "/" + p;
  }

  private static byte[] body(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> new byte[0];
      case 1 -> pick(random, List.of("{", "[1,2", "nul", "\"unterminated", "{\"a\":}", "1e999999", "-0", "null",
          "true", "\"user:/app/x\"", "[]", "{}")).getBytes(StandardCharsets.UTF_8);
      case 2 -> {
        byte[] b = new byte[random.nextInt(64)];
        random.nextBytes(b);
        yield b;
      }
      case 3 -> ("plain value " + random.nextInt()).getBytes(StandardCharsets.UTF_8);
      default -> object(random, 0).getBytes(StandardCharsets.UTF_8);
    };
  }

  private static String object(Random random, int depth) {
    StringBuilder b = new StringBuilder("{");
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append('"').append(pick(random, FIELDS).replace("\u0000", "\\u0000")).append("\":")
          .append(value(random, depth));
    }
    return b.append('}').toString();
  }

  private static String value(Random random, int depth) {
    return switch (random.nextInt(depth > 1 ? 8 : 10)) {
      case 0 -> "null";
      case 1 -> "123";
      case 2 -> "1e999999";
      case 3 -> "true";
      case 4 -> "\"" + pick(random, List.of("j0", "j1", "c0", "c1", "", " ", "mem://f" + random.nextInt(9),
          "http://127.0.0.1:1", "user:/app/x", "x".repeat(300), "\\u0000")) + "\"";
      case 5, 6, 7 -> "\"" + pick(random, IDS).replace("\\", "\\\\") + "\"";
      case 8 -> "[" + value(random, depth + 1) + "," + value(random, depth + 1) + "]";
      default -> object(random, depth + 1);
    };
  }

  private static <T> T pick(Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }
}

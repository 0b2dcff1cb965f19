package io.clusterd.http.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the OpenAPI 3.0 description of the API from the routes the server registered, so it cannot drift from
 * them: Javalin's {@code {id}} and {@code <path>} parameters become OpenAPI path parameters.
 */
public final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}|<([^>]+)>");

  private OpenApi() { }

  /** The OpenAPI path of a Javalin route path, e.g. {@code /api/instances/{id}/kdb/{path}}. */
  public static String openApiPath(String javalinPath) {
    return PARAM.matcher(javalinPath).replaceAll(m -> "{" + (m.group(1) != null ? m.group(1) : m.group(2)) + "}");
  }

  public static Map<String, Object> document(List<ApiRoutes.Route> routes, String version) {
    Map<String, Object> paths = new TreeMap<>();
    for (ApiRoutes.Route r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(openApiPath(r.path()),
          p -> new LinkedHashMap<String, Object>());
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("summary", r.summary());
      op.put("operationId", operationId(r));
      List<Map<String, Object>> params = new java.util.ArrayList<>();
      Matcher m = PARAM.matcher(r.path());
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        params.add(Map.of("name", name, "in", "path", "required", true, "schema", Map.of("type", "string"),
            "description", m.group(2) != null ? "an Elektra key name, each segment percent-encoded" : "a node id"));
      }
      if (!r.method().equals("GET")) {
        params.add(Map.of("name", "dryRun", "in", "query", "required", false, "schema", Map.of("type", "boolean"),
            "description", "answer with the plan (conflicts and per-instance changes) and change nothing"));
      }
      if (!params.isEmpty()) {
        op.put("parameters", params);
      }
      op.put("responses", Map.of(
          "200", Map.of("description", "success", "content", Map.of("application/json", Map.of())),
          "default", Map.of("description", "error: {\"error\": {status, name, i18n, message, details}}")));
      if (ApiRoutes.PUBLIC_PATHS.contains(r.path())) {
        op.put("security", List.of()); // answered without a token
      }
      item.put(r.method().toLowerCase(Locale.ROOT), op);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put("info", Map.of("title", "clusterd", "version", version,
        "description", "The clusterd daemon: one point of entry for many Elektra key databases."));
    doc.put("components", Map.of("securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer"))));
    doc.put("security", List.of(Map.of("bearer", List.of())));
    doc.put("paths", paths);
    return doc;
  }

  private static String operationId(ApiRoutes.Route r) {
    StringBuilder id = new StringBuilder(r.method().toLowerCase(Locale.ROOT));
    for (String seg : r.path().split("/")) {
      if (seg.isEmpty() || seg.equals("api")) {
        continue;
      }
      String clean = seg.replaceAll("[{}<>]", "");
      id.append(Character.toUpperCase(clean.charAt(0))).append(clean.substring(1));
    }
    return id.toString();
  }
}

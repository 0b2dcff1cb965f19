package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.Clusterd;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.internal.ApiRoutes;
import io.clusterd.http.internal.OpenApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The project's own documentation under docs/: every served route is in http-api.md, and every link resolves. */
class DocsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#]+\\.md)(#[^)]*)?\\)");

  private static String read(String file) throws IOException {
    return Files.readString(ROOT.resolve(file));
  }

  /** A path with its parameters unnamed, so {@code {from}} in prose matches {@code {path}} in the route table. */
  private static String shape(String path) {
    return path.replaceAll("\\{[^}]*}", "{}");
  }

  @Test
  void httpApiDoc_everyRegisteredRoute_isListed() throws IOException {
    String doc = shape(read("docs/http-api.md"));
    List<String> missing = new ArrayList<>();
    try (Clusterd clusterd = Clusterd.builder().transport(new MemTransportFactory()).reconcileEvery(Duration.ZERO)
        .build(); ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      for (ApiRoutes.Route r : server.routes()) {
        String entry = "`" + r.method() + " " + shape(OpenApi.openApiPath(r.path())) + "`";
        if (!doc.contains(entry)) {
          missing.add(entry);
        }
      }
      assertTrue(server.routes().size() > 40);
    }
    assertEquals(List.of(), missing, "routes served but not in docs/http-api.md");
  }

  @Test
  void docs_everyRelativeLink_resolvesAndReadmeLinksThemAll() throws IOException {
    List<String> broken = new ArrayList<>();
    List<String> files = List.of("README.md", "docs/architecture.md", "docs/semantics.md", "docs/http-api.md",
        "docs/keynames.md", "docs/elektrad.md", "docs/security.md", "docs/rollouts.md");
    for (String file : files) {
      Matcher m = LINK.matcher(read(file));
      while (m.find()) {
        if (!m.group(1).startsWith("http") && !Files.exists(ROOT.resolve(file).getParent().resolve(m.group(1)))) {
          broken.add(file + " -> " + m.group(1));
        }
      }
    }
    assertEquals(List.of(), broken);
    String readme = read("README.md");
    for (String doc : files.subList(1, files.size())) {
      assertTrue(readme.contains("](" + doc + ")"), "README links " + doc);
    }
  }
}

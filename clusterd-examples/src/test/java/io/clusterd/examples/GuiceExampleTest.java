package io.clusterd.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clusterd.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuiceExampleTest {
  @TempDir
  Path dir;

  @Test
  void run_overriddenClockAndAddedTransport_showInHistoryAndFile() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    GuiceExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
    List<String> out = EmbeddingExampleTest.lines(bytes);
    String all = String.join("\n", out);

    assertTrue(out.contains("pin shop user:/app/port = 8080 -> 200"), all);
    assertTrue(out.contains("  cache mem://cache 200"), all);
    assertTrue(out.contains("  shop-config " + Endpoint.parse(dir.resolve("app.json").toUri().toString()) + " 200"), all);
    assertTrue(out.contains("cache holds user:/app/port = 8080"), all);
    assertEquals(new ObjectMapper().readTree("{\"name\":\"shop\",\"app\":{\"port\":\"8080\"}}"),
        new ObjectMapper().readTree(dir.resolve("app.json").toFile()), "the file transport bound with TransportBinder");

    int history = out.indexOf("history (recorded with the Clock bound through OptionalBinder):");
    List<String> entries = out.subList(history + 1, out.size());
    assertEquals(6, entries.size(), all);
    assertTrue(entries.stream().allMatch(l -> l.startsWith("  2024-05-01T12:00:00Z ")), all);
    assertEquals("  2024-05-01T12:00:00Z shop pin user:/app/port", entries.get(0));
  }
}

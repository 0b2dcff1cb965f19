package io.clusterd.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingExampleTest {
  @TempDir
  Path dir;

  static List<String> lines(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void run_always_printsTreePinsRefusalFanOutAndProvenance() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    EmbeddingExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
    List<String> out = lines(bytes);
    String all = String.join("\n", out);

    assertTrue(all.contains("""
        tree:
          global
            eu
              db-eu-1 (mem://db-eu-1)
              eu-web
                web-eu-1 (mem://web-eu-1)
                web-eu-2 (mem://web-eu-2)
            us
              web-us-1 (mem://web-us-1)
        """.strip()), all);
    assertTrue(out.contains("pin global user:/app/log/level = warn -> 200 (4 of 4 instances)"), all);
    assertTrue(out.contains("pin eu-web user:/app/http/port = 8080 -> 200 (2 of 2 instances)"), all);
    assertTrue(out.contains("refused: set user:/app/http/port = 9090 on web-eu-1: KEY_LOCKED, locked by eu-web"), all);
    assertTrue(out.contains("plan: pin eu user:/app/http/port = 9090: KEY_PINNED_BELOW [eu-web]"), all);
    assertTrue(all.contains("""
        cluster write: pin eu user:/app/feature/search = on -> 200
          db-eu-1 mem://db-eu-1 200
          web-eu-1 mem://web-eu-1 200
          web-eu-2 mem://web-eu-2 200
        """.strip()), all);
    assertTrue(all.contains("""
          web-eu-1:
            user:/app/feature/search = on (locked by eu)
            user:/app/http/port = 8080 (locked by eu-web)
            user:/app/log/level = warn (locked by global)
        """.stripTrailing()), all);
    assertTrue(all.contains("""
          web-us-1:
            user:/app/log/level = warn (locked by global)
        """.stripTrailing()), all);
    assertTrue(out.contains("host web-eu-1 holds user:/app/http/port = 8080"), all);
    assertEquals("after reopening: 4 clusters, 4 instances, 3 pins in force on web-eu-2", out.get(out.size() - 1));
    assertTrue(Files.exists(dir.resolve("clusterd.db")), "the registry is an embedded database file");
  }
}

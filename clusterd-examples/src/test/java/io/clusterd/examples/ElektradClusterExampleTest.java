package io.clusterd.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the example against stand-in elektrads on loopback, as it would run against real hosts. */
class ElektradClusterExampleTest {

  @Test
  void run_standInElektrads_pinReachesEachAndVersionsArePrinted() {
    KeyDatabase db1 = new KeyDatabase();
    KeyDatabase db2 = new KeyDatabase();
    try (ElektradServer e1 = ElektradServer.start("127.0.0.1", 0, db1);
         ElektradServer e2 = ElektradServer.start("127.0.0.1", 0, db2)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int rc = ElektradClusterExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
          List.of(e1.url().toString(), e2.url().toString()));
      List<String> out = EmbeddingExampleTest.lines(bytes);
      String all = String.join("\n", out);

      assertEquals(0, rc, all);
      assertTrue(out.contains("registered elektrad-1 at " + e1.url()), all);
      assertTrue(out.contains("registered elektrad-2 at " + e2.url()), all);
      assertTrue(out.contains("pin user:/clusterd/example/greeting on elektrads -> 200 (2 of 2 succeeded)"), all);
      for (String id : List.of("elektrad-1", "elektrad-2")) {
        assertTrue(out.contains("  " + id + " 200"), all);
        assertTrue(out.contains("  " + id + ": elektra 0.11.0, api 1, user:/clusterd/example/greeting = hello from clusterd"),
            all);
      }
      for (KeyDatabase db : List.of(db1, db2)) {
        assertEquals("hello from clusterd", db.get(ElektradClusterExample.KEY).orElseThrow().value());
      }
    }
  }

  @Test
  void run_oneElektradDown_reportsItAndFails() {
    KeyDatabase db = new KeyDatabase();
    String downUrl;
    try (ElektradServer gone = ElektradServer.start("127.0.0.1", 0, new KeyDatabase())) {
      downUrl = gone.url().toString();
    }
    try (ElektradServer up = ElektradServer.start("127.0.0.1", 0, db)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int rc = ElektradClusterExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
          List.of(up.url().toString(), downUrl));
      String all = bytes.toString(StandardCharsets.UTF_8);
      assertEquals(1, rc, all);
      assertTrue(all.contains("(1 of 2 succeeded)"), all);
      assertTrue(all.contains("  elektrad-2 502 INSTANCE_UNREACHABLE"), all);
      assertTrue(all.contains("  elektrad-2: elektra (unknown), user:/clusterd/example/greeting = (unreachable)"), all);
      assertEquals("hello from clusterd", db.get(ElektradClusterExample.KEY).orElseThrow().value());
    }
  }
}

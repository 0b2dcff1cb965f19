package io.clusterd.core.store.postgresql;

import io.clusterd.core.testing.LocalPostgres;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.HistoryEntry;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreSnapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability against kill -9, on PostgreSQL as on SQLite: a child JVM writes batch after batch and acknowledges each on stdout; it is killed
 * with SIGKILL at a random moment; the store must then open cleanly and hold every acknowledged batch, each one
 * whole (an instance, its pin and its history entry, or none of them).
 */
class PostgresStoreCrashTest {

  private static final int RUNS = 3;

  @TempDir
  Path tempDir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void kill9_atRandomMoments_everyAcknowledgedBatchSurvivesWhole() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int run = 0; run < RUNS; run++) {
      Path dir = tempDir.resolve("run-" + run);
      int killAfter = 300 + random.nextInt(500);
      int extraMillis = random.nextInt(25);
      String url = LocalPostgres.shared().newDatabase();
      long acknowledged = writeUntilKilled(dir, url, killAfter, extraMillis);
      assertTrue(acknowledged >= killAfter, "seed " + seed + ": child stopped after " + acknowledged + " acks");

      try (PostgresStore store = PostgresStore.open(url)) {
        // the killed writer held the lease; reading needs none
        verify(store, acknowledged, "seed " + seed + ", run " + run + ", killed after ack " + acknowledged);
      }
      System.out.printf("PostgresStoreCrashTest: run %d killed the writer after ack %d, all acknowledged batches kept%n",
          run, acknowledged);
    }
  }

  private static long writeUntilKilled(Path dir, String url, int killAfter, int extraMillis) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path stderr = Files.createDirectories(dir).resolve("child-stderr.txt");
    Process child = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx128m",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        PgCrashWriter.class.getName(), url)
        .redirectError(stderr.toFile())
        .start();
    long acknowledged = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        acknowledged = parseAck(line, acknowledged);
        if (acknowledged >= killAfter) {
          break;
        }
      }
      if (acknowledged < killAfter) {
        child.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("the writer ended before " + killAfter + " acks: " + Files.readString(stderr));
      }
      Thread.sleep(extraMillis);
      // SIGKILL on Linux; through the handle, because Process.destroyForcibly also closes our end of stdout
      child.toHandle().destroyForcibly();
      assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the writer did not die");
      // acks printed before the kill but not yet read are acknowledged too
      while ((line = out.readLine()) != null) {
        acknowledged = parseAck(line, acknowledged);
      }
    } finally {
      child.destroyForcibly();
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    return acknowledged;
  }

  private static long parseAck(String line, long previous) {
    if (!line.startsWith("ACK ")) {
      return previous;
    }
    long n = Long.parseLong(line.substring(4).trim());
    assertEquals(previous + 1, n, "acks come in order");
    return n;
  }

  private static void verify(PostgresStore store, long acknowledged, String context) {
    StoreSnapshot snapshot = store.load();
    List<NodeRecord> instances = snapshot.nodes().subList(1, snapshot.nodes().size());
    long committed = instances.size();
    assertTrue(committed >= acknowledged && committed <= acknowledged + 1,
        context + ": " + committed + " batches committed");
    Set<String> pins = new HashSet<>();
    for (PinRecord pin : snapshot.pins()) {
      pins.add(pin.pin().key() + "=" + pin.pin().value());
    }
    List<HistoryEntry> history = store.history(Optional.empty(), Long.MAX_VALUE, Integer.MAX_VALUE);
    assertEquals(committed, pins.size(), context + ": one pin per batch");
    assertEquals(committed, history.size(), context + ": one history entry per batch");
    for (long n = 1; n <= committed; n++) {
      NodeRecord record = instances.get((int) n - 1);
      assertEquals(PgCrashWriter.batch(n).putNodes().get(0), record, context);
      assertTrue(pins.contains("user:/crash/" + n + "=" + n), context + ": pin of batch " + n);
      assertEquals("i-" + n, history.get((int) (committed - n)).node(), context + ": history of batch " + n);
      assertEquals(n, history.get((int) (committed - n)).seq(), context);
    }
  }
}

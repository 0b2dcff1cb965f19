package io.clusterd.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Cluster;
import io.clusterd.Endpoint;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Durability against kill -9, for every durable store: a child JVM (a store's writer, whose {@code main} opens the
 * store and calls {@link #writeBatchesForever(RegistryStore)}) writes batch after batch and acknowledges each on
 * stdout; it is killed with SIGKILL at a random moment; the store must then open cleanly and hold every
 * acknowledged batch, each one whole (an instance, its pin and its history entry, or none of them).
 */
public final class StoreCrashCheck {

  private static final int RUNS = 3;

  private StoreCrashCheck() { }

  /**
   * Runs the check {@value #RUNS} times with a printed seed.
   *
   * @param name what the output names
   * @param tempDir a directory for each run's files
   * @param writer the child's main class
   * @param target for a run's directory, what the child opens (its argument) and the test opens afterwards
   * @param open opens the store at a target to verify it
   */
  public static void killAtRandomMoments(String name, Path tempDir, Class<?> writer, Function<Path, String> target,
      Function<String, RegistryStore> open) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int run = 0; run < RUNS; run++) {
      Path dir = tempDir.resolve("run-" + run);
      Files.createDirectories(dir);
      int killAfter = 300 + random.nextInt(500);
      int extraMillis = random.nextInt(25);
      String at = target.apply(dir);
      long acknowledged = writeUntilKilled(dir, writer, at, killAfter, extraMillis);
      assertTrue(acknowledged >= killAfter, "seed " + seed + ": child stopped after " + acknowledged + " acks");
      try (RegistryStore store = open.apply(at)) {
        verify(store, acknowledged, "seed " + seed + ", run " + run + ", killed after ack " + acknowledged);
      }
      System.out.printf("%s: run %d killed the writer after ack %d, all acknowledged batches kept (seed %d)%n",
          name, run, acknowledged, seed);
    }
  }

  /** The child's work: a cluster, then one batch after another, each acknowledged once applied, until killed. */
  public static void writeBatchesForever(RegistryStore store) {
    PrintStream out = System.out;
    store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("crash", "Crash"), Optional.empty())).build());
    for (long n = 1; ; n++) {
      store.apply(batch(n));
      out.println("ACK " + n);
      out.flush();
    }
  }

  static StoreChanges batch(long n) {
    return StoreChanges.builder()
        .putNode(new NodeRecord(Instance.of("i-" + n, "Instance " + n, Endpoint.parse("mem://crash/" + n)),
            Optional.of("crash")))
        .putPin("crash", Pin.of(KeyName.parse("user:/crash/" + n), Long.toString(n)))
        .history(new HistoryEntry(0, Instant.now(), Optional.of("crash-writer"), "i-" + n, "create", Optional.empty(),
            Optional.empty(), Optional.empty(), "ok"))
        .build();
  }

  private static long writeUntilKilled(Path dir, Class<?> writer, String target, int killAfter, int extraMillis) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path stderr = Files.createDirectories(dir).resolve("child-stderr.txt");
    Process child = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx128m",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        writer.getName(), target)
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

  private static void verify(RegistryStore store, long acknowledged, String context) {
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
      assertEquals(batch(n).putNodes().get(0), record, context);
      assertTrue(pins.contains("user:/crash/" + n + "=" + n), context + ": pin of batch " + n);
      assertEquals("i-" + n, history.get((int) (committed - n)).node(), context + ": history of batch " + n);
      assertEquals(n, history.get((int) (committed - n)).seq(), context);
    }
  }
}

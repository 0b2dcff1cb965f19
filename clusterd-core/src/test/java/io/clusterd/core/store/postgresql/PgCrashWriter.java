package io.clusterd.core.store.postgresql;

import io.clusterd.Cluster;
import io.clusterd.Endpoint;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.StoreChanges;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The child process of {@link PostgresStoreCrashTest}: opens the store at the URL given as its argument, takes the
 * leadership lease and
 * writes one batch after another (an instance, a pin and a history entry each), printing {@code ACK n} once batch
 * {@code n} was applied, until it is killed.
 */
final class PgCrashWriter {

  private PgCrashWriter() { }

  static StoreChanges batch(long n) {
    return StoreChanges.builder()
        .putNode(new NodeRecord(Instance.of("i-" + n, "Instance " + n, Endpoint.parse("mem://crash/" + n)),
            Optional.of("crash")))
        .putPin("crash", Pin.of(KeyName.parse("user:/crash/" + n), Long.toString(n)))
        .history(new HistoryEntry(0, Instant.now(), Optional.of("crash-writer"), "i-" + n, "create", Optional.empty(),
            Optional.empty(), Optional.empty(), "ok"))
        .build();
  }

  public static void main(String[] args) {
    PrintStream out = System.out;
    try (PostgresStore store = PostgresStore.open(args[0])) {
      store.lead("crash-writer", Duration.ofHours(1));
      store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("crash", "Crash"), Optional.empty())).build());
      for (long n = 1; ; n++) {
        store.apply(batch(n));
        out.println("ACK " + n);
        out.flush();
      }
    }
  }
}

package io.clusterd.core.store.postgresql;

import io.clusterd.core.store.StoreCrashCheck;
import java.time.Duration;

/**
 * The child process of {@link PostgresStoreCrashTest}: opens the store at the URL given as its argument, takes the
 * leadership lease (commits need it) and writes into it.
 */
final class PgCrashWriter {

  private PgCrashWriter() { }

  public static void main(String[] args) {
    try (PostgresStore store = PostgresStore.open(args[0])) {
      store.lead("crash-writer", Duration.ofHours(1));
      StoreCrashCheck.writeBatchesForever(store);
    }
  }
}

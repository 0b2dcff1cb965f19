package io.clusterd.core.store.sqlite;

import io.clusterd.core.store.StoreCrashCheck;
import java.nio.file.Path;

/** The child process of {@link SqliteStoreCrashTest}: writes into the store in the directory given as argument. */
final class CrashWriter {

  private CrashWriter() { }

  public static void main(String[] args) {
    try (SqliteStore store = SqliteStore.open(Path.of(args[0]))) {
      StoreCrashCheck.writeBatchesForever(store);
    }
  }
}

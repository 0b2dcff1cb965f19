package io.clusterd.core.store.sqlite;

import io.clusterd.core.store.StoreCrashCheck;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link StoreCrashCheck} on the SQLite file: every acknowledged batch survives kill -9 whole. */
class SqliteStoreCrashTest {

  @TempDir
  Path tempDir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void kill9_atRandomMoments_everyAcknowledgedBatchSurvivesWhole() throws Exception {
    StoreCrashCheck.killAtRandomMoments("SqliteStoreCrashTest", tempDir, CrashWriter.class, Path::toString,
        dir -> SqliteStore.open(Path.of(dir)));
  }
}

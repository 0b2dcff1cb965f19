package io.clusterd.core.store.postgresql;

import io.clusterd.core.store.StoreCrashCheck;
import io.clusterd.core.testing.LocalPostgres;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreCrashCheck} on PostgreSQL, as on SQLite: every acknowledged batch survives kill -9 of the writer
 * whole (the killed writer held the lease; reading afterwards needs none).
 */
class PostgresStoreCrashTest {

  @TempDir
  Path tempDir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void kill9_atRandomMoments_everyAcknowledgedBatchSurvivesWhole() throws Exception {
    StoreCrashCheck.killAtRandomMoments("PostgresStoreCrashTest", tempDir, PgCrashWriter.class,
        dir -> LocalPostgres.shared().newDatabase(), PostgresStore::open);
  }
}

package io.clusterd.core.store.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.clusterd.core.Plan;
import io.clusterd.core.transport.mem.MemTransportFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store file written before history entries recorded the pins they change (schema version 2): after the
 * migration, a rollback can undo every entry written since, and refuses, naming the entry, to cross an older one.
 */
class RollbackAcrossMigrationTest {
  private static final KeyName PORT = KeyName.parse("user:/app/port");

  @TempDir
  Path dir;

  @Test
  void rollback_acrossAnEntryOfAnOlderVersion_isRefusedNamingItAndWorksUpToIt() throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.FILE_NAME))) {
      Schema.migrate(connection, 2);
      try (Statement s = connection.createStatement()) {
        s.executeUpdate("INSERT INTO nodes (id, kind, name, description, labels) VALUES ('prod', 'cluster', 'prod',"
            + " '', '{}')");
        s.executeUpdate("INSERT INTO pins (cluster, key_name, value, meta) VALUES ('prod', 'user:/app/port', '8080',"
            + " '{\"check/type\":\"long\"}')");
        s.executeUpdate("INSERT INTO history (time, node, operation, new_value, outcome) VALUES (1000, 'prod',"
            + " 'create-cluster', 'prod', 'accepted')");
        s.executeUpdate("INSERT INTO history (time, node, operation, key_name, new_value, outcome) VALUES (2000,"
            + " 'prod', 'pin', 'user:/app/port', '8080', 'accepted')");
      }
    }
    try (Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir)).transport(new MemTransportFactory())
        .reconcileEvery(Duration.ZERO).build()) {
      clusterd.pin("prod", PORT, "9090");

      clusterd.apply(new Change.Rollback("prod", new Change.Rollback.Sequence(2), false, List.of(), false)).join();
      assertEquals("8080", clusterd.pins("prod").get(0).value(), "entries of this version are undone");
      assertEquals(java.util.Map.of("check/type", "long"), clusterd.pins("prod").get(0).meta());

      Plan refused = clusterd.plan(new Change.Rollback("prod", new Change.Rollback.Sequence(1), false, List.of(),
          false));
      assertEquals(1, refused.conflicts().size(), refused.conflicts().toString());
      Conflict c = refused.conflicts().get(0);
      assertEquals(ErrorCode.HISTORY_INCOMPLETE, c.code());
      assertEquals(422, c.code().httpStatus());
      assertEquals(2L, ((Number) c.details().get("entry")).longValue());
      assertTrue(c.message().contains("#2") && c.message().contains("older clusterd"), c.message());
    }
  }
}

package io.clusterd.core.store.sqlite;

import io.clusterd.core.internal.JsonColumns;
import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.StoreSnapshot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Reads the whole store into a snapshot, inside the read transaction the store opened: nodes (built on a second
 * core while rows are still read), pins and the outbox. Every row that does not parse fails the load naming it.
 */
final class SnapshotReader {
  private static final int LOAD_CHUNK = 4096;
  private static final int NODE_FIELDS = 9;

  private final Connection reader;
  private final Path file;

  SnapshotReader(Connection reader, Path file) {
    this.reader = reader;
    this.file = file;
  }

  StoreSnapshot read() throws SQLException {
    return new StoreSnapshot(loadNodes(), loadPins(), loadPending(), loadRollouts());
  }

  /**
   * Reads the nodes in {@code ord} order. Reading rows through the driver and building the records (endpoint
   * parsing, label JSON, id checks) cost about the same, so with a second core they overlap: this thread reads raw
   * rows in chunks that a helper thread builds; once all rows are read, this thread builds the chunks the helper
   * has not started yet, from the last one backwards, so both finish together.
   */
  private List<NodeRecord> loadNodes() throws SQLException {
    ExecutorService helper = Runtime.getRuntime().availableProcessors() > 1
        ? Executors.newSingleThreadExecutor(task -> {
          Thread thread = new Thread(task, "clusterd-store-load");
          thread.setDaemon(true);
          return thread;
        })
        : null;
    try {
      List<FutureTask<List<NodeRecord>>> chunks = new ArrayList<>();
      try (Statement statement = reader.createStatement();
           ResultSet rows = statement.executeQuery("SELECT " + SqliteStore.NODE_COLUMNS + " FROM nodes ORDER BY ord")) {
        String[] raw = new String[LOAD_CHUNK * NODE_FIELDS];
        int count = 0;
        while (rows.next()) {
          int base = count * NODE_FIELDS;
          for (int column = 0; column < NODE_FIELDS; column++) {
            raw[base + column] = rows.getString(column + 1);
          }
          if (++count == LOAD_CHUNK) {
            chunks.add(chunk(raw, count, helper));
            raw = new String[LOAD_CHUNK * NODE_FIELDS];
            count = 0;
          }
        }
        chunks.add(chunk(raw, count, null));
      }
      for (int i = chunks.size() - 1; i >= 0; i--) {
        chunks.get(i).run(); // does nothing when the helper already ran or runs it
      }
      List<NodeRecord> nodes = new ArrayList<>(chunks.size() * LOAD_CHUNK);
      for (FutureTask<List<NodeRecord>> chunk : chunks) {
        nodes.addAll(join(chunk));
      }
      return nodes;
    } finally {
      if (helper != null) {
        helper.shutdownNow();
      }
    }
  }

  private FutureTask<List<NodeRecord>> chunk(String[] raw, int count, ExecutorService helper) {
    FutureTask<List<NodeRecord>> task = new FutureTask<>(() -> buildNodes(raw, count));
    if (helper != null) {
      helper.execute(task);
    }
    return task;
  }

  private List<NodeRecord> buildNodes(String[] raw, int count) {
    List<NodeRecord> nodes = new ArrayList<>(count);
    for (int row = 0; row < count; row++) {
      int base = row * NODE_FIELDS;
      String id = raw[base];
      try {
        nodes.add(new NodeRecord(node(raw, base), Optional.ofNullable(raw[base + 8])));
      } catch (RuntimeException e) {
        throw SqliteStore.failure(file, "the store file " + file + " holds an invalid node '" + id + "': " + e.getMessage(), e);
      }
    }
    return nodes;
  }

  private static Node node(String[] raw, int base) {
    String id = raw[base];
    String kind = raw[base + 1];
    Map<String, String> labels = JsonColumns.readMap(raw[base + 4]);
    return switch (kind) {
      case SqliteStore.KIND_CLUSTER -> new Cluster(id, raw[base + 2], raw[base + 3], labels, List.of());
      case SqliteStore.KIND_INSTANCE -> new Instance(id, raw[base + 2], raw[base + 3], labels, Endpoint.parse(raw[base + 5]),
          raw[base + 6], raw[base + 7]);
      default -> throw new IllegalArgumentException("unknown node kind '" + kind + "'");
    };
  }

  private List<NodeRecord> join(Future<List<NodeRecord>> chunk) {
    try {
      return chunk.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClusterdException ce) {
        throw ce;
      }
      throw SqliteStore.failure(file, "cannot read the nodes from the store file " + file + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SqliteStore.failure(file, "interrupted while reading the nodes from the store file " + file, e);
    }
  }

  private List<PinRecord> loadPins() throws SQLException {
    List<PinRecord> pins = new ArrayList<>();
    try (Statement statement = reader.createStatement();
         ResultSet rows = statement.executeQuery("SELECT cluster, key_name, value, meta FROM pins ORDER BY ord")) {
      while (rows.next()) {
        String cluster = rows.getString(1);
        String key = rows.getString(2);
        try {
          pins.add(new PinRecord(cluster, new Pin(KeyName.parse(key), rows.getString(3),
              JsonColumns.readMap(rows.getString(4)))));
        } catch (RuntimeException e) {
          throw SqliteStore.failure(file, "the store file " + file + " holds an invalid pin " + key + " of node '" + cluster
              + "': " + e.getMessage(), e);
        }
      }
    }
    return pins;
  }

  private List<PendingDelivery> loadPending() throws SQLException {
    List<PendingDelivery> pending = new ArrayList<>();
    try (Statement statement = reader.createStatement();
         ResultSet rows = statement.executeQuery(
             "SELECT instance, seq, operation, since, reason FROM pending ORDER BY ord")) {
      while (rows.next()) {
        String instance = rows.getString(1);
        long seq = rows.getLong(2);
        try {
          pending.add(new PendingDelivery(instance, seq, JsonColumns.readOperation(rows.getString(3)),
              Instant.ofEpochMilli(rows.getLong(4)), rows.getString(5)));
        } catch (RuntimeException e) {
          throw SqliteStore.failure(file, "the store file " + file + " holds an invalid pending delivery " + seq + " of node '"
              + instance + "': " + e.getMessage(), e);
        }
      }
    }
    return pending;
  }

  private List<RolloutRecord> loadRollouts() throws SQLException {
    List<RolloutRecord> rollouts = new ArrayList<>();
    try (Statement statement = reader.createStatement();
         ResultSet rows = statement.executeQuery("SELECT id, cluster, state, document FROM rollouts ORDER BY ord")) {
      while (rows.next()) {
        rollouts.add(new RolloutRecord(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4)));
      }
    }
    return rollouts;
  }
}

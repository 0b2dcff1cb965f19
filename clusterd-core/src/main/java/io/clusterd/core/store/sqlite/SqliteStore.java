package io.clusterd.core.store.sqlite;

import io.clusterd.core.internal.JsonColumns;
import io.clusterd.core.internal.StoreChecks;

import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RegistryStore;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PendingRef;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreChanges.PinRef;
import io.clusterd.spi.StoreSnapshot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The default durable {@link RegistryStore}: one embedded SQLite database file, {@code clusterd.db}, in the data
 * directory, written in WAL mode with {@code synchronous=FULL} so that a batch survives a crash of the process
 * (kill -9) or of the machine as soon as {@link #apply} returns.
 *
 * <p>The schema is versioned ({@code PRAGMA user_version}) and migrated forward in one transaction at
 * {@link #open}; a file written by a newer clusterd is refused and left untouched. A data directory is used by one
 * store at a time: {@code open} takes an exclusive lock on {@code clusterd.lock} beside the database and refuses a
 * directory that another store (in this process or another) holds.
 *
 * <p>Contract, shared with the in-memory store and checked by the same contract test:
 * <ul>
 *   <li>A batch is one transaction, in the order deletions (nodes, then pins, then pending deliveries) then writes
 *       (nodes, pins, history, pending deliveries, rollouts). Deleting a node also deletes its pins and pending deliveries.
 *       Writing an existing node, pin or pending delivery replaces it in place.</li>
 *   <li>Referential integrity (foreign keys checked at commit): after the batch, every node's parent, every pin's
 *       cluster and every pending delivery's instance must exist. A batch that breaks it, or carries a string with
 *       an unpaired UTF-16 surrogate (SQLite stores UTF-8) or a time outside the epoch-millisecond range, is
 *       refused with {@link ErrorCode#STORE_FAILURE} and nothing of it is applied.</li>
 *   <li>{@link #load()} lists nodes, pins and pending deliveries in the order they were first written.</li>
 *   <li>History entries get sequence numbers 1, 2, 3, ... in the order applied; their {@code seq} as given is
 *       ignored. Times of history entries and pending deliveries are kept to the millisecond (truncated).</li>
 *   <li>Every database error becomes a {@link ClusterdException} with {@link ErrorCode#STORE_FAILURE} whose
 *       message names the file.</li>
 * </ul>
 *
 * <pre>{@code
 * try (SqliteStore store = SqliteStore.open(Path.of("/var/lib/clusterd"))) {
 *   store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("prod", "Production"), Optional.empty())).build());
 *   StoreSnapshot snapshot = store.load();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Writes go through one connection under a lock; {@link #load()} and {@link #history} use a second,
 * read-only connection under its own lock, so they read the last committed state without waiting for a write in
 * progress (WAL readers do not block on the writer).
 */
public final class SqliteStore implements RegistryStore {

  /** The database file's name inside the data directory. */
  public static final String FILE_NAME = "clusterd.db";

  /** The lock file's name inside the data directory. */
  public static final String LOCK_FILE_NAME = "clusterd.lock";

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);
  private static final int BUSY_TIMEOUT_MILLIS = 10_000;
  private static final int CACHE_KIB = 16 * 1024;
  static final String KIND_CLUSTER = "cluster";
  static final String KIND_INSTANCE = "instance";

  static final String NODE_COLUMNS =
      "id, kind, name, description, labels, endpoint, transport, visibility, parent";
  private static final String HISTORY_COLUMNS =
      "seq, time, actor, node, operation, key_name, old_value, new_value, outcome, pins_before";

  private final Path file;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private final Connection writer;
  private final Connection reader;
  private final PreparedStatement deleteNode;
  private final PreparedStatement deletePin;
  private final PreparedStatement deletePending;
  private final PreparedStatement upsertNode;
  private final PreparedStatement upsertPin;
  private final PreparedStatement insertHistory;
  private final PreparedStatement upsertPending;
  private final PreparedStatement upsertRollout;
  private final PreparedStatement historyAll;
  private final PreparedStatement historyOfNode;
  private volatile boolean closed;

  private SqliteStore(Path file, FileChannel lockChannel, FileLock fileLock, Connection writer, Connection reader)
      throws SQLException {
    this.file = file;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.writer = writer;
    this.reader = reader;
    deleteNode = writer.prepareStatement("DELETE FROM nodes WHERE id = ?");
    deletePin = writer.prepareStatement("DELETE FROM pins WHERE cluster = ? AND key_name = ?");
    deletePending = writer.prepareStatement("DELETE FROM pending WHERE instance = ? AND seq = ?");
    upsertNode = writer.prepareStatement("INSERT INTO nodes (" + NODE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        + " description = excluded.description, labels = excluded.labels, endpoint = excluded.endpoint,"
        + " transport = excluded.transport, visibility = excluded.visibility, parent = excluded.parent");
    upsertPin = writer.prepareStatement("INSERT INTO pins (cluster, key_name, value, meta) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (cluster, key_name) DO UPDATE SET value = excluded.value, meta = excluded.meta");
    insertHistory = writer.prepareStatement("INSERT INTO history"
        + " (time, actor, node, operation, key_name, old_value, new_value, outcome, pins_before)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    upsertPending = writer.prepareStatement("INSERT INTO pending (instance, seq, operation, since, reason)"
        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (instance, seq) DO UPDATE SET operation = excluded.operation,"
        + " since = excluded.since, reason = excluded.reason");
    upsertRollout = writer.prepareStatement("INSERT INTO rollouts (id, cluster, state, document) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET cluster = excluded.cluster, state = excluded.state,"
        + " document = excluded.document");
    historyAll = reader.prepareStatement("SELECT " + HISTORY_COLUMNS
        + " FROM history WHERE seq < ? ORDER BY seq DESC LIMIT ?");
    historyOfNode = reader.prepareStatement("SELECT " + HISTORY_COLUMNS
        + " FROM history WHERE node = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
  }

  /**
   * Opens the store in {@code dataDir}, creating the directory and the database file when missing and migrating
   * the schema to the current version.
   *
   * @throws ClusterdException with {@link ErrorCode#STORE_FAILURE} when the directory cannot be created or is in
   *     use by another store, the file is not a clusterd database, was written by a newer clusterd, or cannot be
   *     read or migrated
   */
  public static SqliteStore open(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    Path dir = dataDir.toAbsolutePath().normalize();
    Path file = dir.resolve(FILE_NAME);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw failure(file, "cannot create the data directory " + dir + ": " + e, e);
    }
    FileChannel channel = null;
    FileLock lock = null;
    Connection writer = null;
    Connection reader = null;
    try {
      Path lockFile = dir.resolve(LOCK_FILE_NAME);
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = tryLock(channel, file);
      writer = connect(file);
      int version = Schema.version(writer);
      if (version > Schema.LATEST) {
        throw failure(file, "the store file " + file + " has schema version " + version
            + ", written by a newer clusterd; this clusterd knows versions up to " + Schema.LATEST
            + ". Run the newer clusterd or restore a backup; the file was left unchanged", null);
      }
      enableWal(writer, file);
      int before = Schema.migrate(writer, Schema.LATEST);
      if (before == 0) {
        LOG.debug("store {}: created at schema version {}", file, Schema.LATEST);
      } else if (before != Schema.LATEST) {
        LOG.info("store {}: schema migrated from version {} to {}", file, before, Schema.LATEST);
      }
      writer.setAutoCommit(false);
      reader = connect(file);
      try (Statement statement = reader.createStatement()) {
        statement.execute("PRAGMA query_only = ON");
      }
      return new SqliteStore(file, channel, lock, writer, reader);
    } catch (SQLException | IOException | RuntimeException e) {
      closeQuietly(reader, e);
      closeQuietly(writer, e);
      try {
        if (lock != null) {
          lock.release();
        }
        if (channel != null) {
          channel.close();
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof ClusterdException ce) {
        throw ce;
      }
      throw failure(file, "cannot open the store file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  @Override
  public StoreSnapshot load() {
    readLock.lock();
    try {
      ensureOpen();
      reader.setAutoCommit(false);
      try {
        StoreSnapshot snapshot = new SnapshotReader(reader, file).read();
        reader.commit();
        return snapshot;
      } finally {
        reader.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(file, "cannot read the store file " + file + ": " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void apply(StoreChanges changes) {
    Objects.requireNonNull(changes, "changes");
    writeLock.lock();
    try {
      ensureOpen();
      if (changes.isEmpty()) {
        return;
      }
      validate(changes);
      try {
        write(changes);
        writer.commit();
      } catch (SQLException e) {
        String reason = explain(e);
        rollback(e);
        throw failure(file, "cannot apply the changes to the store file " + file + ", nothing was applied: "
            + reason, e);
      } catch (RuntimeException e) {
        rollback(e);
        throw e;
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit) {
    Objects.requireNonNull(node, "node");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
    readLock.lock();
    try {
      ensureOpen();
      if (limit == 0) {
        return List.of();
      }
      PreparedStatement query;
      if (node.isPresent()) {
        query = historyOfNode;
        query.setString(1, node.get());
        query.setLong(2, beforeSeq);
        query.setInt(3, limit);
      } else {
        query = historyAll;
        query.setLong(1, beforeSeq);
        query.setInt(2, limit);
      }
      List<HistoryEntry> entries = new ArrayList<>(Math.min(limit, 256));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          entries.add(new HistoryEntry(rows.getLong(1), Instant.ofEpochMilli(rows.getLong(2)),
              Optional.ofNullable(rows.getString(3)), rows.getString(4), rows.getString(5),
              Optional.ofNullable(rows.getString(6)), Optional.ofNullable(rows.getString(7)),
              Optional.ofNullable(rows.getString(8)), rows.getString(9),
              JsonColumns.readPinsBefore(rows.getString(10))));
        }
      }
      return List.copyOf(entries);
    } catch (SQLException e) {
      throw failure(file, "cannot read the history from the store file " + file + ": " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  /** Closes both connections and releases the data directory; further calls fail. Idempotent. */
  @Override
  public void close() {
    writeLock.lock();
    readLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      RuntimeException failure = new RuntimeException("close");
      closeQuietly(reader, failure);
      try {
        writer.rollback(); // ends the empty transaction the driver keeps open between commits
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
      closeQuietly(writer, failure);
      try {
        fileLock.release();
        lockChannel.close();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
      for (Throwable problem : failure.getSuppressed()) {
        LOG.warn("store {}: problem while closing", file, problem);
      }
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "SqliteStore[" + file + "]";
  }

  // ---------------------------------------------------------------- opening

  private static FileLock tryLock(FileChannel channel, Path file) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      throw failure(file, "the store file " + file + " is already open in this process; close the other store first", e);
    }
    if (lock == null) {
      throw failure(file, "the store file " + file + " is in use by another process (another clusterd?)", null);
    }
    return lock;
  }

  private static Connection connect(Path file) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setCacheSize(-CACHE_KIB);
    return DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
  }

  private static void enableWal(Connection connection, Path file) throws SQLException {
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("PRAGMA journal_mode = WAL")) {
      String mode = rows.next() ? rows.getString(1) : "";
      if (!"wal".equalsIgnoreCase(mode)) {
        throw failure(file, "cannot switch the store file " + file + " to WAL mode (journal mode is '" + mode + "')", null);
      }
    }
  }

  // ---------------------------------------------------------------- writing

  private void write(StoreChanges changes) throws SQLException {
    for (String id : changes.deleteNodes()) {
      deleteNode.setString(1, id);
      deleteNode.addBatch();
    }
    run(deleteNode, changes.deleteNodes().size());
    for (PinRef ref : changes.deletePins()) {
      deletePin.setString(1, ref.cluster());
      deletePin.setString(2, ref.key().toString());
      deletePin.addBatch();
    }
    run(deletePin, changes.deletePins().size());
    for (PendingRef ref : changes.deletePending()) {
      deletePending.setString(1, ref.instance());
      deletePending.setLong(2, ref.seq());
      deletePending.addBatch();
    }
    run(deletePending, changes.deletePending().size());
    for (NodeRecord record : changes.putNodes()) {
      bindNode(record);
      upsertNode.addBatch();
    }
    run(upsertNode, changes.putNodes().size());
    for (PinRecord record : changes.putPins()) {
      upsertPin.setString(1, record.cluster());
      upsertPin.setString(2, record.pin().key().toString());
      upsertPin.setString(3, record.pin().value());
      upsertPin.setString(4, JsonColumns.writeMap(record.pin().meta()));
      upsertPin.addBatch();
    }
    run(upsertPin, changes.putPins().size());
    for (HistoryEntry entry : changes.history()) {
      insertHistory.setLong(1, entry.time().toEpochMilli());
      setOptional(insertHistory, 2, entry.actor());
      insertHistory.setString(3, entry.node());
      insertHistory.setString(4, entry.operation());
      setOptional(insertHistory, 5, entry.key());
      setOptional(insertHistory, 6, entry.oldValue());
      setOptional(insertHistory, 7, entry.newValue());
      insertHistory.setString(8, entry.outcome());
      insertHistory.setString(9, entry.pinsBefore().isEmpty() ? null : JsonColumns.writePinsBefore(entry.pinsBefore()));
      insertHistory.addBatch();
    }
    run(insertHistory, changes.history().size());
    for (PendingDelivery delivery : changes.putPending()) {
      upsertPending.setString(1, delivery.instance());
      upsertPending.setLong(2, delivery.seq());
      upsertPending.setString(3, JsonColumns.writeOperation(delivery.operation()));
      upsertPending.setLong(4, delivery.since().toEpochMilli());
      upsertPending.setString(5, delivery.reason());
      upsertPending.addBatch();
    }
    run(upsertPending, changes.putPending().size());
    for (RolloutRecord rollout : changes.putRollouts()) {
      upsertRollout.setString(1, rollout.id());
      upsertRollout.setString(2, rollout.cluster());
      upsertRollout.setString(3, rollout.state());
      upsertRollout.setString(4, rollout.document());
      upsertRollout.addBatch();
    }
    run(upsertRollout, changes.putRollouts().size());
  }

  private void bindNode(NodeRecord record) throws SQLException {
    Node node = record.node();
    upsertNode.setString(1, node.id());
    upsertNode.setString(3, node.name());
    upsertNode.setString(4, node.description());
    upsertNode.setString(5, JsonColumns.writeMap(node.labels()));
    if (node instanceof Instance instance) {
      upsertNode.setString(2, KIND_INSTANCE);
      upsertNode.setString(6, instance.endpoint().toString());
      upsertNode.setString(7, instance.transport());
      upsertNode.setString(8, instance.visibility());
    } else {
      upsertNode.setString(2, KIND_CLUSTER);
      upsertNode.setNull(6, Types.VARCHAR);
      upsertNode.setNull(7, Types.VARCHAR);
      upsertNode.setNull(8, Types.VARCHAR);
    }
    setOptional(upsertNode, 9, record.parent());
  }

  private static void setOptional(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }

  private static void run(PreparedStatement statement, int count) throws SQLException {
    if (count > 0) {
      statement.executeBatch();
    }
  }

  /** Says which rows broke a foreign key, while the failed transaction is still open; else the driver's message. */
  private String explain(SQLException e) {
    String message = String.valueOf(e.getMessage());
    if (!message.contains("FOREIGN KEY")) {
      return message;
    }
    List<String> problems = new ArrayList<>();
    try (Statement statement = writer.createStatement();
         ResultSet rows = statement.executeQuery("PRAGMA foreign_key_check")) {
      while (rows.next() && problems.size() < 5) {
        problems.add(describeViolation(rows.getString(1), rows.getLong(2)));
      }
    } catch (SQLException suppressed) {
      e.addSuppressed(suppressed);
    }
    return problems.isEmpty() ? message : String.join("; ", problems);
  }

  private String describeViolation(String table, long rowid) throws SQLException {
    String sql = switch (table) {
      case "nodes" -> "SELECT 'node ''' || id || ''' names parent ''' || parent || ''', which does not exist'"
          + " FROM nodes WHERE ord = ?";
      case "pins" -> "SELECT 'pin ' || key_name || ' belongs to node ''' || cluster || ''', which does not exist'"
          + " FROM pins WHERE ord = ?";
      case "pending" -> "SELECT 'pending delivery ' || seq || ' is for node ''' || instance || ''', which does not exist'"
          + " FROM pending WHERE ord = ?";
      default -> null;
    };
    if (sql == null) {
      return "a row of " + table + " refers to a missing row";
    }
    try (PreparedStatement query = writer.prepareStatement(sql)) {
      query.setLong(1, rowid);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? rows.getString(1) : "a row of " + table + " refers to a missing row";
      }
    }
  }

  private void rollback(Exception cause) {
    clearBatch(deleteNode, cause);
    clearBatch(deletePin, cause);
    clearBatch(deletePending, cause);
    clearBatch(upsertNode, cause);
    clearBatch(upsertPin, cause);
    clearBatch(insertHistory, cause);
    clearBatch(upsertPending, cause);
    try {
      writer.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static void clearBatch(PreparedStatement statement, Exception cause) {
    try {
      statement.clearBatch();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  // ---------------------------------------------------------------- validation (before the database is touched)

  private void validate(StoreChanges changes) {
    StoreChecks.check(changes, file.toString());
  }

  // ---------------------------------------------------------------- helpers

  private void ensureOpen() {
    if (closed) {
      throw failure(file, "the store file " + file + " is closed", null);
    }
  }

  static ClusterdException failure(Path file, String message, Throwable cause) {
    return new ClusterdException(ErrorCode.STORE_FAILURE, message, Map.of("file", file.toString()), cause);
  }

  private static void closeQuietly(Connection connection, Exception cause) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}

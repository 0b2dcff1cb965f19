package io.clusterd.core.store.postgresql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.clusterd.Cluster;
import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyName;
import io.clusterd.Node;
import io.clusterd.Pin;
import io.clusterd.core.internal.JsonColumns;
import io.clusterd.core.internal.StoreChecks;
import io.clusterd.spi.MemberRecord;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.RolloutRecord;
import io.clusterd.spi.SequencedSnapshot;
import io.clusterd.spi.SessionRecord;
import io.clusterd.spi.SharedRegistryStore;
import io.clusterd.spi.StoreChanges;
import io.clusterd.spi.StoreChanges.PendingRef;
import io.clusterd.spi.StoreChanges.PinRecord;
import io.clusterd.spi.StoreChanges.PinRef;
import io.clusterd.spi.StoreSnapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry in a PostgreSQL database that several daemons share ({@link SharedRegistryStore}): opened with
 * {@code postgresql://host:5432/db?user=name&password=secret} (or a {@code jdbc:postgresql:} URL), connections from
 * a HikariCP pool, the schema versioned and migrated forward at {@link #open} like the SQLite store's.
 *
 * <p>Contract, shared with the SQLite and in-memory stores and checked by the same contract test: batches are
 * one transaction, deletions first; deferred foreign keys; a refused batch changes nothing; history numbered
 * 1, 2, 3, ... without gaps; every string kept exactly (U+0000 included, see {@link PgText}); times to the
 * millisecond.
 *
 * <p>Fencing: {@link #apply} commits only while this store holds the leadership lease ({@link #lead}); the lease
 * row is read {@code FOR SHARE} in the batch's transaction, so a new leader's takeover waits for the commit or the
 * commit sees the takeover and is refused ({@link ErrorCode#UNAVAILABLE}, nothing applied). A lost database
 * connection is {@link ErrorCode#UNAVAILABLE} too; every other database error is {@link ErrorCode#STORE_FAILURE}.
 *
 * <pre>{@code
 * try (PostgresStore store = PostgresStore.open("postgresql://db:5432/clusterd?user=clusterd")) {
 *   store.lead("daemon-1", Duration.ofSeconds(3));
 *   store.apply(StoreChanges.builder().putNode(new NodeRecord(Cluster.of("prod", "Production"), Optional.empty())).build());
 * }
 * }</pre>
 *
 * <p>Thread-safe; writes are serialized in this process, reads run beside them.
 */
public final class PostgresStore implements SharedRegistryStore {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  /** The channel of {@code NOTIFY} sent with every batch that moves the change sequence. */
  static final String CHANNEL = "clusterd_changes";

  private static final String NODE_COLUMNS = "id, kind, name, description, labels, endpoint, transport, visibility, parent";
  private static final String HISTORY_COLUMNS = "seq, time, actor, node, operation, key_name, old_value, new_value, outcome, pins_before";
  private static final String KIND_CLUSTER = "cluster";
  private static final String KIND_INSTANCE = "instance";

  private final PgLocation location;
  private final HikariDataSource pool;
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile Lease lease;
  private volatile boolean closed;

  /** The lease this store was last granted. */
  private record Lease(String member, long epoch) { }

  private PostgresStore(PgLocation location, HikariDataSource pool) {
    this.location = location;
    this.pool = pool;
  }

  /** Whether {@code store} names a PostgreSQL database (rather than a data directory). */
  public static boolean isPostgresUrl(String store) {
    return PgLocation.looksLikePostgres(Objects.requireNonNull(store, "store"));
  }

  /**
   * Connects to the database and migrates its schema to the current version.
   *
   * @throws IllegalArgumentException when the URL is not a PostgreSQL URL with a host and a database
   * @throws ClusterdException {@link ErrorCode#UNAVAILABLE} when the database cannot be reached,
   *     {@link ErrorCode#STORE_FAILURE} when its schema was written by a newer clusterd or cannot be migrated
   */
  public static PostgresStore open(String url) {
    PgLocation location = PgLocation.parse(Objects.requireNonNull(url, "url"));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(location.jdbcUrl());
    config.setDataSourceProperties(withTimeouts(location));
    config.setPoolName("clusterd-postgresql");
    config.setMaximumPoolSize(6);
    config.setMinimumIdle(2);
    config.setConnectionTimeout(2_000);
    config.setValidationTimeout(1_000);
    config.setInitializationFailTimeout(2_000);
    config.setAutoCommit(true);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new ClusterdException(ErrorCode.UNAVAILABLE, "cannot connect to the PostgreSQL store at "
          + location.description() + ": " + rootMessage(e), Map.of("store", location.description()), e);
    }
    PostgresStore store = new PostgresStore(location, pool);
    try (Connection connection = pool.getConnection()) {
      int found = PgSchema.migrate(connection);
      if (found == 0) {
        LOG.info("store {}: created at schema version {}", location.description(), PgSchema.LATEST);
      } else if (found != PgSchema.LATEST) {
        LOG.info("store {}: schema migrated from version {} to {}", location.description(), found, PgSchema.LATEST);
      }
    } catch (IllegalStateException e) {
      pool.close();
      throw new ClusterdException(ErrorCode.STORE_FAILURE, "the PostgreSQL store at " + location.description()
          + " was written by a newer clusterd (" + e.getMessage() + "); run the newer clusterd. Nothing was changed",
          Map.of("store", location.description()), e);
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw store.failure("cannot open the PostgreSQL store", e);
    }
    return store;
  }

  private static java.util.Properties withTimeouts(PgLocation location) {
    java.util.Properties properties = new java.util.Properties();
    properties.putAll(location.properties());
    // a cut network must surface as an error within seconds, not hang a commit or a lease renewal
    properties.putIfAbsent("connectTimeout", "2");
    properties.putIfAbsent("socketTimeout", "5");
    properties.putIfAbsent("tcpKeepAlive", "true");
    properties.putIfAbsent("ApplicationName", "clusterd");
    return properties;
  }

  @Override
  public String location() {
    return location.description();
  }

  // ------------------------------------------------------------------------------------------- reads

  @Override
  public StoreSnapshot load() {
    return loadSequenced().snapshot();
  }

  @Override
  public SequencedSnapshot loadSequenced() {
    ensureOpen();
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setReadOnly(true);
      try {
        long seq = changeSeq(connection);
        StoreSnapshot snapshot = new StoreSnapshot(loadNodes(connection), loadPins(connection), loadPending(connection),
            loadRollouts(connection));
        connection.commit();
        return new SequencedSnapshot(seq, snapshot);
      } finally {
        connection.rollback();
        connection.setReadOnly(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        connection.setAutoCommit(true);
      }
    } catch (SQLException | RuntimeException e) {
      throw failure("cannot read the PostgreSQL store", e);
    }
  }

  @Override
  public long changeSeq() {
    ensureOpen();
    try (Connection connection = pool.getConnection()) {
      return changeSeq(connection);
    } catch (SQLException e) {
      throw failure("cannot read the change sequence of the PostgreSQL store", e);
    }
  }

  static long changeSeq(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT change_seq FROM counters WHERE id = 1")) {
      return rows.next() ? rows.getLong(1) : 0;
    }
  }

  private static List<NodeRecord> loadNodes(Connection connection) throws SQLException {
    List<NodeRecord> nodes = new ArrayList<>();
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT " + NODE_COLUMNS + " FROM nodes ORDER BY ord")) {
      while (rows.next()) {
        String id = text(rows, 1);
        try {
          Map<String, String> labels = JsonColumns.readMap(rows.getString(5));
          Node node = KIND_INSTANCE.equals(rows.getString(2))
              ? new Instance(id, text(rows, 3), text(rows, 4), labels, Endpoint.parse(text(rows, 6)), text(rows, 7),
                  text(rows, 8))
              : new Cluster(id, text(rows, 3), text(rows, 4), labels, List.of());
          nodes.add(new NodeRecord(node, Optional.ofNullable(text(rows, 9))));
        } catch (RuntimeException e) {
          throw new SQLException("node '" + id + "' cannot be read: " + e.getMessage(), e);
        }
      }
    }
    return nodes;
  }

  private static List<PinRecord> loadPins(Connection connection) throws SQLException {
    List<PinRecord> pins = new ArrayList<>();
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT cluster, key_name, value, meta FROM pins ORDER BY ord")) {
      while (rows.next()) {
        String cluster = text(rows, 1);
        try {
          pins.add(new PinRecord(cluster, new Pin(KeyName.parse(text(rows, 2)), text(rows, 3),
              JsonColumns.readMap(rows.getString(4)))));
        } catch (RuntimeException e) {
          throw new SQLException("a pin of '" + cluster + "' cannot be read: " + e.getMessage(), e);
        }
      }
    }
    return pins;
  }

  private static List<PendingDelivery> loadPending(Connection connection) throws SQLException {
    List<PendingDelivery> pending = new ArrayList<>();
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(
             "SELECT instance, seq, operation, since, reason FROM pending ORDER BY ord")) {
      while (rows.next()) {
        String instance = text(rows, 1);
        try {
          pending.add(new PendingDelivery(instance, rows.getLong(2), JsonColumns.readOperation(rows.getString(3)),
              Instant.ofEpochMilli(rows.getLong(4)), text(rows, 5)));
        } catch (RuntimeException e) {
          throw new SQLException("pending delivery " + rows.getLong(2) + " of '" + instance + "' cannot be read: "
              + e.getMessage(), e);
        }
      }
    }
    return pending;
  }

  private static List<RolloutRecord> loadRollouts(Connection connection) throws SQLException {
    List<RolloutRecord> rollouts = new ArrayList<>();
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT id, cluster, state, document FROM rollouts ORDER BY ord")) {
      while (rows.next()) {
        rollouts.add(new RolloutRecord(text(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4)));
      }
    }
    return rollouts;
  }

  @Override
  public List<HistoryEntry> history(Optional<String> node, long beforeSeq, int limit) {
    Objects.requireNonNull(node, "node");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
    ensureOpen();
    if (limit == 0) {
      return List.of();
    }
    String sql = "SELECT " + HISTORY_COLUMNS + " FROM history WHERE " + (node.isPresent() ? "node = ? AND " : "")
        + "seq < ? ORDER BY seq DESC LIMIT ?";
    try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
      int i = 1;
      if (node.isPresent()) {
        query.setString(i++, PgText.encode(node.get()));
      }
      query.setLong(i++, beforeSeq);
      query.setInt(i, limit);
      List<HistoryEntry> entries = new ArrayList<>(Math.min(limit, 256));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          entries.add(new HistoryEntry(rows.getLong(1), Instant.ofEpochMilli(rows.getLong(2)),
              Optional.ofNullable(text(rows, 3)), text(rows, 4), text(rows, 5), Optional.ofNullable(text(rows, 6)),
              Optional.ofNullable(text(rows, 7)), Optional.ofNullable(text(rows, 8)), text(rows, 9),
              JsonColumns.readPinsBefore(rows.getString(10))));
        }
      }
      return List.copyOf(entries);
    } catch (SQLException e) {
      throw failure("cannot read the history from the PostgreSQL store", e);
    }
  }

  // ------------------------------------------------------------------------------------------- writes

  @Override
  public void apply(StoreChanges changes) {
    Objects.requireNonNull(changes, "changes");
    writeLock.lock();
    try {
      ensureOpen();
      if (changes.isEmpty()) {
        return;
      }
      StoreChecks.check(changes, "the PostgreSQL store at " + location.description());
      Lease held = lease;
      if (held == null) {
        throw notLeader("this daemon does not hold the leadership lease");
      }
      try (Connection connection = pool.getConnection()) {
        connection.setAutoCommit(false);
        try {
          confirmLease(connection, held);
          write(connection, changes);
          connection.commit();
        } catch (SQLException | RuntimeException e) {
          rollback(connection, e);
          throw e;
        } finally {
          connection.setAutoCommit(true);
        }
      } catch (ClusterdException e) {
        throw e;
      } catch (SQLException | RuntimeException e) {
        throw failure("cannot apply the changes to the PostgreSQL store, nothing was applied", e);
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void confirmLease(Connection connection, Lease held) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement("SELECT epoch FROM leadership WHERE id = 1"
        + " AND holder = ? AND epoch = ? AND expires > clock_timestamp() FOR SHARE")) {
      query.setString(1, held.member());
      query.setLong(2, held.epoch());
      try (ResultSet rows = query.executeQuery()) {
        if (!rows.next()) {
          lease = null;
          throw notLeader("the leadership lease of epoch " + held.epoch() + " expired or was taken over");
        }
      }
    }
  }

  private ClusterdException notLeader(String why) {
    return ClusterdException.of(ErrorCode.UNAVAILABLE, why + "; nothing was applied to the PostgreSQL store at "
        + location.description() + " (only the leader commits: try again, the request goes to the new leader)",
        Map.of("store", location.description()));
  }

  private static void write(Connection connection, StoreChanges changes) throws SQLException {
    batch(connection, "DELETE FROM nodes WHERE id = ?", changes.deleteNodes(), (s, id) -> s.setString(1, PgText.encode(id)));
    batch(connection, "DELETE FROM pins WHERE cluster = ? AND key_name = ?", changes.deletePins(), (s, ref) -> {
      s.setString(1, PgText.encode(ref.cluster()));
      s.setString(2, PgText.encode(ref.key().toString()));
    });
    batch(connection, "DELETE FROM pending WHERE instance = ? AND seq = ?", changes.deletePending(), (s, ref) -> {
      s.setString(1, PgText.encode(ref.instance()));
      s.setLong(2, ref.seq());
    });
    batch(connection, "INSERT INTO nodes (" + NODE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        + " description = excluded.description, labels = excluded.labels, endpoint = excluded.endpoint,"
        + " transport = excluded.transport, visibility = excluded.visibility, parent = excluded.parent",
        changes.putNodes(), PostgresStore::bindNode);
    batch(connection, "INSERT INTO pins (cluster, key_name, value, meta) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (cluster, key_name) DO UPDATE SET value = excluded.value, meta = excluded.meta",
        changes.putPins(), (s, pin) -> {
          s.setString(1, PgText.encode(pin.cluster()));
          s.setString(2, PgText.encode(pin.pin().key().toString()));
          s.setString(3, PgText.encode(pin.pin().value()));
          s.setString(4, JsonColumns.writeMap(pin.pin().meta()));
        });
    if (!changes.history().isEmpty()) {
      long last = bump(connection, "history_seq", changes.history().size());
      long[] next = {last - changes.history().size() + 1};
      batch(connection, "INSERT INTO history (" + HISTORY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          changes.history(), (s, entry) -> {
            s.setLong(1, next[0]++);
            s.setLong(2, entry.time().toEpochMilli());
            setOptional(s, 3, entry.actor());
            s.setString(4, PgText.encode(entry.node()));
            s.setString(5, PgText.encode(entry.operation()));
            setOptional(s, 6, entry.key());
            setOptional(s, 7, entry.oldValue());
            setOptional(s, 8, entry.newValue());
            s.setString(9, PgText.encode(entry.outcome()));
            if (entry.pinsBefore().isEmpty()) {
              s.setNull(10, Types.VARCHAR);
            } else {
              s.setString(10, JsonColumns.writePinsBefore(entry.pinsBefore()));
            }
          });
    }
    batch(connection, "INSERT INTO pending (instance, seq, operation, since, reason) VALUES (?, ?, ?, ?, ?)"
        + " ON CONFLICT (instance, seq) DO UPDATE SET operation = excluded.operation, since = excluded.since,"
        + " reason = excluded.reason", changes.putPending(), (s, delivery) -> {
          s.setString(1, PgText.encode(delivery.instance()));
          s.setLong(2, delivery.seq());
          s.setString(3, JsonColumns.writeOperation(delivery.operation()));
          s.setLong(4, delivery.since().toEpochMilli());
          s.setString(5, PgText.encode(delivery.reason()));
        });
    // after the other writes (the SPI's order); never deleted, and no foreign key: a rollout outlives its cluster
    batch(connection, "INSERT INTO rollouts (id, cluster, state, document) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET cluster = excluded.cluster, state = excluded.state,"
        + " document = excluded.document", changes.putRollouts(), (s, rollout) -> {
          s.setString(1, PgText.encode(rollout.id()));
          s.setString(2, PgText.encode(rollout.cluster()));
          s.setString(3, PgText.encode(rollout.state()));
          s.setString(4, PgText.encode(rollout.document()));
        });
    if (movesRegistry(changes)) {
      long seq = bump(connection, "change_seq", 1);
      try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
        notify.setString(1, Long.toString(seq));
        notify.execute();
      }
    }
  }

  /**
   * Whether a batch changes what a follower's tree holds: nodes, pins or rollouts (a follower lists rollouts and
   * their progress, so every rollout record written moves the change sequence too).
   */
  static boolean movesRegistry(StoreChanges changes) {
    return !changes.putNodes().isEmpty() || !changes.deleteNodes().isEmpty() || !changes.putPins().isEmpty()
        || !changes.deletePins().isEmpty() || !changes.putRollouts().isEmpty();
  }

  private static long bump(Connection connection, String counter, int by) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(
        "UPDATE counters SET " + counter + " = " + counter + " + ? WHERE id = 1 RETURNING " + counter)) {
      update.setInt(1, by);
      try (ResultSet rows = update.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private interface Binder<T> {
    void bind(PreparedStatement statement, T value) throws SQLException;
  }

  private static <T> void batch(Connection connection, String sql, List<T> values, Binder<T> binder)
      throws SQLException {
    if (values.isEmpty()) {
      return;
    }
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (T value : values) {
        binder.bind(statement, value);
        statement.addBatch();
      }
      statement.executeBatch();
    }
  }

  private static void bindNode(PreparedStatement s, NodeRecord record) throws SQLException {
    Node node = record.node();
    s.setString(1, PgText.encode(node.id()));
    s.setString(3, PgText.encode(node.name()));
    s.setString(4, PgText.encode(node.description()));
    s.setString(5, JsonColumns.writeMap(node.labels()));
    if (node instanceof Instance instance) {
      s.setString(2, KIND_INSTANCE);
      s.setString(6, PgText.encode(instance.endpoint().toString()));
      s.setString(7, PgText.encode(instance.transport()));
      s.setString(8, PgText.encode(instance.visibility()));
    } else {
      s.setString(2, KIND_CLUSTER);
      s.setNull(6, Types.VARCHAR);
      s.setNull(7, Types.VARCHAR);
      s.setNull(8, Types.VARCHAR);
    }
    setOptional(s, 9, record.parent());
  }

  private static void setOptional(PreparedStatement s, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      s.setString(index, PgText.encode(value.get()));
    } else {
      s.setNull(index, Types.VARCHAR);
    }
  }

  private static String text(ResultSet rows, int column) throws SQLException {
    return PgText.decode(rows.getString(column));
  }

  private static void rollback(Connection connection, Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  // ------------------------------------------------------------------------------------------- several daemons

  @Override
  public AutoCloseable watch(LongConsumer listener, Duration pollEvery) {
    ensureOpen();
    ChangeWatcher watcher = new ChangeWatcher(location, withTimeouts(location), listener, pollEvery);
    watcher.start();
    return watcher;
  }

  @Override
  public OptionalLong lead(String member, Duration leaseLength) {
    Objects.requireNonNull(member, "member");
    ensureOpen();
    try (Connection connection = pool.getConnection();
         PreparedStatement update = connection.prepareStatement("UPDATE leadership SET"
             + " epoch = CASE WHEN holder = ? THEN epoch ELSE epoch + 1 END, holder = ?,"
             + " expires = clock_timestamp() + make_interval(secs => ?)"
             + " WHERE id = 1 AND (holder = ? OR holder IS NULL OR expires <= clock_timestamp()) RETURNING epoch")) {
      update.setString(1, member);
      update.setString(2, member);
      update.setDouble(3, leaseLength.toMillis() / 1000.0);
      update.setString(4, member);
      try (ResultSet rows = update.executeQuery()) {
        if (rows.next()) {
          long epoch = rows.getLong(1);
          lease = new Lease(member, epoch);
          return OptionalLong.of(epoch);
        }
      }
      lease = null;
      return OptionalLong.empty();
    } catch (SQLException e) {
      throw failure("cannot renew the leadership lease in the PostgreSQL store", e);
    }
  }

  @Override
  public void resign(String member) {
    ensureOpen();
    lease = null;
    try (Connection connection = pool.getConnection();
         PreparedStatement update = connection.prepareStatement(
             "UPDATE leadership SET holder = NULL, expires = '-infinity' WHERE id = 1 AND holder = ?")) {
      update.setString(1, member);
      update.executeUpdate();
    } catch (SQLException e) {
      throw failure("cannot give up the leadership lease in the PostgreSQL store", e);
    }
  }

  @Override
  public void heartbeat(MemberRecord member) {
    ensureOpen();
    try (Connection connection = pool.getConnection();
         PreparedStatement upsert = connection.prepareStatement("INSERT INTO members"
             + " (id, address, role, applied_seq, heartbeat) VALUES (?, ?, ?, ?, clock_timestamp())"
             + " ON CONFLICT (id) DO UPDATE SET address = excluded.address, role = excluded.role,"
             + " applied_seq = excluded.applied_seq, heartbeat = excluded.heartbeat");
         Statement prune = connection.createStatement()) {
      upsert.setString(1, PgText.encode(member.id()));
      upsert.setString(2, PgText.encode(member.address()));
      upsert.setString(3, member.role());
      upsert.setLong(4, member.appliedSeq());
      upsert.executeUpdate();
      prune.executeUpdate("DELETE FROM members WHERE heartbeat < clock_timestamp() - interval '10 minutes'");
    } catch (SQLException e) {
      throw failure("cannot write the heartbeat to the PostgreSQL store", e);
    }
  }

  @Override
  public List<MemberRecord> members() {
    ensureOpen();
    try (Connection connection = pool.getConnection();
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT m.id, m.address,"
             + " CASE WHEN l.holder = m.id AND l.expires > clock_timestamp() THEN 'leader' ELSE 'follower' END,"
             + " m.applied_seq, m.heartbeat FROM members m LEFT JOIN leadership l ON l.id = 1 ORDER BY m.id")) {
      List<MemberRecord> members = new ArrayList<>();
      while (rows.next()) {
        members.add(new MemberRecord(text(rows, 1), text(rows, 2), rows.getString(3), rows.getLong(4),
            rows.getTimestamp(5).toInstant()));
      }
      return List.copyOf(members);
    } catch (SQLException e) {
      throw failure("cannot read the members from the PostgreSQL store", e);
    }
  }

  // -------------------------------------------------------------------------------------------- sessions

  @Override
  public void putSession(SessionRecord session) {
    onStatement("INSERT INTO sessions (id_hash, principal, opened, used) VALUES (?, ?, ?, ?) ON CONFLICT (id_hash)"
        + " DO UPDATE SET principal = excluded.principal, opened = excluded.opened, used = excluded.used",
        "cannot write the session to the PostgreSQL store", s -> {
          s.setString(1, session.idHash());
          s.setString(2, PgText.encode(session.principal()));
          s.setLong(3, session.opened().toEpochMilli());
          s.setLong(4, session.used().toEpochMilli());
          return s.executeUpdate();
        });
  }

  @Override
  public Optional<SessionRecord> session(String idHash) {
    return onStatement("SELECT principal, opened, used FROM sessions WHERE id_hash = ?",
        "cannot read the session from the PostgreSQL store", s -> {
          s.setString(1, idHash);
          try (ResultSet rows = s.executeQuery()) {
            return rows.next() ? Optional.of(new SessionRecord(idHash, text(rows, 1),
                Instant.ofEpochMilli(rows.getLong(2)), Instant.ofEpochMilli(rows.getLong(3)))) : Optional.empty();
          }
        });
  }

  @Override
  public void touchSession(String idHash, Instant used) {
    onStatement("UPDATE sessions SET used = ? WHERE id_hash = ? AND used < ?",
        "cannot record the use of the session in the PostgreSQL store", s -> {
          s.setLong(1, used.toEpochMilli());
          s.setString(2, idHash);
          s.setLong(3, used.toEpochMilli());
          return s.executeUpdate();
        });
  }

  @Override
  public boolean deleteSession(String idHash) {
    return onStatement("DELETE FROM sessions WHERE id_hash = ?",
        "cannot delete the session from the PostgreSQL store", s -> {
          s.setString(1, idHash);
          return s.executeUpdate() > 0;
        });
  }

  @Override
  public int deleteSessionsBefore(Instant usedBefore, Instant openedBefore) {
    return onStatement("DELETE FROM sessions WHERE used < ? OR opened < ?",
        "cannot delete the expired sessions from the PostgreSQL store", s -> {
          s.setLong(1, usedBefore.toEpochMilli());
          s.setLong(2, openedBefore.toEpochMilli());
          return s.executeUpdate();
        });
  }

  /** Work on one prepared statement of a pooled connection. */
  private interface StatementWork<T> {
    T on(PreparedStatement statement) throws SQLException;
  }

  /** Runs one statement outside any batch; a failure is {@link #failure} with {@code what}. */
  private <T> T onStatement(String sql, String what, StatementWork<T> work) {
    ensureOpen();
    try (Connection connection = pool.getConnection();
         PreparedStatement statement = connection.prepareStatement(sql)) {
      return work.on(statement);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  // ------------------------------------------------------------------------------------------- lifecycle

  /** Closes the pool; further calls fail. Does not give up a lease (it expires). Idempotent. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      lease = null;
      pool.close();
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "PostgresStore[" + location.description() + "]";
  }

  private void ensureOpen() {
    if (closed) {
      throw ClusterdException.of(ErrorCode.STORE_FAILURE, "the PostgreSQL store at " + location.description()
          + " is closed", Map.of("store", location.description()));
    }
  }

  /** A lost connection is {@code UNAVAILABLE} (the daemon is cut off), every other error {@code STORE_FAILURE}. */
  private ClusterdException failure(String what, Exception e) {
    Map<String, Object> details = Map.of("store", location.description());
    if (isConnectionLoss(e)) {
      return new ClusterdException(ErrorCode.UNAVAILABLE, what + " at " + location.description()
          + ": the database cannot be reached (" + rootMessage(e) + ")", details, e);
    }
    return new ClusterdException(ErrorCode.STORE_FAILURE, what + " at " + location.description() + ": "
        + rootMessage(e), details, e);
  }

  static boolean isConnectionLoss(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException || t instanceof java.net.SocketException
          || t instanceof java.io.EOFException || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      if (t.getMessage() != null && !(t instanceof RuntimeException && t.getCause() instanceof SQLException)) {
        break;
      }
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }
}

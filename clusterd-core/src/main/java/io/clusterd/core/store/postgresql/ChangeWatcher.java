package io.clusterd.core.store.postgresql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread behind {@link PostgresStore#watch}: one connection of its own that {@code LISTEN}s on the change
 * channel and, on each notification or after {@code pollEvery} without one, reads the change sequence and hands it
 * on. When the connection breaks it connects again every {@code pollEvery}; changes made meanwhile are seen by the
 * first read after it is back.
 */
final class ChangeWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeWatcher.class);

  private final PgLocation location;
  private final Properties properties;
  private final LongConsumer listener;
  private final int pollMillis;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Connection connection;

  ChangeWatcher(PgLocation location, Properties properties, LongConsumer listener, Duration pollEvery) {
    this.location = location;
    this.properties = properties;
    this.listener = listener;
    this.pollMillis = (int) Math.max(10, pollEvery.toMillis());
    this.thread = new Thread(this::run, "clusterd-change-watcher");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    boolean warned = false;
    while (running) {
      try {
        if (connection == null) {
          connection = DriverManager.getConnection(location.jdbcUrl(), properties);
          try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN " + PostgresStore.CHANNEL);
          }
          if (warned) {
            LOG.info("store {}: change notifications are back", location.description());
            warned = false;
          }
        }
        listener.accept(PostgresStore.changeSeq(connection));
        connection.unwrap(PGConnection.class).getNotifications(pollMillis);
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          break;
        }
        if (!warned) {
          LOG.warn("store {}: lost the change notifications, trying again every {} ms: {}", location.description(),
              pollMillis, PostgresStore.rootMessage(e));
          warned = true;
        }
        closeConnection();
        try {
          Thread.sleep(pollMillis);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    closeConnection();
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // already broken
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }
}

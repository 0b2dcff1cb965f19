package io.clusterd.core.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The stores' one mechanism of versioned schemas: an ordered list of steps, each bringing the schema from
 * {@code version - 1} to {@code version}, applied all in one transaction so a database is always at exactly one
 * known version. Where the version is kept differs per database ({@link VersionMark}); released steps are never
 * edited, only new ones appended.
 */
public final class SchemaMigrations {

  /** One step from {@code version - 1} to {@code version}. */
  public record Step(int version, String description, List<String> statements) {
    public Step {
      statements = List.copyOf(statements);
    }
  }

  /** Where a database keeps its schema version (0 for a new, empty database). */
  public interface VersionMark {
    int read(Connection connection) throws SQLException;

    void write(Connection connection, int version) throws SQLException;
  }

  private final List<Step> steps;
  private final VersionMark mark;

  /** @throws IllegalArgumentException when the steps are not numbered 1, 2, 3, ... */
  public SchemaMigrations(List<Step> steps, VersionMark mark) {
    this.steps = List.copyOf(steps);
    this.mark = mark;
    for (int i = 0; i < this.steps.size(); i++) {
      if (this.steps.get(i).version() != i + 1) {
        throw new IllegalArgumentException("migration steps must be numbered 1, 2, 3, ...: step " + (i + 1)
            + " has version " + this.steps.get(i).version());
      }
    }
  }

  public List<Step> steps() {
    return steps;
  }

  /** The version this code writes and understands. */
  public int latest() {
    return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).version();
  }

  public int version(Connection connection) throws SQLException {
    return mark.read(connection);
  }

  /**
   * Brings the schema from its current version up to {@code target} in one transaction.
   *
   * @param connection a connection in auto-commit mode; it is in auto-commit mode again on return
   * @param beforeReading statements run first in the transaction (e.g. a lock that keeps two processes from
   *     migrating at once)
   * @return the version found before migrating
   * @throws IllegalStateException when the database is newer than {@code target}
   */
  public int migrate(Connection connection, int target, List<String> beforeReading) throws SQLException {
    connection.setAutoCommit(false);
    try {
      try (Statement statement = connection.createStatement()) {
        for (String sql : beforeReading) {
          statement.execute(sql);
        }
      }
      int found = mark.read(connection);
      if (found > target) {
        throw new IllegalStateException("schema version " + found + " is newer than " + target);
      }
      try (Statement statement = connection.createStatement()) {
        for (Step step : steps) {
          if (step.version() > found && step.version() <= target) {
            for (String sql : step.statements()) {
              statement.executeUpdate(sql);
            }
          }
        }
      }
      if (target != found) {
        mark.write(connection, target);
      }
      connection.commit();
      return found;
    } catch (SQLException | RuntimeException e) {
      try {
        connection.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }
}

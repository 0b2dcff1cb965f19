/**
 * The default durable registry store: {@link io.clusterd.core.store.sqlite.SqliteStore}, one embedded SQLite
 * database file ({@code clusterd.db}) in the daemon's data directory, with a versioned schema migrated at open.
 *
 * <pre>{@code
 * try (SqliteStore store = SqliteStore.open(Path.of("/var/lib/clusterd"))) {
 *   StoreSnapshot snapshot = store.load();
 * }
 * }</pre>
 */
package io.clusterd.core.store.sqlite;

/**
 * The PostgreSQL store: the registry in one PostgreSQL database that several clusterd daemons share, with the
 * change sequence, the leadership lease and the member list of {@link io.clusterd.spi.SharedRegistryStore}. Its
 * driver and connection pool load only when such a store is opened.
 */
package io.clusterd.core.store.postgresql;

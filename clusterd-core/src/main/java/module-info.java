/**
 * clusterd's engine behind the {@link io.clusterd.core.Clusterd} facade: the facade and its value types, the
 * Guice wiring, the stores and the built-in transports are API; {@code io.clusterd.core.internal} is not exported.
 * Guice is needed only by {@code io.clusterd.core.guice}: a plain-Java embedder leaves it out.
 */
module io.clusterd.core {
  requires transitive io.clusterd;
  requires static com.google.guice;
  requires com.fasterxml.jackson.databind;
  requires java.net.http;
  requires java.sql;
  requires org.slf4j;
  requires org.xerial.sqlitejdbc;
  requires org.postgresql.jdbc;
  requires com.zaxxer.hikari;

  exports io.clusterd.core;
  exports io.clusterd.core.guice;
  exports io.clusterd.core.store.memory;
  exports io.clusterd.core.store.postgresql;
  exports io.clusterd.core.store.sqlite;
  exports io.clusterd.core.transport.http;
  exports io.clusterd.core.transport.mem;

  opens io.clusterd.core.guice to com.google.guice;

  uses io.clusterd.spi.TransportFactory;

  provides io.clusterd.spi.TransportFactory with
      io.clusterd.core.transport.http.HttpTransportFactory,
      io.clusterd.core.transport.mem.MemTransportFactory;
}

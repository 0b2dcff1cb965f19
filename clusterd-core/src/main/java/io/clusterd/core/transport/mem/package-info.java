/**
 * The {@code mem} transport: instances whose key database lives in this JVM, for tests, demos and benchmarks.
 * {@link io.clusterd.core.transport.mem.MemTransportFactory} serves {@code mem://<name>} endpoints and hands
 * out each host's {@link io.clusterd.core.transport.mem.KeyDatabase}, a thread-safe model of an elektrad
 * 0.11.0 key database.
 *
 * <pre>{@code
 * MemTransportFactory mem = new MemTransportFactory();
 * Transport t = mem.create(TransportConfig.of("web-1", Endpoint.parse("mem://web-1")));
 * t.set(KeyName.parse("user:/app/port"), "8080").join();
 * mem.database("web-1").get(KeyName.parse("user:/app/port"));  // Optional[Entry[value=8080, meta={}]]
 * }</pre>
 */
package io.clusterd.core.transport.mem;

/**
 * A stand-in for Elektra's REST daemon {@code elektrad} 0.11.0, serving in-memory
 * {@link io.clusterd.core.transport.mem.KeyDatabase}s over the real daemon's protocol, quirks included:
 * demo instances, tests of the elektrad transport over real sockets, and benchmarks with many instances on
 * one server.
 *
 * <pre>{@code
 * try (ElektradServer elektrad = ElektradServer.start("127.0.0.1", 0, new KeyDatabase())) {
 *   Transport t = new HttpTransportFactory().create(
 *       TransportConfig.of("demo", Endpoint.parse(elektrad.url().toString())));
 *   t.set(KeyName.parse("user:/app/port"), "8080").join();
 * }
 * }</pre>
 */
package io.clusterd.http.elektrad;

/**
 * The elektrad transport: instances reached over HTTP(S) through Elektra's REST daemon {@code elektrad}
 * (0.11), the default way clusterd talks to a host. {@link io.clusterd.core.transport.http.HttpTransportFactory}
 * serves the {@code http} and {@code https} schemes; the endpoint may carry a base path when elektrad sits
 * behind a reverse proxy ({@code https://gw.example/elektrad/web-1}).
 *
 * <pre>{@code
 * try (HttpTransportFactory http = new HttpTransportFactory();
 *      Transport t = http.create(TransportConfig.of("web-1", Endpoint.parse("http://10.0.0.5:33333")))) {
 *   t.set(KeyName.parse("user:/app/port"), "8080").join();
 *   t.lookup(KeyName.parse("user:/app"), 0).join().ls();   // [user:/app/port]
 * }
 * }</pre>
 *
 * <p>The protocol, with the real daemon's quirks this transport works around, is described in the design
 * document {@code docs/elektrad.md}.
 */
package io.clusterd.core.transport.http;

/**
 * API: the daemon, {@link io.clusterd.http.ClusterdServer} (the REST API and web client over a
 * {@link io.clusterd.core.Clusterd}), its settings ({@link io.clusterd.http.ServerConfig}), its Guice module and
 * the command line ({@link io.clusterd.http.Main}).
 *
 * <pre>{@code
 * try (ClusterdServer server = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
 *   System.out.println("listening on " + server.port());
 * }
 * }</pre>
 */
package io.clusterd.http;

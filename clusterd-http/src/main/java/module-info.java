/**
 * The clusterd daemon: {@link io.clusterd.http.ClusterdServer} (REST API, web client, authentication, metrics)
 * and its command line are API, as is the stand-in elektrad of {@code io.clusterd.http.elektrad} (demo instances,
 * the {@code instance} command, tests); {@code io.clusterd.http.internal} (routes, bodies, error answers) is not
 * exported.
 */
module io.clusterd.http {
  requires transitive io.clusterd.core;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires com.google.guice;
  requires info.picocli;
  requires io.javalin;
  requires java.logging;
  requires java.net.http;
  requires jdk.unsupported;
  requires org.eclipse.jetty.alpn.server;
  requires org.eclipse.jetty.http2.common;
  requires org.eclipse.jetty.http2.server;
  requires micrometer.core;
  requires micrometer.registry.prometheus;
  requires org.slf4j;

  exports io.clusterd.http;
  exports io.clusterd.http.elektrad;

  opens io.clusterd.http to com.google.guice, info.picocli;
  opens io.clusterd.http.cli to info.picocli;
  opens io.clusterd.http.internal to com.fasterxml.jackson.databind;

  uses io.clusterd.spi.TransportFactory;
}

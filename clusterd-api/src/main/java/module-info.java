/**
 * clusterd's public model and SPIs, with no dependency beyond the JDK: the tree ({@link io.clusterd.Node},
 * {@link io.clusterd.Cluster}, {@link io.clusterd.Instance}), Elektra key names, results and errors in
 * {@code io.clusterd}; the transport and store SPIs a plugin implements in {@code io.clusterd.spi}.
 *
 * <pre>{@code
 * module com.example.transport {
 *   requires io.clusterd;
 *   provides io.clusterd.spi.TransportFactory with com.example.FooTransportFactory;
 * }
 * }</pre>
 */
module io.clusterd {
  exports io.clusterd;
  exports io.clusterd.spi;
}

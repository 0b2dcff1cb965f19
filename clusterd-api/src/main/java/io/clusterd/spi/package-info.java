/**
 * The service provider interfaces of clusterd: {@link io.clusterd.spi.TransportFactory} and
 * {@link io.clusterd.spi.Transport} to reach an instance's key database, and {@link io.clusterd.spi.RegistryStore}
 * where the core keeps its registry. Implement these to extend clusterd; they need only {@code clusterd-api}.
 */
package io.clusterd.spi;

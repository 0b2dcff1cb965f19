/**
 * API: Guice wiring of the engine, {@link io.clusterd.core.guice.ClusterdModule} and
 * {@link io.clusterd.core.guice.TransportBinder}. The only package that needs Guice: add it to your build when
 * you use this package.
 *
 * <pre>{@code
 * Clusterd clusterd = Guice.createInjector(new ClusterdModule()).getInstance(Clusterd.class);
 * }</pre>
 */
package io.clusterd.core.guice;

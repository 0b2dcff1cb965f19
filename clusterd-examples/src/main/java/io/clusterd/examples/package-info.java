/**
 * Runnable examples of clusterd, each a small program with a {@code main} whose output a test checks:
 * {@link io.clusterd.examples.EmbeddingExample} (the library with its builder, the embedded database store and
 * in-memory hosts), {@link io.clusterd.examples.GuiceExample} (the same wired by Guice, overriding bindings) and
 * {@link io.clusterd.examples.ElektradClusterExample} (running {@code elektrad} daemons managed as one cluster).
 * The sample transport plugin lives in {@link io.clusterd.examples.transport}.
 *
 * <pre>{@code
 * mvn -q -pl clusterd-examples dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp clusterd-examples/target/classes:$(cat clusterd-examples/cp.txt) io.clusterd.examples.EmbeddingExample
 * }</pre>
 */
package io.clusterd.examples;

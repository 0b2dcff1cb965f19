/**
 * The public model of clusterd: the tree ({@link io.clusterd.Node}, {@link io.clusterd.Cluster},
 * {@link io.clusterd.Instance}), Elektra key names ({@link io.clusterd.KeyName}), pins, results of lookups and
 * fan-outs, and the one exception type {@link io.clusterd.ClusterdException} with its stable
 * {@link io.clusterd.ErrorCode}s. No nulls cross this API; absent values are {@link java.util.Optional}.
 */
package io.clusterd;

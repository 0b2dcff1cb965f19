package io.clusterd;

/**
 * The version an instance reports: the protocol level ({@code api}) and the Elektra version of the host
 * (elektrad answers {@code {"api":1,"elektra":{"version":"0.11.0","major":0,"minor":11,"micro":0}}}).
 *
 * <p>Immutable and thread-safe.
 */
public record InstanceVersion(int api, String elektra, int major, int minor, int micro) {
  public InstanceVersion {
    elektra = elektra == null ? "" : elektra;
  }
}

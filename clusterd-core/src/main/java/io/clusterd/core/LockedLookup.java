package io.clusterd.core;

import io.clusterd.LookupResult;
import java.util.Map;

/**
 * An instance's lookup result together with the keys at or below the looked-up key that ancestor clusters lock
 * (canonical key name to locking cluster id).
 *
 * <p>Immutable and thread-safe.
 */
public record LockedLookup(LookupResult result, Map<String, String> locks) {
  public LockedLookup {
    locks = Map.copyOf(locks);
  }
}

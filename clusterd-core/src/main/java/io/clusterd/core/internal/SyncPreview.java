package io.clusterd.core.internal;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Drift;
import io.clusterd.core.Plan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Narrows the plan of a sync to what the live values call for: per instance, only the writes that would change
 * something (a missing key, another value, pinned metadata that is missing or differs). An instance whose drift is
 * unknown (it did not answer) keeps every write. The sync itself still re-applies every effective pin.
 */
public final class SyncPreview {
  private SyncPreview() { }

  /** {@code drift}: per instance that answered, what differs (an empty list: nothing). */
  public static Plan narrow(Plan sync, Map<String, List<Drift>> drift) {
    List<Plan.InstanceChanges> kept = new ArrayList<>();
    for (Plan.InstanceChanges c : sync.changes()) {
      List<Drift> found = drift.get(c.instance());
      if (found == null) {
        kept.add(c);
        continue;
      }
      Map<KeyName, Drift> byKey = new HashMap<>();
      found.forEach(d -> byKey.put(d.key(), d));
      List<KeyOperation> ops = c.operations().stream().filter(op -> changes(op, byKey.get(op.key()))).toList();
      if (!ops.isEmpty()) {
        kept.add(new Plan.InstanceChanges(c.instance(), c.host(), ops));
      }
    }
    return new Plan(sync.conflicts(), kept);
  }

  private static boolean changes(KeyOperation op, Drift d) {
    if (d == null) {
      return false;
    }
    return switch (op.kind()) {
      case SET -> d.actual().isEmpty() || !d.actual().equals(op.value());
      case SET_META -> !Objects.equals(Optional.ofNullable(d.actualMeta().get(op.metaName().orElseThrow())), op.value());
      default -> true;
    };
  }
}

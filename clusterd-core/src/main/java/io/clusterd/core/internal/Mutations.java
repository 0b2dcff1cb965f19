package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Instance;
import io.clusterd.KeyOperation;
import io.clusterd.core.Plan;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.StoreChanges;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** What the facade does with a prepared {@link Mutation}: refuse, describe, number and persist its sends. */
public final class Mutations {

  /** One operation for one instance; {@code seq > 0} when it is durable desired state. */
  public record Send(Instance instance, KeyOperation operation, long seq) { }

  private Mutations() { }

  public static void refuseIfConflicting(Mutation m) {
    if (m.refused()) {
      throw ClusterdException.refused(m.conflicts);
    }
  }

  public static Plan plan(Mutation m, Registry registry) {
    List<Plan.InstanceChanges> changes = new ArrayList<>();
    for (Map.Entry<String, List<KeyOperation>> e : m.sends.entrySet()) {
      changes.add(new Plan.InstanceChanges(e.getKey(), registry.instance(e.getKey()).endpoint().toString(),
          e.getValue()));
    }
    return new Plan(m.conflicts, changes);
  }

  public static List<Send> sends(Mutation m, Registry registry, AtomicLong seq, Instant now) {
    List<Send> out = new ArrayList<>();
    for (Map.Entry<String, List<KeyOperation>> e : m.sends.entrySet()) {
      Instance i = registry.instance(e.getKey());
      for (KeyOperation op : e.getValue()) {
        out.add(new Send(i, op, m.durableSends ? seq.incrementAndGet() : 0));
      }
    }
    return out;
  }

  public static void addPending(Mutation m, List<Send> sends, Instant now) {
    for (Send s : sends) {
      if (s.seq() > 0) {
        m.store.putPending(new PendingDelivery(s.instance().id(), s.seq(), s.operation(), now, ""));
      }
    }
  }

  public static StoreChanges storeChanges(Mutation m) {
    return m.store.build();
  }

  public static Optional<String> resultNode(Mutation m) {
    return m.resultNode;
  }
}

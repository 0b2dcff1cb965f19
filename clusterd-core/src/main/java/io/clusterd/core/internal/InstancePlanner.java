package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.Instance;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.NodeUpdate;
import io.clusterd.spi.NodeRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Plans registering, editing and unregistering instances (C7). */
final class InstancePlanner {
  private final Tree tree;
  private final ConflictRules rules;
  private final Supplier<String> ids;

  InstancePlanner(Tree tree, ConflictRules rules, Supplier<String> ids) {
    this.tree = tree;
    this.rules = rules;
    this.ids = ids;
  }

  void register(Draft d, InstanceSpec spec) {
    Optional<Instance> admitted = admit(d, spec);
    if (admitted.isEmpty()) {
      return;
    }
    add(d, admitted.get());
    d.result(admitted.get().id());
  }

  /**
   * Registers every instance of {@code specs} or none: each element is checked against the tree and against the
   * elements before it (ids, endpoints), every conflict carries the element's {@code index}.
   */
  void registerAll(Draft d, List<InstanceSpec> specs) {
    List<Instance> admitted = new ArrayList<>(specs.size());
    List<Conflict> refused = new ArrayList<>();
    Map<String, Integer> ids = new HashMap<>();
    Map<Endpoint, Integer> hosts = new HashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      Draft one = new Draft(Instant.EPOCH, Optional.empty());
      Optional<Instance> instance = admit(one, specs.get(i));
      List<Conflict> found = new ArrayList<>(one.conflicts());
      if (instance.isPresent()) {
        Instance in = instance.get();
        Integer sameId = ids.putIfAbsent(in.id(), i);
        if (sameId != null) {
          found.add(Conflict.of(ErrorCode.ID_ALREADY_EXISTS, "id '" + in.id() + "' is also the id of instance ["
              + sameId + "] of the body: give each instance its own id", Map.of("id", in.id(), "sameAs", sameId)));
        }
        Integer sameHost = hosts.putIfAbsent(in.endpoint(), i);
        if (sameHost != null) {
          found.add(Conflict.of(ErrorCode.HOST_DOES_ALREADY_EXIST, "host " + in.endpoint()
              + " is also the host of instance [" + sameHost + "] of the body: register each host once",
              Map.of("host", in.endpoint().toString(), "sameAs", sameHost)));
        }
        admitted.add(in);
      }
      for (Conflict c : found) {
        refused.add(indexed(c, i));
      }
    }
    if (d.refuse(refused)) {
      return;
    }
    for (Instance instance : admitted) {
      add(d, instance);
    }
    d.results(admitted.stream().map(Instance::id).toList());
  }

  /** The instance a spec describes, if the tree takes it (C7, a free id); otherwise the draft is refused. */
  private Optional<Instance> admit(Draft d, InstanceSpec spec) {
    Instance instance;
    try {
      if (spec.host().isBlank()) {
        throw ClusterdException.of(ErrorCode.HOST_MISSING,
            "the instance host is missing: give its endpoint URI, e.g. http://10.0.0.5:33333");
      }
      Endpoint endpoint = Endpoint.parse(spec.host());
      instance = new Instance(spec.id().orElseGet(ids), spec.name(), spec.description(), spec.labels(), endpoint,
          spec.transport().orElse(null), spec.visibility());
    } catch (ClusterdException e) {
      d.refuse(e.conflicts());
      return Optional.empty();
    }
    if (tree.contains(instance.id())) {
      d.refuse(Refusals.idTaken(instance.id()));
    }
    if (d.refuse(rules.c7HostTaken(instance.endpoint(), Optional.empty()))) {
      return Optional.empty();
    }
    return Optional.of(instance);
  }

  private static void add(Draft d, Instance instance) {
    d.store().putNode(new NodeRecord(instance, Optional.empty()));
    d.history(instance.id(), "register-instance", Optional.empty(), Optional.empty(),
        Optional.of(instance.endpoint().toString()));
    d.edit(t -> t.add(instance, Optional.empty()));
  }

  /** A conflict of element {@code index} of a bulk registration: its message and details name the element. */
  static Conflict indexed(Conflict c, int index) {
    Map<String, Object> details = new LinkedHashMap<>(c.details());
    details.put("index", index);
    return Conflict.of(c.code(), "instance [" + index + "]: " + c.message(), details);
  }

  /** Edits an instance's fields; {@code parentAfter} is where it is once the whole change is applied. */
  void update(Draft d, String id, NodeUpdate update, Optional<String> parentAfter) {
    Optional<Instance> current = tree.instance(id);
    if (current.isEmpty()) {
      d.refuse(Refusals.instanceMissing(id));
      return;
    }
    Instance old = current.get();
    Instance updated;
    try {
      Endpoint endpoint = update.host().isPresent() ? Endpoint.parse(update.host().get()) : old.endpoint();
      updated = new Instance(id, update.name().orElse(old.name()), update.description().orElse(old.description()),
          update.labels().orElse(old.labels()), endpoint,
          update.host().isPresent() ? endpoint.scheme() : old.transport(), old.visibility());
    } catch (ClusterdException e) {
      d.refuse(e.conflicts());
      return;
    }
    if (d.refuse(rules.c7HostTaken(updated.endpoint(), Optional.of(id)))) {
      return;
    }
    d.store().putNode(new NodeRecord(updated, parentAfter));
    d.history(id, "update-instance", Optional.empty(), Optional.of(old.endpoint().toString()),
        Optional.of(updated.endpoint().toString()));
    d.edit(t -> t.replace(updated));
    if (update.host().isPresent()) {
      d.rebinds(id);
    }
    d.result(id);
  }

  void unregister(Draft d, String id) {
    Optional<Instance> i = tree.instance(id);
    if (i.isEmpty()) {
      d.refuse(Refusals.instanceMissing(id));
      return;
    }
    // the store drops the instance's outbox rows with its node, in the same transaction
    d.store().deleteNode(id);
    d.history(id, "unregister-instance", Optional.empty(), Optional.of(i.get().endpoint().toString()),
        Optional.empty());
    d.edit(t -> t.remove(id));
    d.removes(id);
  }
}

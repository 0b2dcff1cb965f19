package io.clusterd.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.clusterd.ClusterdException;
import io.clusterd.Conflict;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Change;
import io.clusterd.core.ChangeResult;
import io.clusterd.core.Clusterd;
import io.clusterd.core.Plan;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The key routes, the same for instances and clusters: lookup, set, delete, move, copy, metadata and find. On an
 * instance they go to its key database (C1); on a cluster they read and write its pins and fan out (C2, C3).
 *
 * <p>As the original web daemon, an instance's move, copy and metadata writes answer {@code 204} with no body; its
 * set and delete answer a JSON body. Cluster writes answer the fan-out result, which the web client shows.
 */
final class KeyRoutes {
  /** {@code POST} and {@code DELETE .../kdbMeta/{path}}: {@code value: null} (or none) removes the metadata. */
  record Meta(
      @Doc(value = "the metadata name, e.g. check/type", required = true) String key,
      @Doc("the value; null or absent removes the metadata") String value) { }

  /** {@code POST .../kdbMetaBulk/{path}}: the key and its metadata entries in the order of the body. */
  private record MetaBulk(KeyName key, Map<String, String> meta) {
    List<KeyOperation> operations() {
      return meta.entrySet().stream().map(e -> KeyOperation.setMeta(key, e.getKey(), e.getValue())).toList();
    }
  }

  private static final String INSTANCE = "/api/instances/{id}";
  private static final String CLUSTER = "/api/clusters/{id}";
  /** Instance writes that answer 204 with no body, as in the original web daemon. */
  private static final Set<KeyOperation.Kind> NO_CONTENT = EnumSet.of(KeyOperation.Kind.MOVE, KeyOperation.Kind.COPY,
      KeyOperation.Kind.SET_META, KeyOperation.Kind.DELETE_META);

  private final Clusterd clusterd;
  private final Nodes nodes;
  private final Changes changes;
  private final ClusterLookup clusterLookup;

  KeyRoutes(Clusterd clusterd, Nodes nodes, Changes changes) {
    this.clusterd = clusterd;
    this.nodes = nodes;
    this.changes = changes;
    this.clusterLookup = new ClusterLookup(clusterd);
  }

  void register(RouteTable r) {
    r.get(INSTANCE + "/kdb", "lookup the root", this::lookupOnInstance).query("preload").answers(200, "Lookup");
    r.get(INSTANCE + "/kdb/<path>", "lookup a key (locked keys marked)", this::lookupOnInstance).query("preload")
        .answers(200, "Lookup");
    writes(r, INSTANCE, "on the instance (C1)", this::writeInstance);
    r.get(INSTANCE + "/kdbFind/<path>", "forwarded find (an RE2 regular expression)", this::find)
        .answers(200, "FindResult");
    r.get(CLUSTER + "/kdb", "the cluster's pins from the root", this::lookupOnCluster).query("members")
        .answers(200, "Lookup");
    r.get(CLUSTER + "/kdb/<path>", "the cluster's pins in lookup shape", this::lookupOnCluster).query("members")
        .answers(200, "Lookup");
    writes(r, CLUSTER, "as pins, fanned out (C2, C3)", this::writeCluster);
  }

  private void writes(RouteTable r, String node, String how, BiConsumer<Context, KeyOperation> write) {
    boolean cluster = node.equals(CLUSTER);
    // an instance answers set and delete with a JSON body, the other writes with 204; a cluster the fan-out result
    java.util.function.UnaryOperator<RouteTable.Described> json = d -> cluster ? d.fanOut().query("force").dryRun()
        : d.answers(200, "WriteOk").dryRun();
    java.util.function.UnaryOperator<RouteTable.Described> none = d -> cluster ? d.fanOut().query("force").dryRun()
        : d.answers(204, "").dryRun();
    json.apply(r.put(node + "/kdb/<path>", "set a value " + how, with(KeyRoutes::set, write)).body("KeyValue"));
    json.apply(r.delete(node + "/kdb/<path>", "delete recursively " + how, with(KeyRoutes::delete, write)));
    none.apply(r.post(node + "/kdbMv/<path>", "move a key and its subtree " + how, with(KeyRoutes::move, write))
        .body("TargetKey"));
    none.apply(r.post(node + "/kdbCp/<path>", "copy a key and its subtree " + how, with(KeyRoutes::copy, write))
        .body("TargetKey"));
    none.apply(r.post(node + "/kdbMeta/<path>", "set metadata (value null removes it) " + how,
        with(KeyRoutes::setMeta, write)).body(Meta.class));
    none.apply(r.delete(node + "/kdbMeta/<path>", "remove metadata " + how, with(KeyRoutes::deleteMeta, write))
        .body(Meta.class));
    none.apply(r.post(node + "/kdbMetaBulk/<path>", "set several metadata entries " + how,
        cluster ? this::metaBulkOnCluster : this::metaBulkOnInstance).body("MetaEntries"));
  }

  /** A handler that reads the operation from the request and hands it to the node's write. */
  private static Handler with(Function<Context, KeyOperation> operation, BiConsumer<Context, KeyOperation> write) {
    return ctx -> write.accept(ctx, operation.apply(ctx));
  }

  // ------------------------------------------------------------------------------------------ reads

  private void lookupOnInstance(Context ctx) {
    String id = nodes.instanceId(ctx);
    KeyName key = Params.keyOrRoot(ctx, "kdb");
    int preload = Params.intParam(ctx, "preload", 0, 0, 9);
    Answers.later(ctx, clusterd.lookupWithLocks(id, key, preload).thenApply(l -> {
      Map<String, Object> body = Json.lookup(l.result());
      body.put("locks", l.locks());
      String own = l.locks().get(key.toString());
      if (own != null) {
        body.put("lockedBy", own);
      }
      return body;
    }));
  }

  private void lookupOnCluster(Context ctx) {
    String id = nodes.clusterId(ctx);
    KeyName key = Params.keyOrRoot(ctx, "kdb");
    if ("true".equals(ctx.queryParam("members"))) {
      Answers.later(ctx, clusterLookup.withMembers(id, key));
    } else {
      Answers.json(ctx, clusterLookup.pins(id, key));
    }
  }

  private void find(Context ctx) {
    Answers.later(ctx, clusterd.find(nodes.instanceId(ctx), Params.rest(ctx, "kdbFind")));
  }

  // ------------------------------------------------------------------------------------------ writes

  private void writeInstance(Context ctx, KeyOperation op) {
    Change c = new Change.WriteInstance(nodes.instanceId(ctx), op);
    if (changes.plannedOnly(ctx, c)) {
      return;
    }
    Answers.later(ctx, changes.apply(ctx, c), (x, res) -> {
      InstanceOutcome o = succeeded(res);
      if (NO_CONTENT.contains(op.kind())) {
        Answers.noContent(x);
      } else {
        Answers.json(x, Map.of("ok", true, "instance", o.instance(), "operation", Json.operation(op),
            "latencyMs", o.latencyMs()));
      }
    });
  }

  /** The outcome of a write to one instance, or its failure thrown for the error table. */
  private static InstanceOutcome succeeded(ChangeResult res) {
    InstanceOutcome o = res.fanOut().results().get(0);
    if (!o.succeeded()) {
      Conflict err = o.error().orElseThrow();
      throw new ClusterdException(err.code(), err.message(), err.details());
    }
    return o;
  }

  /**
   * {@code POST .../kdbMetaBulk/{path}} on an instance: elektrad has no bulk route through which clusterd writes, so
   * the entries are checked together (C0, C1) before any is sent, then sent one by one in the order given; the
   * answer is 204 once all succeeded, or the first failure (later entries are not sent).
   */
  private void metaBulkOnInstance(Context ctx) {
    String id = nodes.instanceId(ctx);
    List<Change> writes = metaEntries(ctx).operations().stream()
        .<Change>map(op -> new Change.WriteInstance(id, op)).toList();
    List<Plan> plans = writes.stream().map(clusterd::plan).toList();
    if (Params.dryRun(ctx)) {
      Answers.json(ctx, Json.plan(merged(plans)));
      return;
    }
    List<Conflict> conflicts = merged(plans).conflicts();
    if (!conflicts.isEmpty()) {
      throw ClusterdException.refused(conflicts);
    }
    Optional<String> actor = Params.actor(ctx);
    CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
    for (Change w : writes) {
      sent = sent.thenCompose(v -> changes.apply(actor, w)).thenAccept(KeyRoutes::succeeded);
    }
    Answers.later(ctx, sent, (x, v) -> Answers.noContent(x));
  }

  /** The plans of several writes to one instance as one: every conflict once, the operations in order. */
  private static Plan merged(List<Plan> plans) {
    Set<Conflict> conflicts = new LinkedHashSet<>();
    Map<String, Plan.InstanceChanges> changes = new LinkedHashMap<>();
    for (Plan p : plans) {
      conflicts.addAll(p.conflicts());
      for (Plan.InstanceChanges c : p.changes()) {
        changes.merge(c.instance(), c, (a, b) -> new Plan.InstanceChanges(a.instance(), a.host(),
            java.util.stream.Stream.concat(a.operations().stream(), b.operations().stream()).toList()));
      }
    }
    return new Plan(List.copyOf(conflicts), List.copyOf(changes.values()));
  }

  /** {@code POST .../kdbMetaBulk/{path}} on a cluster: one change of the pin, fanned out like other cluster writes. */
  private void metaBulkOnCluster(Context ctx) {
    String id = nodes.clusterId(ctx);
    MetaBulk b = metaEntries(ctx);
    changes.fanOut(ctx, new Change.WriteClusterMeta(id, b.key(), b.meta(), Params.force(ctx)));
  }

  /** The body of kdbMetaBulk: a JSON object of metadata names to string values, at least one. */
  private static MetaBulk metaEntries(Context ctx) {
    KeyName key = Params.key(ctx, "kdbMetaBulk");
    JsonNode body = Bodies.object(ctx);
    Map<String, String> meta = new LinkedHashMap<>();
    body.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "'" + e.getKey() + "' must be a string (the metadata value), "
            + "not " + Json.kind(e.getValue()) + "; remove metadata with DELETE .../kdbMeta/{path}",
            Map.of("field", e.getKey()));
      }
      if (e.getKey().isEmpty()) {
        throw ClusterdException.of(ErrorCode.INVALID_BODY, "a metadata name must not be empty", Map.of("field", ""));
      }
      meta.put(e.getKey(), e.getValue().asText());
    });
    if (meta.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "the body names no metadata: send {\"check/type\": \"long\", ...}");
    }
    return new MetaBulk(key, meta);
  }

  private void writeCluster(Context ctx, KeyOperation op) {
    changes.fanOut(ctx, new Change.WriteCluster(nodes.clusterId(ctx), op, Params.force(ctx)));
  }

  // ------------------------------------------------------------------------------------------ operations

  private static KeyOperation set(Context ctx) {
    return KeyOperation.set(Params.key(ctx, "kdb"), Bodies.value(ctx));
  }

  private static KeyOperation delete(Context ctx) {
    return KeyOperation.delete(Params.key(ctx, "kdb"));
  }

  private static KeyOperation move(Context ctx) {
    return KeyOperation.move(Params.key(ctx, "kdbMv"), target(ctx));
  }

  private static KeyOperation copy(Context ctx) {
    return KeyOperation.copy(Params.key(ctx, "kdbCp"), target(ctx));
  }

  private static KeyOperation setMeta(Context ctx) {
    Meta b = Bodies.bind(ctx, Meta.class).value();
    if (b.key() == null || b.key().isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must be {\"key\": \"check/type\", \"value\": \"long\"}");
    }
    return b.value() == null ? KeyOperation.deleteMeta(Params.key(ctx, "kdbMeta"), b.key())
        : KeyOperation.setMeta(Params.key(ctx, "kdbMeta"), b.key(), b.value());
  }

  private static KeyOperation deleteMeta(Context ctx) {
    Meta b = Bodies.bind(ctx, Meta.class).value();
    if (b.key() == null || b.key().isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must be {\"key\": \"check/type\"}");
    }
    return KeyOperation.deleteMeta(Params.key(ctx, "kdbMeta"), b.key());
  }

  /** The target key name of a move or copy: text/plain or a JSON string. */
  private static KeyName target(Context ctx) {
    String t = Bodies.value(ctx).strip();
    if (t.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "the body must name the target key, e.g. user:/app/new");
    }
    return KeyName.parse(t);
  }
}

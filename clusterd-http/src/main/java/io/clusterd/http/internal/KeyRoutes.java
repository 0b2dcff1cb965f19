package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Change;
import io.clusterd.core.Clusterd;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The key routes, the same for instances and clusters: lookup, set, delete, move, copy, metadata and find. On an
 * instance they go to its key database (C1); on a cluster they read and write its pins and fan out (C2, C3).
 */
final class KeyRoutes {
  /** {@code POST} and {@code DELETE .../kdbMeta/{path}}: {@code value: null} (or none) removes the metadata. */
  record Meta(String key, String value) { }

  private static final String INSTANCE = "/api/instances/{id}";
  private static final String CLUSTER = "/api/clusters/{id}";

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
    r.get(INSTANCE + "/kdb", "lookup the root", this::lookupOnInstance);
    r.get(INSTANCE + "/kdb/<path>", "lookup a key (locked keys marked)", this::lookupOnInstance);
    writes(r, INSTANCE, "on the instance (C1)", this::writeInstance);
    r.get(INSTANCE + "/kdbFind/<path>", "forwarded find", this::find);
    r.get(CLUSTER + "/kdb", "the cluster's pins from the root", this::lookupOnCluster);
    r.get(CLUSTER + "/kdb/<path>", "the cluster's pins in lookup shape", this::lookupOnCluster);
    writes(r, CLUSTER, "as pins, fanned out (C2, C3)", this::writeCluster);
  }

  private void writes(RouteTable r, String node, String how, BiConsumer<Context, KeyOperation> write) {
    r.put(node + "/kdb/<path>", "set a value " + how, with(KeyRoutes::set, write));
    r.delete(node + "/kdb/<path>", "delete recursively " + how, with(KeyRoutes::delete, write));
    r.post(node + "/kdbMv/<path>", "move a key and its subtree " + how, with(KeyRoutes::move, write));
    r.post(node + "/kdbCp/<path>", "copy a key and its subtree " + how, with(KeyRoutes::copy, write));
    r.post(node + "/kdbMeta/<path>", "set metadata " + how, with(KeyRoutes::setMeta, write));
    r.delete(node + "/kdbMeta/<path>", "remove metadata " + how, with(KeyRoutes::deleteMeta, write));
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
      var o = res.fanOut().results().get(0);
      if (!o.succeeded()) {
        var err = o.error().orElseThrow();
        throw new ClusterdException(err.code(), err.message(), err.details());
      }
      Answers.json(x, Map.of("ok", true, "instance", o.instance(), "operation", Json.operation(op),
          "latencyMs", o.latencyMs()));
    });
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

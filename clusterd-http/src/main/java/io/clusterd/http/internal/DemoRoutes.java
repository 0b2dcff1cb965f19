package io.clusterd.http.internal;

import io.clusterd.core.Clusterd;
import io.clusterd.http.DemoTree;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The demo mode's own routes, registered only when the daemon runs {@code --demo}: list the stand-ins, take one
 * down and bring it back, so an outage and its repair can be shown. Bringing one back probes its instance, which
 * sends what waits for it at once.
 */
final class DemoRoutes {
  private static final String ONE = "/api/demo/instances/{id}";

  private final Clusterd clusterd;
  private final DemoTree demo;

  DemoRoutes(Clusterd clusterd, DemoTree demo) {
    this.clusterd = clusterd;
    this.demo = demo;
  }

  void register(RouteTable r) {
    r.get("/api/demo", "demo mode only: the stand-in instances, their ports and whether they run", this::list)
        .answers(200, "DemoStandIns");
    r.post(ONE + "/stop", "demo mode only: take a stand-in down (its port refuses connections)", this::stop)
        .query("dryRun").answers(200, "DemoStandIn");
    r.post(ONE + "/start", "demo mode only: bring a stand-in back with its keys", this::start)
        .query("dryRun").answers(200, "DemoStandIn");
  }

  private void list(Context ctx) {
    Answers.json(ctx, Map.of("standIns", demo.describe()));
  }

  private void stop(Context ctx) {
    String id = Params.path(ctx, "id");
    demo.port(id);
    if (!Params.dryRun(ctx)) {
      demo.stop(id);
    }
    Answers.json(ctx, state(id, ctx));
  }

  private void start(Context ctx) {
    String id = Params.path(ctx, "id");
    demo.port(id);
    if (Params.dryRun(ctx)) {
      Answers.json(ctx, state(id, ctx));
      return;
    }
    demo.start(id);
    boolean registered = clusterd.instances().stream().anyMatch(i -> i.id().equals(id));
    CompletableFuture<?> probe = registered ? clusterd.version(id) : CompletableFuture.completedFuture(null);
    Answers.later(ctx, probe.handle((v, t) -> state(id, ctx)));
  }

  private Map<String, Object> state(String id, Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("port", demo.port(id));
    body.put("running", demo.running(id));
    if (Params.dryRun(ctx)) {
      body.put("dryRun", true);
    }
    return body;
  }
}

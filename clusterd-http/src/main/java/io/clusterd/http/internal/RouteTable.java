package io.clusterd.http.internal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import java.util.List;

/**
 * Registers a route with Javalin and records it in the one list of routes, so the OpenAPI description and the
 * routes actually served cannot drift apart. Each registration returns a {@link Described} through which the route
 * says what it takes and answers.
 */
final class RouteTable {
  private final RoutesConfig routes;
  private final List<ApiRoutes.Route> registered;
  private final java.util.Optional<LeaderForwarding> forwarding;

  RouteTable(RoutesConfig routes, List<ApiRoutes.Route> registered) {
    this(routes, registered, java.util.Optional.empty());
  }

  /** With several daemons on one store, mutations registered here go to the leader ({@link LeaderForwarding}). */
  RouteTable(RoutesConfig routes, List<ApiRoutes.Route> registered, java.util.Optional<LeaderForwarding> forwarding) {
    this.routes = routes;
    this.registered = registered;
    this.forwarding = forwarding;
  }

  /** What the description says about one registered route; each call completes it. */
  final class Described {
    private final int index;

    private Described(int index) {
      this.index = index;
    }

    private Described edit(java.util.function.UnaryOperator<ApiRoutes.Route> change) {
      registered.set(index, change.apply(registered.get(index)));
      return this;
    }

    /** The request body is a JSON object bound to {@code type}; its schema is generated from the record. */
    Described body(Class<? extends Record> type) {
      return edit(r -> r.withBody(type.getSimpleName(), type));
    }

    /** The request body has the hand-written schema {@code schema} of {@link OpenApi}. */
    Described body(String schema) {
      return edit(r -> r.withBody(schema, null));
    }

    /** Query parameters the route reads, by their names in {@link OpenApi}'s parameter table. */
    Described query(String... names) {
      return edit(r -> r.withQuery(List.of(names)));
    }

    /** A success answer: {@code status} with a body of schema {@code schema}, or none for 204. */
    Described answers(int status, String schema) {
      return edit(r -> r.withAnswer(status, schema));
    }

    /** Takes {@code ?dryRun=true}, which answers 200 with the plan. */
    Described dryRun() {
      return query("dryRun").edit(r -> r.withAnswer(200, r.answers().containsKey(200)
          ? r.answers().get(200) + "|Plan" : "Plan"));
    }

    /** Answers the aggregated result of a fan-out: 200, 207, or the common failure of every instance. */
    Described fanOut() {
      return answers(200, "FanOut").answers(207, "FanOut").edit(ApiRoutes.Route::fannedOut);
    }
  }

  Described get(String path, String summary, Handler h) {
    return add("GET", path, summary, h);
  }

  Described post(String path, String summary, Handler h) {
    return add("POST", path, summary, h);
  }

  Described put(String path, String summary, Handler h) {
    return add("PUT", path, summary, h);
  }

  Described delete(String path, String summary, Handler h) {
    return add("DELETE", path, summary, h);
  }

  private Described add(String method, String path, String summary, Handler handler) {
    registered.add(ApiRoutes.Route.of(method, path, summary));
    Handler h = forwarding.isPresent() && LeaderForwarding.forwards(method, path)
        ? forwarding.get().wrap(handler) : handler;
    switch (method) {
      case "GET" -> routes.get(path, h);
      case "POST" -> routes.post(path, h);
      case "PUT" -> routes.put(path, h);
      case "DELETE" -> routes.delete(path, h);
      default -> throw new IllegalArgumentException(method);
    }
    return new Described(registered.size() - 1);
  }
}

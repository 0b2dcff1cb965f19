package io.clusterd.http.internal;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import java.util.List;

/**
 * Registers a route with Javalin and records it in the one list of routes, so the OpenAPI description and the
 * routes actually served cannot drift apart.
 */
final class RouteTable {
  private final RoutesConfig routes;
  private final List<ApiRoutes.Route> registered;

  RouteTable(RoutesConfig routes, List<ApiRoutes.Route> registered) {
    this.routes = routes;
    this.registered = registered;
  }

  void get(String path, String summary, Handler h) {
    registered.add(new ApiRoutes.Route("GET", path, summary));
    routes.get(path, h);
  }

  void post(String path, String summary, Handler h) {
    registered.add(new ApiRoutes.Route("POST", path, summary));
    routes.post(path, h);
  }

  void put(String path, String summary, Handler h) {
    registered.add(new ApiRoutes.Route("PUT", path, summary));
    routes.put(path, h);
  }

  void delete(String path, String summary, Handler h) {
    registered.add(new ApiRoutes.Route("DELETE", path, summary));
    routes.delete(path, h);
  }
}

package io.clusterd.http.internal;

import io.clusterd.core.Clusterd;
import io.clusterd.http.DemoTree;
import io.clusterd.http.ServerConfig;
import io.javalin.config.RoutesConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The REST API (docs/http-api.md), assembled from one class per resource; each handler maps the protocol onto the
 * {@link Clusterd} facade and nothing more. Keeps the one list of registered routes that OpenAPI describes.
 */
public final class ApiRoutes implements AutoCloseable {
  /**
   * A registered route as the OpenAPI description tells it: its request body (a schema name, and the record it is
   * bound to when there is one), the query parameters it reads, its success answers (status to schema name,
   * {@code A|B} for either, empty for no body) and whether it answers a fan-out result.
   */
  public record Route(String method, String path, String summary, Optional<String> body,
      Optional<Class<? extends Record>> bodyType, List<String> query, SortedMap<Integer, String> answers,
      boolean fanOut) {
    public Route {
      query = List.copyOf(query);
      answers = Collections.unmodifiableSortedMap(new TreeMap<>(answers));
    }

    static Route of(String method, String path, String summary) {
      return new Route(method, path, summary, Optional.empty(), Optional.empty(), List.of(), new TreeMap<>(), false);
    }

    Route withBody(String schema, Class<? extends Record> type) {
      return new Route(method, path, summary, Optional.of(schema), Optional.ofNullable(type), query, answers, fanOut);
    }

    Route withQuery(List<String> names) {
      List<String> all = new ArrayList<>(query);
      names.stream().filter(n -> !all.contains(n)).forEach(all::add);
      return new Route(method, path, summary, body, bodyType, all, answers, fanOut);
    }

    Route withAnswer(int status, String schema) {
      SortedMap<Integer, String> all = new TreeMap<>(answers);
      all.put(status, schema);
      return new Route(method, path, summary, body, bodyType, query, all, fanOut);
    }

    Route fannedOut() {
      return new Route(method, path, summary, body, bodyType, query, answers, true);
    }
  }

  /** The paths that need no token: liveness, signing in and out, and an instance's self-registration. */
  public static final Set<String> PUBLIC_PATHS = Set.of("/api/health", "/api/session", "/api/register");

  private final Clusterd clusterd;
  private final ServerConfig config;
  private final Auth auth;
  private final String version;
  private final Metrics metrics;
  private final Optional<DemoTree> demo;
  private final List<Route> routes = new ArrayList<>();
  private final Scopes scopes;
  private EventStreams events;

  public ApiRoutes(Clusterd clusterd, ServerConfig config, Auth auth, Metrics metrics, String version) {
    this(clusterd, config, auth, metrics, version, Optional.empty());
  }

  /** With a demo, the {@code /api/demo} routes are served too. */
  public ApiRoutes(Clusterd clusterd, ServerConfig config, Auth auth, Metrics metrics, String version,
      Optional<DemoTree> demo) {
    this.demo = demo;
    this.clusterd = clusterd;
    this.config = config;
    this.auth = auth;
    this.metrics = metrics;
    this.version = version;
    this.scopes = new Scopes(clusterd, config);
  }

  /**
   * Refuses, before any handler, a request of a scoped token about a node outside its scopes (403
   * {@code FORBIDDEN} naming them); see {@link Scopes}.
   */
  public void checkScopes(io.javalin.http.Context ctx) {
    scopes.checkPath(ctx);
  }

  public List<Route> routes() {
    return List.copyOf(routes);
  }

  /** Registers every route and the error table. */
  public void register(RoutesConfig r) {
    r.before("/api/*", Params::checkEscapes);
    RouteTable table = new RouteTable(r, routes, clusterd.membership().map(LeaderForwarding::new));
    Nodes nodes = new Nodes(clusterd, config);
    Changes changes = new Changes(clusterd, metrics);
    NodeEdits edits = new NodeEdits(changes);
    new DaemonRoutes(clusterd, nodes, metrics, routes, version, scopes).register(table);
    new MemberRoutes(clusterd).register(table);
    new SessionRoutes(auth, config).register(table);
    new HistoryRoutes(clusterd, scopes).register(table);
    new InstanceRoutes(clusterd, config, auth, nodes, changes, edits, scopes).register(table);
    new ClusterRoutes(clusterd, nodes, changes, edits, scopes).register(table);
    new KeyRoutes(clusterd, nodes, changes).register(table);
    new RolloutRoutes(clusterd, nodes, changes, scopes).register(table);
    demo.ifPresent(d -> new DemoRoutes(clusterd, d).register(table));
    new StateRoutes(clusterd, config, changes).register(table);
    new RollbackRoutes(clusterd, changes).register(table);
    events = new EventStreams(clusterd.events(), auth);
    events.register(table);
    ErrorAnswers.register(r);
  }

  /** Ends the open event streams and their threads. */
  @Override
  public void close() {
    if (events != null) {
      events.close();
    }
  }
}

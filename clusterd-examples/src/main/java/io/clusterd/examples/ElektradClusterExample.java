package io.clusterd.examples;

import io.clusterd.FanOutResult;
import io.clusterd.Instance;
import io.clusterd.InstanceOutcome;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.http.HttpTransportFactory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Manages running {@code elektrad} daemons as one cluster: registers each endpoint given on the command line,
 * groups them, pins a key on the group and prints what every instance answered, its Elektra version and the value
 * it now holds.
 *
 * <pre>{@code
 * java -cp ... io.clusterd.examples.ElektradClusterExample http://10.0.0.5:33333 http://10.0.0.6:33333
 * }</pre>
 */
public final class ElektradClusterExample {
  /** The key the example pins on every instance. */
  static final KeyName KEY = KeyName.parse("user:/clusterd/example/greeting");

  private ElektradClusterExample() { }

  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println("usage: ElektradClusterExample ELEKTRAD_URL...   (e.g. http://127.0.0.1:33333)");
      System.exit(2);
    }
    System.exit(run(System.out, List.of(args)));
  }

  /** Runs the example against the elektrad endpoints; returns 0 when every instance took the pin, else 1. */
  static int run(PrintStream out, List<String> endpoints) {
    try (HttpTransportFactory http = new HttpTransportFactory();
         Clusterd clusterd = Clusterd.builder()
             .transport(http)
             .connectTimeout(Duration.ofSeconds(2))
             .responseTimeout(Duration.ofSeconds(5))
             .reconcileEvery(Duration.ZERO)
             .build()) {
      List<String> ids = new ArrayList<>();
      for (int n = 0; n < endpoints.size(); n++) {
        Instance i = clusterd.registerInstance(
            InstanceSpec.of("elektrad " + (n + 1), endpoints.get(n)).withId("elektrad-" + (n + 1)));
        ids.add(i.id());
        out.println("registered " + i.id() + " at " + i.endpoint());
      }
      clusterd.createCluster(ClusterSpec.of("elektrads").withId("elektrads").withMembers(ids));

      FanOutResult result = clusterd.pin("elektrads", KEY, "hello from clusterd");
      out.println("pin " + KEY + " on elektrads -> " + result.status() + " (" + result.summary().succeeded()
          + " of " + result.summary().total() + " succeeded)");
      for (InstanceOutcome o : result.results()) {
        out.println("  " + o.instance() + " " + o.status()
            + o.error().map(e -> " " + e.code() + ": " + e.message()).orElse(""));
      }

      Map<String, InstanceVersion> versions = clusterd.versions("elektrads").join();
      for (String id : ids) {
        InstanceVersion v = versions.get(id);
        String value = clusterd.lookup(id, KEY, 0).handle((LookupResult r, Throwable t) ->
            t != null ? "(unreachable)" : r.exists() ? r.value() : "(missing)").join();
        out.println("  " + id + ": elektra " + (v == null ? "(unknown)" : v.elektra() + ", api " + v.api())
            + ", " + KEY + " = " + value);
      }
      return result.summary().failed() == 0 ? 0 : 1;
    }
  }
}

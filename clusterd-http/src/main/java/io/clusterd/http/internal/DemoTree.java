package io.clusterd.http.internal;

import io.clusterd.KeyName;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo mode: twelve stand-in elektrad instances on loopback (ports 33401-33412), arranged in clusters nested
 * three levels deep with a few pinned keys. Instances and clusters are created on the first start only; later
 * starts with the same data directory keep what the user changed.
 */
public final class DemoTree {
  /** First port of the stand-in instances. */
  public static final int FIRST_PORT = 33401;

  private static final String[][] LAYOUT = {
      // instance id, cluster
      {"web-eu-1", "eu-web"}, {"web-eu-2", "eu-web"}, {"web-eu-3", "eu-web"},
      {"db-eu-1", "eu-db"}, {"db-eu-2", "eu-db"},
      {"web-us-1", "us-web"}, {"web-us-2", "us-web"}, {"web-us-3", "us-web"},
      {"db-us-1", "us-db"}, {"db-us-2", "us-db"},
      {"build-1", ""}, {"laptop", ""},
  };

  private DemoTree() { }

  /** Starts the stand-ins and, on first start, registers the tree; returns what must be closed at exit. */
  public static List<AutoCloseable> start(Clusterd clusterd) {
    List<AutoCloseable> servers = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    try {
      for (int i = 0; i < LAYOUT.length; i++) {
        ElektradServer s = ElektradServer.start("127.0.0.1", FIRST_PORT + i, new KeyDatabase());
        servers.add(s);
        urls.add(s.url().toString());
      }
    } catch (RuntimeException e) {
      for (AutoCloseable s : servers) {
        try {
          s.close();
        } catch (Exception ignored) {
          // already failing
        }
      }
      throw new IllegalStateException("cannot start the demo instances on ports " + FIRST_PORT + "-"
          + (FIRST_PORT + LAYOUT.length - 1) + ": " + e.getMessage(), e);
    }
    if (clusterd.node("global").isEmpty()) {
      build(clusterd, urls);
    }
    return servers;
  }

  private static void build(Clusterd clusterd, List<String> urls) {
    for (int i = 0; i < LAYOUT.length; i++) {
      String id = LAYOUT[i][0];
      if (clusterd.node(id).isEmpty()) {
        clusterd.registerInstance(InstanceSpec.of(id, urls.get(i)).withId(id)
            .withDescription("demo stand-in elektrad"));
      }
    }
    clusterd.createCluster(new ClusterSpec(java.util.Optional.of("global"), "Global", "every server", java.util.Map.of(), java.util.Optional.empty(), List.of()));
    clusterd.createCluster(ClusterSpec.of("Europe").withId("eu").withParent("global"));
    clusterd.createCluster(ClusterSpec.of("United States").withId("us").withParent("global"));
    clusterd.createCluster(ClusterSpec.of("EU web").withId("eu-web").withParent("eu"));
    clusterd.createCluster(ClusterSpec.of("EU databases").withId("eu-db").withParent("eu"));
    clusterd.createCluster(ClusterSpec.of("US web").withId("us-web").withParent("us"));
    clusterd.createCluster(ClusterSpec.of("US databases").withId("us-db").withParent("us"));
    for (String[] row : LAYOUT) {
      if (!row[1].isEmpty()) {
        clusterd.attach(row[1], row[0]);
      }
    }
    clusterd.pin("global", KeyName.parse("user:/app/log/level"), "info");
    clusterd.pin("eu", KeyName.parse("user:/app/region"), "eu-central");
    clusterd.pin("us", KeyName.parse("user:/app/region"), "us-east");
    clusterd.pin("eu-web", KeyName.parse("user:/app/http/port"), "8080");
    clusterd.pin("us-web", KeyName.parse("user:/app/http/port"), "80");
    clusterd.pin("eu-db", KeyName.parse("user:/app/db/pool"), "32");
    clusterd.pin("us-db", KeyName.parse("user:/app/db/pool"), "64");
  }
}

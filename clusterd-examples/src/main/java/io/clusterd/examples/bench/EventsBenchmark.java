package io.clusterd.examples.bench;

import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.Change;
import io.clusterd.core.ClusterSpec;
import io.clusterd.core.Clusterd;
import io.clusterd.core.InstanceSpec;
import io.clusterd.core.store.sqlite.SqliteStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.http.ClusterdServer;
import io.clusterd.http.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How soon live events reach subscribers of {@code GET /api/events} over real HTTP: cluster pins on a SQLite store,
 * paced at 500 writes/s (open loop), with 1 and with 16 subscribers each reading the stream on its own thread. The
 * latency is from the start of the write (planning and the durable commit included) to the arrival of its
 * {@code pin.changed} event at the subscriber. Baseline in the same run: the same writes with no subscriber, whose
 * own duration (the write alone) is compared with the write's duration while subscribers listen.
 */
final class EventsBenchmark {
  private static final int RATE = 500;
  private static final Duration ROUND = Duration.ofSeconds(10);
  private static final Duration WARM_UP = Duration.ofSeconds(3);
  private static final Pattern VALUE = Pattern.compile("\"newValue\":\"(\\d+)\"");

  private EventsBenchmark() { }

  /** What one round measured. */
  record Round(int subscribers, int writes, double rate, Samples write, Samples event, long missing) { }

  static void run(PrintStream out) throws Exception {
    out.println("== events: GET /api/events latency from the write to the subscriber, at " + RATE + " writes/s ==");
    Path dir = Files.createTempDirectory("clusterd-events-bench");
    MemTransportFactory mem = new MemTransportFactory();
    try (Clusterd clusterd = Clusterd.builder().store(SqliteStore.open(dir)).transport(mem)
        .reconcileEvery(Duration.ZERO).build();
        ClusterdServer daemon = ClusterdServer.start(clusterd, ServerConfig.loopback(0))) {
      clusterd.registerInstance(InstanceSpec.of("web", "mem://web").withId("web"));
      clusterd.createCluster(ClusterSpec.of("bench").withId("bench").withMembers(List.of("web")));
      int[] next = {0};
      round(clusterd, daemon.url(), 1, WARM_UP, next);
      List<Round> rounds = new ArrayList<>();
      for (int subscribers : new int[] {0, 1, 16}) {
        rounds.add(round(clusterd, daemon.url(), subscribers, ROUND, next));
      }
      Samples alone = rounds.get(0).write();
      out.printf("%11s %7s %9s %12s %12s %12s %13s %13s %8s %8s%n", "subscribers", "writes", "writes/s",
          "event p50", "event p99", "event max", "write p50", "write p99", "missing", "p99 ok");
      for (Round r : rounds) {
        boolean measured = r.subscribers() > 0;
        out.printf("%11d %7d %9.0f %12s %12s %12s %10.2f ms %10.2f ms %8s %8s%n", r.subscribers(), r.writes(),
            r.rate(), measured ? ms(r.event().p50Millis()) : "-", measured ? ms(r.event().p99Millis()) : "-",
            measured ? ms(r.event().percentileMicros(100) / 1000.0) : "-", r.write().p50Millis(),
            r.write().p99Millis(), measured ? Long.toString(r.missing()) : "-",
            measured ? (r.event().p99Millis() < 50 ? "yes" : "NO") : "-");
      }
      for (Round r : rounds.subList(1, rounds.size())) {
        out.printf("with %d subscriber(s): write p99 %.2fx the write alone, event p99 %.2fx the write alone's p99%n",
            r.subscribers(), r.write().p99Millis() / alone.p99Millis(), r.event().p99Millis() / alone.p99Millis());
      }
    }
    out.printf("(latency from the start of each write, durable SQLite commit included, to its pin.changed event at"
        + " every subscriber; target p99 < 50 ms at %d writes/s. write: the duration of the write call. Round 0 has"
        + " no subscriber: the baseline. %d s per round after a %d s warm-up)%n%n", RATE, ROUND.toSeconds(),
        WARM_UP.toSeconds());
  }

  private static String ms(double millis) {
    return String.format("%.2f ms", millis);
  }

  /** Writes at RATE for {@code length} while {@code subscribers} streams read; values count up from next[0]. */
  private static Round round(Clusterd clusterd, String url, int subscribers, Duration length, int[] next)
      throws Exception {
    int writes = (int) (RATE * length.toSeconds());
    int first = next[0];
    long[] started = new long[writes];
    long[][] arrived = new long[subscribers][writes];
    HttpClient http = HttpClient.newHttpClient();
    List<Thread> readers = new ArrayList<>();
    List<InputStream> bodies = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(subscribers);
    for (int s = 0; s < subscribers; s++) {
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/events"))
          .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
      bodies.add(r.body());
      long[] mine = arrived[s];
      Thread t = new Thread(() -> read(r.body(), mine, first, writes, done), "events-bench-reader-" + s);
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
    while (clusterd.events().subscribers() < subscribers) {
      Thread.onSpinWait();
    }
    Samples write = new Samples();
    long period = TimeUnit.SECONDS.toNanos(1) / RATE;
    long begin = System.nanoTime();
    for (int i = 0; i < writes; i++) {
      long due = begin + i * period;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      long t0 = System.nanoTime();
      started[i] = t0;
      clusterd.apply(new Change.WriteCluster("bench", KeyOperation.set(KeyName.parse("user:/bench/k" + (i % 100)),
          Integer.toString(first + i)), false));
      write.add(System.nanoTime() - t0);
    }
    double rate = writes / ((System.nanoTime() - begin) / 1e9);
    next[0] = first + writes;
    done.await(30, TimeUnit.SECONDS);
    for (InputStream b : bodies) {
      b.close();
    }
    Samples event = new Samples();
    long missing = 0;
    for (long[] mine : arrived) {
      for (int i = 0; i < writes; i++) {
        if (mine[i] == 0) {
          missing++;
        } else {
          event.add(mine[i] - started[i]);
        }
      }
    }
    return new Round(subscribers, writes, rate, write, event, missing);
  }

  /** Reads a stream, noting when the event of each value arrived, until the last one of the round. */
  private static void read(InputStream body, long[] arrived, int first, int writes, CountDownLatch done) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      boolean pin = false;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("event: ")) {
          pin = line.equals("event: pin.changed");
        } else if (pin && line.startsWith("data: ")) {
          long now = System.nanoTime();
          Matcher m = VALUE.matcher(line);
          if (m.find()) {
            int i = Integer.parseInt(m.group(1)) - first;
            if (i >= 0 && i < writes) {
              arrived[i] = now;
              if (i == writes - 1) {
                break;
              }
            }
          }
        }
      }
    } catch (java.io.IOException e) {
      // closed at the end of the round
    } finally {
      done.countDown();
    }
  }
}

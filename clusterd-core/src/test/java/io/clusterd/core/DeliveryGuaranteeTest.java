package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clusterd.ClusterdException;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.store.memory.MemoryStore;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.spi.PendingDelivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every accepted change is answered, whatever else happens at the same time: writers on several threads register,
 * unregister, pin, write instances, attach, and delete clusters with their members while hosts are slow or down.
 * Every future must complete within the bound that timeouts and retries give, and the outbox must not keep rows
 * of instances that are gone.
 */
class DeliveryGuaranteeTest {
  private static final long SEED = Long.getLong("clusterd.seed", 20_261_201L);
  private static final int WRITERS = 4;
  private static final int STEPS = 150;
  private static final String[] HOSTS = {"h0", "h1", "h2", "h3", "h4", "h5"};
  private static final String[] CLUSTERS = {"c0", "c1", "c2"};

  @Test
  void concurrentMutationsAndRemovals_everyRequestIsAnswered() throws Exception {
    System.out.println("DeliveryGuaranteeTest: seed " + SEED + " (-Dclusterd.seed=" + SEED + " repeats it)");
    MemTransportFactory hosts = new MemTransportFactory(Duration.ofMillis(20));
    MemoryStore store = new MemoryStore();
    ConcurrentLinkedQueue<CompletableFuture<ChangeResult>> answers = new ConcurrentLinkedQueue<>();
    try (Clusterd clusterd = Clusterd.builder().store(store).transport(hosts).reconcileEvery(Duration.ZERO)
        .responseTimeout(Duration.ofMillis(500)).retryBackoff(Duration.ofMillis(5)).build()) {
      List<Thread> writers = new ArrayList<>();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      for (int w = 0; w < WRITERS; w++) {
        Random random = new Random(SEED + w);
        Thread t = new Thread(() -> {
          for (int step = 0; step < STEPS; step++) {
            try {
              Change change = randomChange(random, hosts);
              answers.add(clusterd.apply(change, Optional.of("writer")));
            } catch (ClusterdException refused) {
              // a refused change is answered at once: nothing to wait for
            } catch (RuntimeException e) {
              failures.add(e);
            }
          }
        }, "writer-" + w);
        writers.add(t);
        t.start();
      }
      for (Thread t : writers) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertTrue(failures.isEmpty(), "unexpected failures: " + failures);

      // 500 ms per attempt, 3 attempts with little backoff, lanes one after the other: 30 s is far beyond the bound
      CompletableFuture<?> all = CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new));
      try {
        all.get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        long open = answers.stream().filter(f -> !f.isDone()).count();
        fail(open + " of " + answers.size() + " accepted changes were never answered (seed " + SEED + ")");
      }
      for (CompletableFuture<ChangeResult> f : answers) {
        assertTrue(!f.isCompletedExceptionally(), "an accepted change failed instead of reporting its outcomes");
      }
      assertTrue(answers.size() > WRITERS * STEPS / 4, "too few changes were accepted: " + answers.size());
      assertEquals(List.of(), clusterd.checkInvariants());

      Set<String> registered = clusterd.instances().stream().map(i -> i.id()).collect(Collectors.toSet());
      for (PendingDelivery p : store.load().pending()) {
        assertTrue(registered.contains(p.instance()), "the outbox keeps a row of removed instance " + p.instance());
      }
    }
  }

  private static Change randomChange(Random random, MemTransportFactory hosts) {
    String host = HOSTS[random.nextInt(HOSTS.length)];
    String cluster = CLUSTERS[random.nextInt(CLUSTERS.length)];
    KeyName key = KeyName.parse("user:/app/k" + random.nextInt(4));
    switch (random.nextInt(9)) {
      case 0:
        return new Change.RegisterInstance(InstanceSpec.of(host, "mem://" + host).withId(host));
      case 1:
        return new Change.UnregisterInstance(host);
      case 2:
        return new Change.CreateCluster(ClusterSpec.of(cluster).withId(cluster)
            .withMembers(List.of(HOSTS[random.nextInt(HOSTS.length)])));
      case 3:
        return new Change.DeleteCluster(cluster, random.nextBoolean() ? Cascade.DELETE : Cascade.DETACH);
      case 4:
        return new Change.Attach(cluster, host, false);
      case 5:
        // a host that goes down and comes back: its lane stalls, then resumes
        if (random.nextBoolean()) {
          hosts.stop(host);
        } else {
          hosts.start(host);
        }
        return new Change.WriteInstance(host, KeyOperation.set(key, "i" + random.nextInt(100)));
      case 6:
        return new Change.WriteInstance(host, KeyOperation.set(key, "i" + random.nextInt(100)));
      default:
        return new Change.WriteCluster(cluster, KeyOperation.set(key, "c" + random.nextInt(100)), true);
    }
  }
}

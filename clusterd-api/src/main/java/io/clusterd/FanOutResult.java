package io.clusterd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregated answer to an operation sent to every instance below a node.
 *
 * <p>The combined {@link #status()} follows the fan-out contract: 200 when every instance succeeded (and for
 * an empty target set), the common status when all instances answered the same non-2xx status, 502 when none
 * could be reached, 207 otherwise.
 *
 * <p>Immutable and thread-safe.
 */
public record FanOutResult(int status, Summary summary, List<InstanceOutcome> results) {

  /** Counts of a fan-out. */
  public record Summary(int total, int succeeded, int failed) { }

  public FanOutResult {
    results = List.copyOf(results);
  }

  /**
   * Aggregates the outcomes of several operations per instance: an instance's result is its first failure, else
   * its last success; instances in order of first appearance.
   */
  public static FanOutResult perInstance(List<InstanceOutcome> outcomes) {
    Map<String, InstanceOutcome> last = new LinkedHashMap<>();
    for (InstanceOutcome o : outcomes) {
      InstanceOutcome prev = last.get(o.instance());
      if (prev == null || prev.succeeded()) {
        last.put(o.instance(), o);
      }
    }
    return of(List.copyOf(last.values()));
  }

  /** Aggregates per-instance outcomes into one result. */
  public static FanOutResult of(List<InstanceOutcome> outcomes) {
    int ok = 0;
    int unreached = 0;
    for (InstanceOutcome o : outcomes) {
      if (o.succeeded()) {
        ok++;
      } else if (o.unreached()) {
        unreached++;
      }
    }
    int n = outcomes.size();
    int status;
    if (ok == n) {
      status = 200;
    } else if (unreached == n) {
      status = 502;
    } else if (ok == 0 && outcomes.stream().mapToInt(InstanceOutcome::status).distinct().count() == 1) {
      status = outcomes.get(0).status();
    } else {
      status = 207;
    }
    return new FanOutResult(status, new Summary(n, ok, n - ok), outcomes);
  }
}

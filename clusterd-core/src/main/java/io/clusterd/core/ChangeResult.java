package io.clusterd.core;

import io.clusterd.FanOutResult;
import io.clusterd.Node;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of an applied {@link Change}: the node it created or edited (when any), the plan it carried out,
 * and the aggregated fan-out to the instances it reached ({@code total: 0} when it sent nothing).
 *
 * <p>Immutable and thread-safe.
 */
public record ChangeResult(Optional<Node> node, Plan plan, FanOutResult fanOut) {
  public ChangeResult {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(fanOut, "fanOut");
  }
}

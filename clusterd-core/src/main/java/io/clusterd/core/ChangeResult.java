package io.clusterd.core;

import io.clusterd.FanOutResult;
import io.clusterd.Node;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of an applied {@link Change}: the node it created or edited (when any), the plan it carried out,
 * the aggregated fan-out to the instances it reached ({@code total: 0} when it sent nothing), and every node it
 * created or edited ({@code nodes}: the one of {@code node}, or each instance of a
 * {@link Change.RegisterInstances}, in the order given).
 *
 * <p>Immutable and thread-safe.
 */
public record ChangeResult(Optional<Node> node, Plan plan, FanOutResult fanOut, List<Node> nodes) {
  public ChangeResult {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(fanOut, "fanOut");
    nodes = List.copyOf(nodes);
  }

  /** The result of a change with at most one node: {@code nodes} holds that one. */
  public ChangeResult(Optional<Node> node, Plan plan, FanOutResult fanOut) {
    this(node, plan, fanOut, node.map(List::of).orElse(List.of()));
  }
}

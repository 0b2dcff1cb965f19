package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.Instance;
import io.clusterd.spi.Transport;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Forwards reads to an instance's transport; whether the instance answered goes to the status board, and an
 * answer is passed on ({@code answered}: the writes that wait for that instance go out at once).
 */
public final class Forwarder {
  private final TransportPool transports;
  private final StatusBoard board;
  private final Consumer<String> answered;

  public Forwarder(TransportPool transports, StatusBoard board, Consumer<String> answered) {
    this.transports = transports;
    this.board = board;
    this.answered = answered;
  }

  /** Calls the instance's transport; a transport that cannot be created fails the future. */
  public <T> CompletableFuture<T> call(Instance instance, Function<Transport, CompletableFuture<T>> read) {
    CompletableFuture<T> result;
    try {
      result = read.apply(transports.transport(instance));
    } catch (ClusterdException e) {
      return CompletableFuture.failedFuture(e);
    }
    return result.whenComplete((v, t) -> {
      if (t == null) {
        board.observeRead(instance.id(), Optional.empty());
        answered.accept(instance.id());
      } else if (ClusterdException.unwrap(t) instanceof ClusterdException e) {
        board.observeRead(instance.id(), Optional.of(e));
      }
    });
  }
}

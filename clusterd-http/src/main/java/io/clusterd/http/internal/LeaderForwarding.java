package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.core.ClusterMember;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Mutations on a daemon that is not the leader (several daemons on one store): the request goes on to the
 * leader as it came, with the client's own credentials (the leader authenticates it as any request, all daemons
 * sharing the token configuration), and the leader's answer comes back once this daemon's tree holds the change
 * (read-your-writes). A daemon that does not reach the store, or knows no leader, answers 503 {@code UNAVAILABLE}
 * saying why; a leader that does not answer (it died, the network broke) gives 503 too: the write may or may not
 * have been applied, never a false success. On the leader every mutation runs here, but not while it does not
 * reach the store.
 */
final class LeaderForwarding {
  /** Marks a forwarded request, so a daemon that is no longer the leader answers 503 instead of forwarding again. */
  static final String FORWARDED = "X-Clusterd-Forwarded-By";

  private static final Set<String> REQUEST_HEADERS = Set.of("authorization", "cookie", "content-type", "if-match",
      "accept", "x-forwarded-for", "x-request-id", "origin", "user-agent");
  private static final Set<String> ANSWER_HEADERS_LEFT_OUT = Set.of("content-length", "transfer-encoding",
      "connection", "date", "server", ":status");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final ClusterMember member;
  private final HttpClient client;

  LeaderForwarding(ClusterMember member) {
    this.member = member;
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
        .version(HttpClient.Version.HTTP_1_1).build();
  }

  /** {@code handler} as it runs on the leader; on a follower the request is forwarded instead. */
  Handler wrap(Handler handler) {
    return ctx -> {
      if (!member.storeReachable()) {
        throw ClusterdException.of(ErrorCode.UNAVAILABLE, "mutations are refused: " + member.unreachableReason()
            + "; reads still answer, marked X-Clusterd-Stale", Map.of("member", member.id()));
      }
      if (member.isLeader()) {
        handler.handle(ctx);
        return;
      }
      if (ctx.header(FORWARDED) != null) {
        throw ClusterdException.of(ErrorCode.UNAVAILABLE, "this daemon (" + member.id() + ") is no longer the"
            + " leader; try again", Map.of("member", member.id()));
      }
      String leader = member.leaderAddress().orElseThrow(() -> ClusterdException.of(ErrorCode.UNAVAILABLE,
          "no daemon leads at the moment (a new leader takes over within seconds); try again",
          Map.of("member", member.id())));
      forward(ctx, leader);
    };
  }

  private void forward(Context ctx, String leader) {
    String query = ctx.queryString();
    URI target = URI.create(stripSlash(leader) + ctx.path() + (query == null || query.isEmpty() ? "" : "?" + query));
    HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(TIMEOUT)
        .method(ctx.method().name(), HttpRequest.BodyPublishers.ofByteArray(ctx.bodyAsBytes()))
        .header(FORWARDED, member.id());
    ctx.headerMap().forEach((name, value) -> {
      if (REQUEST_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        request.header(name, value);
      }
    });
    CompletableFuture<HttpResponse<byte[]>> answer = client.sendAsync(request.build(),
        HttpResponse.BodyHandlers.ofByteArray());
    ctx.future(() -> answer
        .handle((response, failure) -> {
          if (failure != null) {
            throw unanswered(leader, failure);
          }
          return response;
        })
        .thenCompose(response -> response.statusCode() < 300
            ? member.caughtUp().thenApply(v -> response) : CompletableFuture.completedFuture(response))
        .thenAccept(response -> relay(ctx, response))
        .exceptionally(t -> {
          ErrorAnswers.answer(ctx, t);
          return null;
        }));
  }

  private static ClusterdException unanswered(String leader, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    String what = cause instanceof IOException ? "did not answer (" + cause + ")" : "failed (" + cause + ")";
    return new ClusterdException(ErrorCode.UNAVAILABLE, "the leader " + leader + " " + what
        + "; the change may or may not have been applied: read it back, or try again (a new leader takes over"
        + " within seconds)", Map.of("leader", leader), cause);
  }

  private static void relay(Context ctx, HttpResponse<byte[]> response) {
    ctx.status(response.statusCode());
    response.headers().map().forEach((name, values) -> {
      if (!ANSWER_HEADERS_LEFT_OUT.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        for (String value : values) {
          ctx.res().addHeader(name, value);
        }
      }
    });
    Optional<String> type = response.headers().firstValue("content-type");
    type.ifPresent(ctx::contentType);
    if (response.body().length > 0) {
      ctx.result(response.body());
    }
  }

  private static String stripSlash(String address) {
    return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
  }

  static boolean forwards(String method, String path) {
    return !List.of("GET", "HEAD", "OPTIONS").contains(method) && !path.equals("/api/session")
        && !path.startsWith("/api/demo");
  }
}

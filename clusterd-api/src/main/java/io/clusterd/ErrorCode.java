package io.clusterd;

/**
 * The stable error codes of clusterd. Each code is the {@code i18n} token HTTP clients see and carries the
 * HTTP status it maps to. Tokens never change once released; new codes may be added.
 *
 * <p>Immutable and thread-safe.
 */
public enum ErrorCode {
  // tokens of the original cluster daemon's API
  NAME_MISSING(400),
  HOST_MISSING(400),
  INSTANCE_ID_MISSING(400),
  INSTANCE_NOT_FOUND(404),
  CLUSTER_NOT_FOUND(404),
  PATH_NOT_FOUND(404),
  HOST_DOES_ALREADY_EXIST(422),
  NEED_AUTHENTICATION(401),
  APIKEY_MISSING(401),
  APIKEY_INVALID(401),
  REQUEST_UNSUPPORTED_CONTENT_TYPE(415),
  // tokens clusterd adds for recursive clusters
  KEY_LOCKED(409),
  KEY_PINNED_BELOW(409),
  CYCLE(409),
  ALREADY_IN_CLUSTER(409),
  CLUSTER_NOT_EMPTY(409),
  ID_ALREADY_EXISTS(409),
  INVALID_ID(400),
  INVALID_KEY_NAME(400),
  NAMESPACE_NOT_WRITABLE(400),
  RESERVED_KEY(400),
  INVALID_BODY(400),
  INVALID_VALUE(422),
  UNKNOWN_TRANSPORT(400),
  INSTANCE_UNREACHABLE(502),
  INSTANCE_TIMEOUT(504),
  INSTANCE_ERROR(502),
  INSTANCE_BAD_ANSWER(502),
  /** An {@code https} instance whose certificate does not verify (or that refused clusterd's client certificate). */
  INSTANCE_CERTIFICATE_INVALID(502),
  FORBIDDEN(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  PAYLOAD_TOO_LARGE(413),
  /** A desired-state document applied with {@code If-Match} over a state that changed since it was read. */
  STATE_CHANGED(412),
  /** A rollback to a history sequence that was not recorded yet, or to a time in the future. */
  HISTORY_NOT_FOUND(404),
  /** A rollback across history entries written before clusterd recorded the pins they changed. */
  HISTORY_INCOMPLETE(422),
  /** Too many failed sign-ins or bearer tokens from one client address; the answer has {@code Retry-After}. */
  TOO_MANY_REQUESTS(429),
  /** A write to a key of a cluster that has a rollout of it running, paused or halted. */
  ROLLOUT_IN_PROGRESS(409),
  /** No rollout with the given id. */
  ROLLOUT_NOT_FOUND(404),
  /** A control of a rollout that is completed or aborted. */
  ROLLOUT_FINISHED(409),
  // requests the HTTP server refuses before any route runs
  INVALID_REQUEST(400),
  URI_TOO_LONG(414),
  HEADERS_TOO_LARGE(431),
  STORE_FAILURE(500),
  INTERNAL_ERROR(500),
  UNAVAILABLE(503);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status this code maps to, e.g. 409 for {@link #KEY_LOCKED}. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The stable token clients match on; equal to {@link #name()}. */
  public String token() {
    return name();
  }
}

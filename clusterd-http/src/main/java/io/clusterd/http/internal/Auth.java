package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.http.Secret;
import io.clusterd.http.ServerConfig;
import io.clusterd.spi.SessionStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens with roles and scopes, browser sessions made from them, and the self-registration key. Secrets
 * (plain or hashed, see {@link Secret}) are compared in constant time, and every token is compared, not only up
 * to the first that matches. Failed attempts are limited per client address ({@link FailureLimiter}): past the
 * limit, attempts answer 429 {@code TOO_MANY_REQUESTS} with the seconds to wait. A session ends {@code idle}
 * after its last use and {@code max} after it was opened, whichever comes first, as {@code clock} tells.
 * Sessions live in this daemon's memory, or, for a daemon on a store several daemons share, in that store
 * ({@link SharedSessions}), so they work on every daemon. Thread-safe.
 */
public final class Auth {
  /** Who made a request, and the clusters it is limited to (none: unscoped). */
  public record Principal(String name, ServerConfig.Role role, List<String> scopes) {
    public Principal {
      scopes = List.copyOf(scopes);
    }

    public boolean scoped() {
      return !scopes.isEmpty();
    }
  }

  /**
   * The actor of a self-registration ({@code POST /api/register?apikey=...}) in history and the access log: the
   * register key, which can only register instances (its role is not consulted; the route checks the key).
   */
  public static final Principal REGISTER_KEY = new Principal("register-key", ServerConfig.Role.ADMIN, List.of());

  /** One browser session: who, when it was opened, when it was last used. */
  private record Session(Principal principal, Instant opened, Instant used) { }

  private final List<ServerConfig.Token> tokens;
  private final Optional<Secret> registerKey;
  private final Duration idle;
  private final Duration max;
  private final Clock clock;
  private final FailureLimiter failures;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final List<java.util.function.Consumer<String>> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private final Optional<SharedSessions> shared;

  /** Sessions with the default lifetimes of {@link ServerConfig}, on the system clock. */
  public Auth(List<ServerConfig.Token> tokens, Optional<Secret> registerKey) {
    this(tokens, registerKey, ServerConfig.DEFAULT_SESSION_IDLE, ServerConfig.DEFAULT_SESSION_MAX, Clock.systemUTC());
  }

  public Auth(List<ServerConfig.Token> tokens, Optional<Secret> registerKey, Duration idle, Duration max,
      Clock clock) {
    this(tokens, registerKey, idle, max, clock, Optional.empty());
  }

  /** Sessions kept in {@code sessionStore} when given (several daemons on one store), else in memory. */
  public Auth(List<ServerConfig.Token> tokens, Optional<Secret> registerKey, Duration idle, Duration max,
      Clock clock, Optional<SessionStore> sessionStore) {
    this.tokens = List.copyOf(tokens);
    this.registerKey = Objects.requireNonNull(registerKey, "registerKey");
    this.idle = Objects.requireNonNull(idle, "idle");
    this.max = Objects.requireNonNull(max, "max");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.failures = new FailureLimiter(FailureLimiter.DEFAULT_BURST, FailureLimiter.DEFAULT_REFILL, clock);
    this.shared = sessionStore.map(s -> new SharedSessions(s, idle, max, clock, this::byName));
  }

  /** The principal of the configured token named {@code name}, or empty when none is. */
  private Optional<Principal> byName(String name) {
    return tokens.stream().filter(t -> t.name().equals(name)).findFirst()
        .map(t -> new Principal(t.name(), t.role(), t.scopes()));
  }

  public boolean enabled() {
    return !tokens.isEmpty();
  }

  /** The principal of a bearer secret, or empty; every token is compared, in constant time each. */
  public Optional<Principal> bySecret(String secret) {
    Principal found = null;
    for (ServerConfig.Token t : tokens) {
      boolean match = t.secret().matches(secret);
      if (match && found == null) {
        found = new Principal(t.name(), t.role(), t.scopes());
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The principal of a secret sent from {@code address} ({@code what} it was, for the message: "the bearer
   * token", "the token"); a failure counts against the address.
   *
   * @throws ClusterdException {@code TOO_MANY_REQUESTS} while the address has failed too often (the secret is
   *     not checked), {@code NEED_AUTHENTICATION} for a secret of no token
   */
  public Principal authenticate(String secret, String address, String what) {
    refuseIfBlocked(address);
    Optional<Principal> p = bySecret(secret);
    if (p.isEmpty()) {
      failures.failed(address);
      throw ClusterdException.of(ErrorCode.NEED_AUTHENTICATION, what + " is not valid");
    }
    return p.get();
  }

  private void refuseIfBlocked(String address) {
    Optional<Duration> wait = failures.blocked(address);
    if (wait.isPresent()) {
      long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
      throw ClusterdException.of(ErrorCode.TOO_MANY_REQUESTS, "too many failed sign-ins or tokens from " + address
          + ": try again in " + seconds + " s", Map.of("retryAfterSeconds", seconds));
    }
  }

  /** The principal of a live session, which this use keeps alive; empty for an unknown or expired one. */
  public Optional<Principal> bySession(String session) {
    if (session == null) {
      return Optional.empty();
    }
    if (shared.isPresent()) {
      return shared.get().lookup(session, true);
    }
    Instant now = clock.instant();
    Session s = sessions.computeIfPresent(session, (id, old) -> expired(old, now) ? null
        : new Session(old.principal(), old.opened(), now));
    return s == null ? Optional.empty() : Optional.of(s.principal());
  }

  /**
   * Whether a session is open (neither closed nor expired), without counting the question as a use of it. With
   * sessions in a shared store that cannot be reached, the answer is yes: an event stream that was allowed stays
   * until the store can tell (a sign-out needs the store too, and every request still asks it).
   */
  public boolean sessionOpen(String session) {
    if (shared.isPresent()) {
      try {
        return session != null && shared.get().lookup(session, false).isPresent();
      } catch (ClusterdException e) {
        return true;
      }
    }
    Session s = session == null ? null : sessions.get(session);
    return s != null && !expired(s, clock.instant());
  }

  /** Starts a browser session for a valid token; the id goes into an HttpOnly cookie. */
  public String openSession(Principal p) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    if (shared.isPresent()) {
      shared.get().open(id, p);
      return id;
    }
    Instant now = clock.instant();
    sessions.values().removeIf(s -> expired(s, now)); // sessions nobody closed do not pile up
    sessions.put(id, new Session(p, now, now));
    return id;
  }

  private boolean expired(Session s, Instant now) {
    return !now.isBefore(s.used().plus(idle)) || !now.isBefore(s.opened().plus(max));
  }

  /** Ends a session (on every daemon when they share the store) and tells the listeners of this daemon. */
  public void closeSession(String id) {
    if (id == null) {
      return;
    }
    boolean wasOpen = shared.isPresent() ? shared.get().close(id) : sessions.remove(id) != null;
    if (wasOpen) {
      closed.forEach(c -> c.accept(id));
    }
  }

  /** Hears the id of each session signed out ({@link #closeSession}), e.g. to end its event streams. */
  public void onSessionClosed(java.util.function.Consumer<String> listener) {
    closed.add(listener);
  }

  /** Checks the self-registration key sent from {@code address}; a wrong key counts against the address. */
  public void checkRegisterKey(String given, String address) {
    if (registerKey.isEmpty()) {
      throw ClusterdException.of(ErrorCode.FORBIDDEN,
          "self-registration is switched off: start the daemon with --register-key to allow it");
    }
    if (given == null || given.isEmpty()) {
      throw ClusterdException.of(ErrorCode.APIKEY_MISSING, "the apikey query parameter is missing");
    }
    refuseIfBlocked(address);
    if (!registerKey.get().matches(given)) {
      failures.failed(address);
      throw ClusterdException.of(ErrorCode.APIKEY_INVALID, "the apikey is not valid");
    }
  }
}

package io.clusterd.core.transport.http;

import io.clusterd.ClusterdException;
import io.clusterd.Endpoint;
import io.clusterd.ErrorCode;
import io.clusterd.InstanceVersion;
import io.clusterd.KeyName;
import io.clusterd.LookupResult;
import io.clusterd.core.transport.http.ElektradJson.BadAnswer;
import io.clusterd.spi.Transport;
import io.clusterd.spi.TransportConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@link Transport} speaking elektrad 0.11's REST protocol with the JDK {@link HttpClient}.
 *
 * <p>Why it does more than map calls to routes (see {@code docs/elektrad.md}):
 * <ul>
 *   <li>Session: elektrad keeps one Elektra handle per session cookie for an hour. Its {@code Set-Cookie} has
 *       no {@code Path}, so a cookie jar would not send it to other routes; this transport keeps the value
 *       itself and sends it on every request. It starts with a value of its own (elektrad adopts a
 *       client-chosen id), so concurrent first requests share one session, and adopts any value the host
 *       sets later (after a restart).
 *   <li>Names: the key name follows the route, percent-encoded ({@link ElektradPaths}); names elektrad's
 *       router would redirect are refused before sending.
 *   <li>{@code children}: elektrad 0.11 skips the key that follows each child's subtree, so missing direct
 *       children (known from {@code ls}) are fetched one by one.
 *   <li>Recursive delete and copy are composed of single-key requests (elektrad deletes one key, has no
 *       copy); move is elektrad's own {@code kdbMv}.
 *   <li>Writes of cascading, {@code proc:/} (crashes elektrad 0.11.0), {@code default:/} (not persisted)
 *       and {@code meta:/} keys are refused with {@code NAMESPACE_NOT_WRITABLE} without a request.
 * </ul>
 *
 * <p>Thread-safe; every method is non-blocking. The requests of one composed operation (delete, copy,
 * a lookup's repair) are sent one after another.
 */
final class HttpTransport implements Transport {
  private static final int MAX_PRELOAD = 9;
  private static final Pattern RE2_NAMED_GROUP = Pattern.compile("\\(\\?P<");
  private static final Pattern SESSION_COOKIE = Pattern.compile("(?:^|;)\\s*session=([^;\\s]*)");
  /** The details key, set to {@code true}, of a failure whose connection closed before any answer byte. */
  static final String CLOSED_BEFORE_ANSWER = "closedBeforeAnswer";
  private static final boolean RESEND = true;
  private static final boolean ONCE = false;

  private final HttpClient client;
  private final Exchanges exchanges;
  private final TransportConfig config;
  private final Endpoint endpoint;
  private final AtomicReference<String> session = new AtomicReference<>(UUID.randomUUID().toString());
  private final Supplier<Boolean> factoryClosed;
  private final AddressPolicy policy;
  private final LongAdder resends;
  private final ExchangeFailures failures;
  private volatile boolean closed;

  HttpTransport(HttpClient client, Exchanges exchanges, TransportConfig config, Supplier<Boolean> factoryClosed, AddressPolicy policy,
      LongAdder resends) {
    this.client = Objects.requireNonNull(client, "client");
    this.exchanges = Objects.requireNonNull(exchanges, "exchanges");
    this.config = Objects.requireNonNull(config, "config");
    this.endpoint = config.endpoint();
    this.factoryClosed = factoryClosed;
    this.policy = Objects.requireNonNull(policy, "policy");
    this.resends = Objects.requireNonNull(resends, "resends");
    this.failures = new ExchangeFailures(config);
  }

  /** The session id sent with every request, for tests. */
  String session() {
    return session.get();
  }

  // --- the SPI ---

  @Override
  public CompletableFuture<InstanceVersion> version() {
    return relay(() -> exchange("GET", "/version", null, "GET /version", RESEND)
        .thenApply(a -> json(a, ElektradJson::version)));
  }

  @Override
  public CompletableFuture<LookupResult> lookup(KeyName key, int preload) {
    Objects.requireNonNull(key, "key");
    return relay(() -> {
      checkPreload(preload);
      readablePath("/kdb", key);
      return fetch(key, preload).thenCompose(r -> complete(key, r, preload + 1));
    });
  }

  @Override
  public CompletableFuture<Void> set(KeyName key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return relay(() -> {
      String path = writablePath("/kdb", key);
      return put(path, key, value, RESEND);
    });
  }

  @Override
  public CompletableFuture<Void> delete(KeyName key) {
    Objects.requireNonNull(key, "key");
    return relay(() -> {
      writablePath("/kdb", key);
      return fetch(key, 0).thenCompose(r -> {
        List<KeyName> names = namesAtOrBelow(r, key);
        Collections.reverse(names); // deepest first: a key before the keys it is below
        List<String> paths = new ArrayList<>(names.size());
        for (KeyName k : names) {
          paths.add(writablePath("/kdb", k));
        }
        return sequentially(paths,
            p -> exchange("DELETE", p, null, "DELETE " + decode(p), RESEND).thenApply(this::ok));
      });
    });
  }

  @Override
  public CompletableFuture<Void> move(KeyName from, KeyName to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return relay(() -> {
      String path = writablePath("/kdbMv", from);
      requireWritable(to);
      requireNotInside(from, to, "move");
      if (from.equals(to)) {
        return CompletableFuture.completedFuture(null);
      }
      // a move is never sent twice: a second kdbMv of an applied one would fail or move what is there now
      return exchange("POST", path, ElektradJson.string(to.toString()), "POST /kdbMv/" + from + " to " + to,
          ONCE).thenApply(this::ok);
    });
  }

  @Override
  public CompletableFuture<Void> copy(KeyName from, KeyName to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return relay(() -> {
      writablePath("/kdb", from);
      writablePath("/kdb", to);
      if (from.equals(to)) {
        return CompletableFuture.completedFuture(null);
      }
      // read the whole source before writing anything, so a copy into its own subtree copies it once
      return readSubtree(from).thenCompose(source -> {
        Map<KeyName, LookupResult> targets = new LinkedHashMap<>();
        for (Map.Entry<KeyName, LookupResult> e : source.entrySet()) {
          KeyName target = e.getKey().relocate(from, to);
          writablePath("/kdb", target);
          targets.put(target, e.getValue());
        }
        if (targets.isEmpty()) {
          return CompletableFuture.completedFuture(null);
        }
        return readSubtree(to).thenCompose(existing -> sequentially(new ArrayList<>(targets.entrySet()),
            e -> writeCopy(e.getKey(), e.getValue(), Optional.ofNullable(existing.get(e.getKey())))));
      });
    });
  }

  @Override
  public CompletableFuture<Void> setMeta(KeyName key, String metaName, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(metaName, "metaName");
    Objects.requireNonNull(value, "value");
    return relay(() -> {
      String path = writablePath("/kdbMeta", key);
      String name = KeyName.requireMetaName(metaName);
      return exchange("POST", path, ElektradJson.keyValue(name, value), "POST /kdbMeta/" + key + " " + name,
          RESEND).thenApply(this::ok);
    });
  }

  @Override
  public CompletableFuture<Void> deleteMeta(KeyName key, String metaName) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(metaName, "metaName");
    return relay(() -> {
      String path = writablePath("/kdbMeta", key);
      String name = KeyName.requireMetaName(metaName);
      return exchange("DELETE", path, ElektradJson.key(name), "DELETE /kdbMeta/" + key + " " + name, RESEND)
          .thenApply(a -> {
            // elektrad answers 404 (empty) when the key does not exist: then the entry is absent too
            if (a.status() == 404 && a.body().length == 0) {
              return null;
            }
            return ok(a);
          });
    });
  }

  @Override
  public CompletableFuture<List<String>> find(String regex) {
    Objects.requireNonNull(regex, "regex");
    return relay(() -> {
      try {
        Pattern.compile(RE2_NAMED_GROUP.matcher(regex).replaceAll(Matcher.quoteReplacement("(?<")));
      } catch (PatternSyntaxException e) {
        throw new ClusterdException(ErrorCode.INVALID_BODY,
            "invalid regular expression '" + regex + "': " + e.getDescription(), Map.of("regex", regex), e);
      }
      String path = ElektradPaths.forText("/kdbFind", ElektradPaths.slashSafeRegex(regex)).orElseThrow(
          () -> ClusterdException.of(ErrorCode.INVALID_BODY, "elektrad cannot receive the regular expression '"
              + regex + "' in its URL path", Map.of("regex", regex)));
      return exchange("GET", path, null, "GET /kdbFind/" + regex, RESEND)
          .thenApply(a -> json(a, ElektradJson::strings));
    });
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "HttpTransport[" + endpoint + ", instance " + config.instanceId() + "]";
  }

  // --- composed operations ---

  private CompletableFuture<Void> put(String path, KeyName key, String value, boolean resend) {
    return exchange("PUT", path, ElektradJson.string(value), "PUT " + key, resend).thenApply(this::ok);
  }

  /** One lookup as elektrad answers it, without repairing its children. */
  private CompletableFuture<LookupResult> fetch(KeyName key, int preload) {
    String path = readablePath("/kdb", key) + "?preload=" + preload;
    return exchange("GET", path, null, "GET " + key, RESEND).thenApply(a -> json(a, ElektradJson::lookup));
  }

  /**
   * Gives {@code r} (the answer for {@code key}) every existing key directly below as a child, {@code levels}
   * levels deep: elektrad 0.11 leaves some out (see the class comment), {@code ls} tells which.
   */
  private CompletableFuture<LookupResult> complete(KeyName key, LookupResult r, int levels) {
    if (key.isCascading()) {
      return CompletableFuture.completedFuture(r); // spans namespaces; cannot be repaired key by key
    }
    if (levels <= 0) {
      return CompletableFuture.completedFuture(r.children().isEmpty() ? r : withChildren(r, List.of()));
    }
    Map<String, LookupResult> given = new HashMap<>();
    for (LookupResult c : r.children()) {
      given.put(c.path(), c);
    }
    List<KeyName> direct = new ArrayList<>();
    for (KeyName k : namesAtOrBelow(r, key)) {
      if (k.isDirectlyBelow(key)) {
        direct.add(k);
      }
    }
    if (direct.size() == given.size() && levels == 1) {
      return CompletableFuture.completedFuture(r);
    }
    List<LookupResult> children = Collections.synchronizedList(new ArrayList<>());
    return sequentially(direct, child -> {
      LookupResult known = given.get(child.toString());
      CompletableFuture<LookupResult> source = known != null
          ? CompletableFuture.completedFuture(known)
          : fetch(child, Math.max(0, levels - 2));
      return source.thenCompose(c -> c.exists()
              ? complete(child, c, levels - 1)
              : CompletableFuture.<LookupResult>completedFuture(null))
          .thenAccept(c -> {
            if (c != null) {
              children.add(c);
            }
          });
    }).thenApply(v -> withChildren(r, children));
  }

  /**
   * Every existing key at or below {@code key} with its value and metadata, in Elektra order: one deep
   * lookup, repaired, plus one more per branch deeper than elektrad's preload reaches.
   */
  private CompletableFuture<Map<KeyName, LookupResult>> readSubtree(KeyName key) {
    return fetch(key, MAX_PRELOAD).thenCompose(r -> complete(key, r, MAX_PRELOAD + 1).thenCompose(top -> {
      Map<KeyName, LookupResult> found = new TreeMap<>();
      collect(key, top, found);
      List<KeyName> all = namesAtOrBelow(r, key);
      return sequentially(all, k -> {
        if (found.containsKey(k)) {
          return CompletableFuture.completedFuture(null);
        }
        return fetch(k, MAX_PRELOAD).thenCompose(d -> complete(k, d, MAX_PRELOAD + 1))
            .thenAccept(d -> collect(k, d, found));
      }).thenApply(v -> found);
    }));
  }

  private static void collect(KeyName key, LookupResult r, Map<KeyName, LookupResult> out) {
    if (r.exists()) {
      out.put(key, r);
    }
    for (LookupResult c : r.children()) {
      KeyName child = KeyName.tryParse(c.path()).filter(k -> k.isDirectlyBelow(key)).orElse(null);
      if (child != null) {
        collect(child, c, out);
      }
    }
  }

  /** Writes one copied key: its value, then its metadata, removing metadata the target had and the source has not. */
  private CompletableFuture<Void> writeCopy(KeyName target, LookupResult source, Optional<LookupResult> existing) {
    String kdb = writablePath("/kdb", target);
    String meta = writablePath("/kdbMeta", target);
    List<Supplier<CompletableFuture<Void>>> steps = new ArrayList<>();
    // the writes of a copy are sent once each, as the copy itself is (see Transport.NOT_SENT)
    steps.add(() -> put(kdb, target, source.value(), ONCE));
    Map<String, String> old = existing.map(LookupResult::meta).orElse(Map.of());
    for (String name : new TreeMap<>(old).keySet()) {
      if (!source.meta().containsKey(name)) {
        steps.add(() -> exchange("DELETE", meta, ElektradJson.key(name), "DELETE /kdbMeta/" + target + " " + name,
            ONCE).thenApply(a -> a.status() == 404 && a.body().length == 0 ? null : ok(a)));
      }
    }
    if (!source.meta().isEmpty() && !source.meta().equals(old)) {
      String bulk = writablePath("/kdbMetaBulk", target);
      steps.add(() -> exchange("POST", bulk, ElektradJson.metaBulk(new TreeMap<>(source.meta())),
          "POST /kdbMetaBulk/" + target, ONCE).thenApply(this::ok));
    }
    return sequentially(steps, Supplier::get);
  }

  // --- requests and answers ---

  /**
   * One request and its answer; fails with the mapped {@link ClusterdException} when no answer came. With
   * {@code resend} ({@link #RESEND}) a request whose connection closed before any byte of the answer arrived is
   * sent once more at once: a kept-alive connection the host had already closed while idle looks like that.
   */
  private CompletableFuture<Answer> exchange(String method, String rawPath, String jsonBody, String what,
      boolean resend) {
    if (closed || factoryClosed.get()) {
      Map<String, Object> details = failures.details();
      details.put(NOT_SENT, true);
      return CompletableFuture.failedFuture(ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE,
          "the http transport to " + endpoint + " is closed", details));
    }
    ClusterdException refused = refusedAddress(what);
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    URI uri = endpoint.resolve(rawPath);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .header("Cookie", "session=" + session.get())
        .header("Accept", "application/json");
    Duration timeout = config.responseTimeout();
    if (!timeout.isZero() && !timeout.isNegative()) {
      b.timeout(timeout);
    }
    if (jsonBody != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return send(b.build(), what, resend);
  }

  private CompletableFuture<Answer> send(HttpRequest request, String what, boolean resend) {
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = exchanges.send(client, request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(failures.exchange(e, what));
    }
    return sent.handle((response, error) -> {
      if (error == null) {
        adoptSession(response);
        return CompletableFuture.completedFuture(
            new Answer(response.statusCode(), response.body() == null ? new byte[0] : response.body(), what));
      }
      Throwable t = ClusterdException.unwrap(error);
      if (resend && ExchangeFailures.closedBeforeAnswer(t)) {
        // the client closed that connection: the resend takes another one (a new one once the stale are gone)
        resends.increment();
        return send(request, what, ONCE);
      }
      return CompletableFuture.<Answer>failedFuture(failures.exchange(t, what));
    }).thenCompose(Function.identity());
  }

  /**
   * The refusal of the {@link AddressPolicy} for the endpoint's host and what it resolves to now, or null. The
   * client resolves a host when it opens a connection, from the same JVM cache this lookup fills.
   */
  private ClusterdException refusedAddress(String what) {
    if (!policy.resolves()) {
      return null;
    }
    String host = endpoint.host();
    List<InetAddress> addresses;
    try {
      addresses = MetadataAddresses.addresses(host);
    } catch (UnknownHostException | SecurityException e) {
      addresses = List.of(); // the client fails the same way: INSTANCE_UNREACHABLE
    }
    Optional<String> why = policy.refusal(host, addresses);
    if (why.isEmpty()) {
      return null;
    }
    Map<String, Object> details = failures.details();
    details.put("reason", why.get());
    return ClusterdException.of(ErrorCode.FORBIDDEN, "refused to send " + what + " to " + endpoint + ": "
        + why.get() + "; the daemon does not connect to link-local or cloud metadata addresses", details);
  }

  private void adoptSession(HttpResponse<?> response) {
    for (String header : response.headers().allValues("set-cookie")) {
      Matcher m = SESSION_COOKIE.matcher(header);
      if (m.find() && !m.group(1).isEmpty()) {
        session.set(m.group(1));
      }
    }
  }

  /** The answer of a write: any 2xx; an error status becomes {@code INSTANCE_ERROR}. */
  private Void ok(Answer a) {
    if (a.status() >= 200 && a.status() < 300) {
      return null;
    }
    throw failures.unexpected(a);
  }

  private <T> T json(Answer a, JsonReader<T> reader) {
    if (a.status() != 200) {
      throw failures.unexpected(a);
    }
    try {
      return reader.read(a.body());
    } catch (BadAnswer e) {
      throw failures.badAnswer(a, e.getMessage());
    }
  }

  // --- names ---

  private static void checkPreload(int preload) {
    if (preload < 0 || preload > MAX_PRELOAD) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "preload must be between 0 and " + MAX_PRELOAD + ", was " + preload, Map.of("preload", preload));
    }
  }

  /** The raw path of a key that is read; refuses names elektrad cannot address. */
  private String readablePath(String route, KeyName key) {
    if (key.isCascading() && !key.isRoot()) {
      throw ClusterdException.of(ErrorCode.INVALID_KEY_NAME, "elektrad cannot address the cascading key name '"
          + key + "' (its router redirects the '//' it makes in the URL); name a namespace instead, e.g. user:"
          + key + " or system:" + key, Map.of("key", key.toString(), "host", endpoint.toString()));
    }
    return ElektradPaths.forKey(route, key).orElseThrow(() -> unaddressable(key));
  }

  /** The raw path of a key that is written; refuses namespaces clusterd never writes. */
  private String writablePath(String route, KeyName key) {
    requireWritable(key);
    return ElektradPaths.forKey(route, key).orElseThrow(() -> unaddressable(key));
  }

  private void requireWritable(KeyName key) {
    if (!key.namespace().isWritable()) {
      throw ClusterdException.notWritable(key, Map.of("host", endpoint.toString()));
    }
  }

  private ClusterdException unaddressable(KeyName key) {
    return ClusterdException.of(ErrorCode.INVALID_KEY_NAME, "elektrad cannot address the key '" + key
        + "': a part containing '/' puts an empty, '.' or '..' segment into the URL path, which elektrad's"
        + " router redirects", Map.of("key", key.toString(), "host", endpoint.toString()));
  }

  private static void requireNotInside(KeyName from, KeyName to, String op) {
    if (to.isBelow(from)) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY, "cannot " + op + " '" + from
          + "' into its own subtree ('" + to + "')", Map.of("key", from.toString(), "target", to.toString()));
    }
  }

  /** The names of {@code r.ls()}, each checked to be at or below {@code key}. */
  private List<KeyName> namesAtOrBelow(LookupResult r, KeyName key) {
    List<KeyName> names = new ArrayList<>(r.ls().size());
    for (String s : r.ls()) {
      KeyName k = KeyName.tryParse(s).orElse(null);
      if (k == null || (!key.isCascading() && !k.isBelowOrSame(key))) {
        Map<String, Object> details = failures.details();
        details.put("key", key.toString());
        details.put("listed", s);
        throw ClusterdException.of(ErrorCode.INSTANCE_BAD_ANSWER, "the answer of " + endpoint + " to a lookup of '"
            + key + "' lists '" + s + "', which is not a key name at or below it", details);
      }
      names.add(k);
    }
    return names;
  }

  // --- helpers ---

  private static LookupResult withChildren(LookupResult r, List<LookupResult> children) {
    return new LookupResult(r.exists(), r.name(), r.path(), r.ls(), r.value(), r.meta(), children);
  }

  /** Runs {@code action} on each item, one after the other; stops at the first failure. */
  private static <T> CompletableFuture<Void> sequentially(List<T> items,
      Function<T, ? extends CompletableFuture<?>> action) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (T item : items) {
      chain = chain.thenCompose(v -> action.apply(item).thenApply(x -> null));
    }
    return chain;
  }

  /**
   * Runs {@code body} and hands out its future so that it fails with the {@link ClusterdException} itself
   * (not wrapped), whether the body threw or a stage did.
   */
  private <T> CompletableFuture<T> relay(Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<T> inner;
    try {
      inner = body.get();
    } catch (RuntimeException e) {
      result.completeExceptionally(failures.of(e));
      return result;
    }
    inner.whenComplete((value, error) -> {
      if (error != null) {
        result.completeExceptionally(failures.of(ClusterdException.unwrap(error)));
      } else {
        result.complete(value);
      }
    });
    return result;
  }

  private static String decode(String rawPath) {
    return java.net.URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** One answer: status, body and what was asked (for messages). */
  record Answer(int status, byte[] body, String what) {}

  @FunctionalInterface
  private interface JsonReader<T> {
    T read(byte[] body) throws BadAnswer;
  }
}

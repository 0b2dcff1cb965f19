package io.clusterd.http.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Map;

/** Browser sign-in and sign-out: a session cookie made from a token, since the web client sends only cookies. */
final class SessionRoutes {
  /** {@code POST /api/session} as JSON; any other body is the token itself. */
  record SignIn(@Doc(value = "a token the daemon was started with", required = true) String token) { }

  private static final String COOKIE = "clusterd_session";

  private final Auth auth;
  private final String secure;

  SessionRoutes(Auth auth, io.clusterd.http.ServerConfig config) {
    this.auth = auth;
    this.secure = config.tls().isPresent() ? "; Secure" : ""; // under TLS the cookie never travels in clear
  }

  void register(RouteTable r) {
    r.post("/api/session", "sign in with a token (sets a session cookie)", this::signIn).body(SignIn.class)
        .answers(200, "Session");
    r.delete("/api/session", "sign out", this::signOut).answers(200, "SignedOut");
  }

  private void signIn(Context ctx) {
    String secret = Bodies.contentType(ctx).startsWith("application/json")
        ? Bodies.bind(ctx, SignIn.class).value().token()
        : Bodies.text(ctx).strip();
    if (secret == null || secret.isEmpty()) {
      throw ClusterdException.of(ErrorCode.NEED_AUTHENTICATION, "send the token as {\"token\": \"...\"}");
    }
    Auth.Principal p = auth.authenticate(secret, ctx.ip(), "the token");
    ctx.attribute("principal", p); // the access log names who signed in
    String session = auth.openSession(p);
    ctx.header("Set-Cookie", COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict" + secure);
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("name", p.name());
    body.put("role", p.role().name().toLowerCase(Locale.ROOT));
    if (p.scoped()) {
      body.put("scopes", p.scopes());
    }
    Answers.json(ctx, body);
  }

  private void signOut(Context ctx) {
    auth.bySession(ctx.cookie(COOKIE)).ifPresent(p -> ctx.attribute("principal", p));
    auth.closeSession(ctx.cookie(COOKIE));
    ctx.header("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure);
    Answers.json(ctx, Map.of("signedOut", true));
  }
}

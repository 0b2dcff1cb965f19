package io.clusterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options from flags and from a config file, durations, and how bad input is refused. */
class CommandLineTest {
  @TempDir
  Path dir;

  private static Main parse(String... args) {
    Main main = new Main();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void durations_inAllUnits_areParsed() {
    Main.DurationConverter c = new Main.DurationConverter();
    assertEquals(Duration.ofMillis(500), c.convert("500ms"));
    assertEquals(Duration.ofSeconds(2), c.convert("2s"));
    assertEquals(Duration.ofMinutes(1), c.convert("1m"));
    assertEquals(Duration.ofHours(1), c.convert("1h"));
    assertEquals(Duration.ZERO, c.convert("0"));
    for (String bad : List.of("5", "1.5s", "-1s", "soon", "")) {
      assertThrows(CommandLine.TypeConversionException.class, () -> c.convert(bad), bad);
    }
  }

  @Test
  void flags_setEveryOption() {
    Main m = parse("--port", "4000", "--bind", "127.0.0.2", "--token", "ops:admin:secret-123", "--timeout", "500ms",
        "--reconcile-every", "0", "--allow-hosts", "http://10.*,http://192.168.*", "--max-in-flight", "8",
        "--max-subscribers", "5");
    assertEquals(4000, m.port);
    assertEquals("127.0.0.2", m.bind);
    assertEquals(List.of("ops:admin:secret-123"), m.tokens);
    assertEquals(Duration.ofMillis(500), m.timeout);
    assertEquals(Duration.ZERO, m.reconcileEvery);
    assertEquals(List.of("http://10.*", "http://192.168.*"), m.allowHosts);
    assertEquals(8, m.maxInFlight);
    assertEquals(5, m.maxSubscribers);
  }

  @Test
  void configFile_givesDefaults_andFlagsWin() throws Exception {
    Path cfg = Files.writeString(dir.resolve("clusterd.properties"), "port=4100\ntimeout=3s\ndata-dir=/srv/clusterd\n");
    Main main = new Main();
    CommandLine cmd = new CommandLine(main);
    java.util.Properties props = new java.util.Properties();
    try (var in = Files.newInputStream(cfg)) {
      props.load(in);
    }
    cmd.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(props));
    cmd.parseArgs("--config", cfg.toString(), "--port", "4200");
    assertEquals(4200, main.port, "the flag wins");
    assertEquals(Duration.ofSeconds(3), main.timeout, "the file gives the rest");
    assertEquals(Path.of("/srv/clusterd"), main.dataDir);
  }

  @Test
  void run_badFlagOrUnreadableConfig_exitsWithUsageCode() {
    assertEquals(2, Main.run("--no-such-flag"));
    assertEquals(2, Main.run("--config", dir.resolve("missing.properties").toString()));
    assertEquals(2, Main.run("--timeout", "soon"));
    assertEquals(2, Main.run("--token", "foo"), "a malformed token is a usage error");
    assertEquals(2, Main.run("--demo-ports", "40000"), "--demo-ports without --demo");
    assertEquals(2, Main.run("--demo", "--demo-ports", "65530"), "twelve ports do not fit");
    assertEquals(2, Main.run("--log-level", "loud"));
    assertEquals(2, Main.run("--log-format", "xml"));
    assertEquals(2, Main.run("--max-subscribers", "0"));
  }

  @Test
  void demoPorts_flag_isParsed() {
    Main m = parse("--demo", "--demo-ports", "40100");
    assertTrue(m.demo);
    assertEquals(40100, m.demoPorts);
  }

  @Test
  void run_tokensSharingASecretWithDifferentRoles_exitsWithUsageCodeAndOneLine() throws Exception {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    int code;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      // a daemon that starts instead would run until stopped
      code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Main.run(
          "--data-dir", dir.resolve("data").toString(), "--port", "0",
          "--token", "ro:read:shared-secret-1", "--token", "ops:admin:shared-secret-1"));
    } finally {
      System.setErr(old);
    }
    String out = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, code, out);
    assertEquals(1, out.strip().lines().count(), out);
    assertTrue(out.startsWith("clusterd: tokens 'ro' (read) and 'ops' (admin) have the same secret"), out);
  }

  @Test
  void sessionAndKeepAliveOptions_parsedWithDefaults() {
    Main defaults = parse();
    assertEquals(Duration.ofHours(1), defaults.sessionIdle);
    assertEquals(Duration.ofHours(12), defaults.sessionMax);
    assertEquals(Duration.ofSeconds(20), defaults.keepAlive);
    Main m = parse("--session-idle", "30m", "--session-max", "8h", "--keep-alive", "5s");
    assertEquals(Duration.ofMinutes(30), m.sessionIdle);
    assertEquals(Duration.ofHours(8), m.sessionMax);
    assertEquals(Duration.ofSeconds(5), m.keepAlive);
  }

  @Test
  void run_sessionIdleZero_exitsWithUsageCode() {
    for (String[] bad : List.of(new String[] {"--session-idle", "0"}, new String[] {"--keep-alive", "500ms"})) {
      assertEquals(2, org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
          () -> Main.run("--data-dir", dir.resolve("data").toString(), "--port", "0", bad[0], bad[1])));
    }
  }

  @Test
  void tokens_malformed_areRefusedWithAReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.Token.parse("just-a-secret"));
    assertTrue(e.getMessage().contains("NAME:ROLE:SECRET"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.Token.parse("a:owner:secret-123"))
        .getMessage().contains("read or admin"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.Token.parse("a:read:short"))
        .getMessage().contains("8 characters"));
  }

  @Test
  void allowHosts_patterns_limitRegistration() {
    ServerConfig cfg = ServerConfig.loopback(0).withAllowHosts(List.of("http://10.0.*"));
    cfg.checkEndpointAllowed("http://10.0.0.5:33333");
    assertEquals("FORBIDDEN", assertThrows(io.clusterd.ClusterdException.class,
        () -> cfg.checkEndpointAllowed("http://192.168.1.1")).code().token());
    assertEquals("FORBIDDEN", assertThrows(io.clusterd.ClusterdException.class,
        () -> ServerConfig.loopback(0).checkEndpointAllowed("http://169.254.169.254/latest")).code().token());
  }

  @Test
  void hashToken_secretOnStandardInput_printsAHashThatMatchesIt() {
    java.io.InputStream oldIn = System.in;
    java.io.PrintStream oldOut = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setIn(new java.io.ByteArrayInputStream("typed-secret-1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
      code = Main.run("hash-token", "--iterations", String.valueOf(Secret.MIN_ITERATIONS));
    } finally {
      System.setIn(oldIn);
      System.setOut(oldOut);
    }
    String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    assertEquals(0, code, printed);
    assertTrue(printed.startsWith("pbkdf2-sha256$" + Secret.MIN_ITERATIONS + "$"), printed);
    assertTrue(ServerConfig.Token.parse("ops:admin:" + printed).secret().matches("typed-secret-1"));
  }

  @Test
  void hashToken_shortSecretOrTooFewIterations_exitsWithUsageCode() {
    java.io.InputStream oldIn = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream("short\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertEquals(2, Main.run("hash-token"));
      System.setIn(new java.io.ByteArrayInputStream("long-enough-1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertEquals(2, Main.run("hash-token", "--iterations", "10"));
    } finally {
      System.setIn(oldIn);
    }
  }

  @Test
  void secretsAsFlags_plainOnes_warnAndHashedOnesDoNot() {
    String hash = Secret.hash("flag-secret-1", Secret.MIN_ITERATIONS);
    for (String[] args : List.of(new String[] {"--token", "ops:admin:flag-secret-1"},
        new String[] {"--register-key", "flag-register-1"}, new String[] {"--token", "ops:admin:" + hash})) {
      CommandLine cmd = Main.commandLine();
      cmd.parseArgs(args);
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      ((Main) cmd.getCommand()).warnAboutSecretsOnFlags(new java.io.PrintStream(err, true,
          java.nio.charset.StandardCharsets.UTF_8));
      String warning = err.toString(java.nio.charset.StandardCharsets.UTF_8);
      if (args[1].contains("pbkdf2")) {
        assertEquals("", warning);
      } else {
        assertTrue(warning.startsWith("clusterd: warning: " + args[0]) && warning.contains("ps"), warning);
        assertTrue(!warning.contains("flag-secret-1") && !warning.contains("flag-register-1"), warning);
      }
    }
  }

  @Test
  void tokens_withScopes_parse() {
    ServerConfig.Token t = ServerConfig.Token.parse("eu-ops:admin:scoped-secret-1:eu,us-web");
    assertEquals(List.of("eu", "us-web"), t.scopes());
    assertTrue(ServerConfig.Token.parse("ops:admin:plain-secret-1").scopes().isEmpty());
    for (String bad : List.of("a:admin:secret-123:", "a:admin:secret-123:EU", "a:admin:secret-123:eu,,us",
        "a:admin:sec:ret-123:eu")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.Token.parse(bad),
          bad);
      assertTrue(!e.getMessage().contains("secret-123") && !e.getMessage().contains("ret-123"), e.getMessage());
    }
  }
}

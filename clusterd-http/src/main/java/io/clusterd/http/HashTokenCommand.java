package io.clusterd.http;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hash-token}: reads a secret from standard input and prints its hash for the token file. */
@Command(name = "hash-token", mixinStandardHelpOptions = true,
    description = "Reads a secret (one line) from standard input and prints its PBKDF2-SHA256 hash, to use"
        + " instead of the secret in --token-file, --token or --register-key.")
final class HashTokenCommand implements Callable<Integer> {
  @Option(names = "--iterations", defaultValue = "" + Secret.DEFAULT_ITERATIONS,
      description = "PBKDF2 iterations, at least " + Secret.MIN_ITERATIONS + " (default ${DEFAULT-VALUE})")
  int iterations;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    java.io.Console console = System.console();
    String secret;
    if (console != null) {
      char[] typed = console.readPassword("secret: ");
      secret = typed == null ? null : new String(typed);
    } else {
      secret = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
          java.nio.charset.StandardCharsets.UTF_8)).readLine();
    }
    if (secret == null || secret.strip().isEmpty()) {
      throw new Main.UsageException("hash-token reads the secret from standard input: echo -n SECRET | clusterd"
          + " hash-token");
    }
    try {
      spec.commandLine().getOut().println(Secret.hash(secret.strip(), iterations));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}

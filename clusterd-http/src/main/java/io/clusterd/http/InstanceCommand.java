package io.clusterd.http;

import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.http.elektrad.ElektradServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code instance}: one stand-in elektrad over an in-memory key database. */
@Command(name = "instance", mixinStandardHelpOptions = true,
    description = "Runs one stand-in elektrad (in-memory key database over the elektrad protocol).")
final class InstanceCommand implements Callable<Integer> {
  @Option(names = "--port", required = true, description = "port to listen on")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
  String bind;

  @Option(names = "--delay-ms", defaultValue = "0", description = "delay added to every answer, in milliseconds")
  int delayMs;

  @Override
  public Integer call() throws Exception {
    Logs.configure(java.util.logging.Level.INFO, Logs.Format.PLAIN);
    ElektradServer server = ElektradServer.start(bind, port, new KeyDatabase());
    if (delayMs > 0) {
      server.delay(Duration.ofMillis(delayMs));
    }
    System.out.println("stand-in elektrad listening on " + server.url());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}

package io.clusterd.http.elektrad;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a host that closes kept-alive connections idle for longer than
 * {@code idle}, and whose close crosses the client's next request on the wire: the client has already sent the
 * request on the connection when it learns it is closed, and receives no byte of an answer. (A host's idle close
 * that the client sees before it reuses the connection is harmless: the JDK client drops such connections.) A
 * request that arrives on a connection idle for longer than {@code idle} is therefore dropped unforwarded with
 * its connection; {@link #dropped()} counts these. Fresh connections and busy ones are forwarded as they are.
 */
public final class IdleClosingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final long idleNanos;
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  public IdleClosingProxy(int targetPort, Duration idle) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.idleNanos = idle.toNanos();
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "idle-closing-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Requests dropped because their connection had been idle too long. */
  public int dropped() {
    return dropped.get();
  }

  /** Connections clients opened. */
  public int connections() {
    return connections.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket host = new Socket();
        host.connect(target, 2000);
        open.add(client);
        open.add(host);
        connections.incrementAndGet();
        long[] lastActivity = {System.nanoTime()};
        start(() -> pump(client, host, lastActivity, true));
        start(() -> pump(host, client, lastActivity, false));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, long[] lastActivity, boolean request) {
    byte[] buf = new byte[16 * 1024];
    try (from; to) {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) > 0) {
        synchronized (lastActivity) {
          if (request && System.nanoTime() - lastActivity[0] > idleNanos) {
            dropped.incrementAndGet();
            return; // closes both: the host had closed this connection, the request is lost
          }
          lastActivity[0] = System.nanoTime();
        }
        out.write(buf, 0, n);
        out.flush();
        synchronized (lastActivity) {
          lastActivity[0] = System.nanoTime();
        }
      }
    } catch (IOException e) {
      // the other side closed
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "idle-closing-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : open) {
      s.close();
    }
  }
}

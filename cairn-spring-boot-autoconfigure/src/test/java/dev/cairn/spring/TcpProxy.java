package dev.cairn.spring;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP forwarder on a loopback port to a target: a second address of the shared broker that a test
 * can take away, connections and all, without touching the broker; or, with a delay, a slow link
 * that delivers every byte {@code delayMillis} late, in order, both ways (a watcher far away).
 */
final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayMillis;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<ScheduledExecutorService> lines = ConcurrentHashMap.newKeySet();
  // Guarded by this: a connection accepted while close() runs is dropped, not left open.
  private boolean closed;
  // Whether each connection is closed as soon as it is accepted (a registry that does not answer).
  private volatile boolean refusing;

  /** A forwarder without delay. */
  TcpProxy(InetSocketAddress target) throws IOException {
    this(target, 0);
  }

  TcpProxy(InetSocketAddress target, long delayMillis) throws IOException {
    this.target = target;
    this.delayMillis = delayMillis;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** Closes every connection as soon as it is accepted ({@code true}), or forwards it again. */
  void refusing(boolean refusing) {
    this.refusing = refusing;
  }

  int port() {
    return server.getLocalPort();
  }

  /** The {@code host:port} to connect to. */
  String address() {
    return "127.0.0.1:" + port();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        if (refusing) {
          closeQuietly(in);
          continue;
        }
        Socket out = new Socket(target.getAddress(), target.getPort());
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        synchronized (this) {
          if (closed) {
            // close() ran while this one was being accepted or connected: it goes too.
            closeQuietly(in);
            closeQuietly(out);
            return;
          }
          sockets.add(in);
          sockets.add(out);
          pump(in, out);
          pump(out, in);
        }
      } catch (IOException e) {
        // closed, or the target refused: the client's connection is dropped
      }
    }
  }

  private void pump(Socket from, Socket to) {
    // One writer thread per direction: delayed chunks keep their order (same delay, FIFO).
    ScheduledExecutorService line =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tcp-proxy-line");
              t.setDaemon(true);
              return t;
            });
    lines.add(line);
    Thread reader =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream i = from.getInputStream()) {
                OutputStream o = to.getOutputStream();
                int n;
                while ((n = i.read(buffer)) >= 0) {
                  byte[] chunk = Arrays.copyOf(buffer, n);
                  line.schedule(() -> write(o, chunk, to), delayMillis, TimeUnit.MILLISECONDS);
                }
              } catch (IOException | RejectedExecutionException e) {
                // one side closed, or the proxy (which closed both sides)
              }
              try {
                line.schedule(() -> closeQuietly(to), delayMillis, TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException e) {
                closeQuietly(to); // the proxy closed: no line left to deliver the close in order
              }
            },
            "tcp-proxy-read");
    reader.setDaemon(true);
    reader.start();
  }

  private static void write(OutputStream o, byte[] chunk, Socket to) {
    try {
      o.write(chunk);
      o.flush();
    } catch (IOException e) {
      closeQuietly(to);
    }
  }

  /** Stops listening and drops every connection through it. */
  @Override
  public synchronized void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(TcpProxy::closeQuietly);
    lines.forEach(ScheduledExecutorService::shutdownNow);
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // already closed
    }
  }
}

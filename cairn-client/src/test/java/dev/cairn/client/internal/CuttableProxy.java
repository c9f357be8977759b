package dev.cairn.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback whose connections a test can cut, as a registry node's death would: while
 * cut it refuses new connections; {@link #restore()} listens again on the same port. Or silence, as
 * a network partition would: connections stay open and new ones are taken, but no byte gets through
 * either way (no RST, no FIN) until {@link #unsilence()}. Or freeze, as a paused process would
 * ({@code kill -STOP}): connections are taken and bytes kept, then delivered in order on {@link
 * #thaw()}.
 */
final class CuttableProxy implements AutoCloseable {

  private final InetSocketAddress target;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;
  private volatile boolean silent;
  private final Object frozenLock = new Object();
  private boolean frozen; // guarded by frozenLock
  private volatile long toClientDelayMillis;

  CuttableProxy(InetSocketAddress target) {
    this.target = target;
    this.server = listen(0);
    this.port = server.getLocalPort();
    accept(server);
  }

  int port() {
    return port;
  }

  /** Closes every connection and stops listening. */
  void cut() {
    close();
  }

  /**
   * Holds what the target sends back for {@code millis} before relaying it (each read: a slow
   * return path, e.g. to make an answer come well after the request reached the target).
   */
  void delayToClient(long millis) {
    toClientDelayMillis = millis;
  }

  /** Drops every byte either way from now on, keeping the connections open (a partition). */
  void silence() {
    silent = true;
  }

  /** Relays bytes again (bytes dropped meanwhile stay lost: the connections are broken). */
  void unsilence() {
    silent = false;
  }

  /** Holds every byte either way from now on, until {@link #thaw()} delivers them. */
  void freeze() {
    synchronized (frozenLock) {
      frozen = true;
    }
  }

  /** Delivers what was held and relays again. */
  void thaw() {
    synchronized (frozenLock) {
      frozen = false;
      frozenLock.notifyAll();
    }
  }

  // Blocks the pipe while frozen: the bytes it read stay with it, as in a paused process's buffers.
  private void awaitThawed() throws InterruptedException {
    synchronized (frozenLock) {
      while (frozen) {
        frozenLock.wait();
      }
    }
  }

  /** Listens again on the same port. */
  void restore() {
    server = listen(port);
    accept(server);
  }

  @Override
  public void close() {
    thaw();
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    sockets.clear();
  }

  private static ServerSocket listen(int port) {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept(ServerSocket listening) {
    Thread t =
        new Thread(
            () -> {
              while (!listening.isClosed()) {
                try {
                  Socket in = listening.accept();
                  Socket out = new Socket(target.getAddress(), target.getPort());
                  sockets.add(in);
                  sockets.add(out);
                  pipe(in, out, false);
                  pipe(out, in, true);
                } catch (IOException e) {
                  return; // closed
                }
              }
            },
            "proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  private void pipe(Socket from, Socket to, boolean toClient) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  long delay = toClient ? toClientDelayMillis : 0;
                  if (delay > 0) {
                    Thread.sleep(delay); // network latency, not synchronisation
                  }
                  awaitThawed();
                  if (!silent) {
                    out.write(buf, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // one side closed
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException e) {
                  // closing anyway
                }
              }
            },
            "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }
}

package dev.cairn.server.internal.health;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** Real loopback targets for health checks: well-behaved and misbehaving ones. Closes them all. */
final class Targets implements AutoCloseable {

  private final List<java.io.Closeable> open = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  /** An HTTP server answering every request with the status {@code status} gives then. */
  HttpServer http(IntSupplier status) {
    try {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      s.createContext(
          "/",
          ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(status.getAsInt(), -1);
            ex.close();
          });
      s.start();
      open.add(() -> s.stop(0));
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A loopback port that refuses connections for as long as the targets are open: a socket bound to
   * it that never listens. A port merely closed before use can be bound again by the next ephemeral
   * listener (this test's own targets among them), and then it answers.
   */
  int refused() {
    try {
      Socket holder = new Socket();
      open.add(holder);
      holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return holder.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A TCP server that hands each accepted connection to {@code behaviour} on its own thread (test
   * targets only: few connections, all closed with the targets).
   */
  ServerSocket raw(Behaviour behaviour) {
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      open.add(server);
      Thread acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    open.add(s);
                    Thread t =
                        new Thread(
                            () -> {
                              try (s) {
                                behaviour.serve(s, closing);
                              } catch (IOException | InterruptedException e) {
                                // the probe hung up, or the test ended
                              }
                            });
                    t.setDaemon(true);
                    t.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Accepts and never answers. */
  static void hang(Socket s, CountDownLatch closing) throws InterruptedException {
    closing.await(60, TimeUnit.SECONDS);
  }

  /** Sends a 200 status line one byte every 200 ms. */
  static void slowDrip(Socket s, CountDownLatch closing) throws IOException, InterruptedException {
    readHead(s.getInputStream());
    OutputStream out = s.getOutputStream();
    for (byte b :
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) {
      out.write(b);
      out.flush();
      if (closing.await(200, TimeUnit.MILLISECONDS)) {
        return;
      }
    }
  }

  /** Answers 200 with 64 KiB of headers. */
  static void hugeHead(Socket s, CountDownLatch closing) throws IOException {
    readHead(s.getInputStream());
    StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 1024; i++) {
      head.append("X-Padding-").append(i).append(": ").append("x".repeat(50)).append("\r\n");
    }
    head.append("Content-Length: 0\r\n\r\n");
    s.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
  }

  /** Answers 200 with an endless body, until the reader hangs up. */
  static void endlessBody(Socket s, CountDownLatch closing, AtomicInteger served)
      throws IOException {
    readHead(s.getInputStream());
    served.incrementAndGet();
    OutputStream out = s.getOutputStream();
    out.write(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 16_000 && closing.getCount() > 0; i++) {
      out.write(chunk); // fails once the probe closes the connection
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed");
      }
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  @Override
  public void close() throws IOException {
    closing.countDown();
    for (java.io.Closeable c : open) {
      c.close();
    }
  }

  /** What a raw target does with one connection. */
  @FunctionalInterface
  interface Behaviour {
    void serve(Socket s, CountDownLatch closing) throws IOException, InterruptedException;
  }
}

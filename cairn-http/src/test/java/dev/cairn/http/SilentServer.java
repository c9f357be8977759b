package dev.cairn.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on loopback that reads HTTP requests and never answers. It counts the requests it
 * read and the connections the client closed (the client gave up on the exchange).
 */
final class SilentServer implements AutoCloseable {

  private final ServerSocket socket;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger closedByClient = new AtomicInteger();
  private final CountDownLatch firstRequest = new CountDownLatch(1);

  private SilentServer() throws IOException {
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  static SilentServer start() throws IOException {
    return new SilentServer();
  }

  int port() {
    return socket.getLocalPort();
  }

  int requests() {
    return requests.get();
  }

  int closedByClient() {
    return closedByClient.get();
  }

  /** Waits until a request has been read. */
  void awaitRequest() throws InterruptedException {
    firstRequest.await();
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        connections.add(s);
        threads.execute(() -> hold(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Reads request heads and ignores them, until the client closes the connection. */
  private void hold(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      int matched = 0; // of "\r\n\r\n"
      for (int b; (b = in.read()) != -1; ) {
        matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched == 4) {
          matched = 0;
          requests.incrementAndGet();
          firstRequest.countDown();
        }
      }
      closedByClient.incrementAndGet();
    } catch (IOException e) {
      if (!socket.isClosed()) {
        closedByClient.incrementAndGet(); // reset by the client
      }
    } finally {
      connections.remove(s);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : connections) {
      s.close();
    }
    threads.shutdownNow();
  }
}

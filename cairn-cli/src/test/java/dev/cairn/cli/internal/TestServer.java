package dev.cairn.cli.internal;

import dev.cairn.server.CairnServer;
import dev.cairn.server.internal.http.HttpApiServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A real in-memory server on ephemeral loopback ports, with its HTTP API served by a listener the
 * test controls, so that a test can cut every HTTP stream ({@link #restartHttp()}) and the
 * registry, with its revisions, lives on.
 *
 * <p>TODO(#2): CairnServer answers HTTP with 503 until it serves the API itself; then {@link
 * ServerCommandTest} also runs the client commands through {@code cairn server}'s own listener.
 */
final class TestServer implements AutoCloseable {

  private final CairnServer server;
  private final Instant startedAt = Instant.now();
  private HttpApiServer http;
  private int port;

  private TestServer(int httpPort) throws IOException {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    try {
      startHttp(httpPort);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  static TestServer start() throws IOException {
    return new TestServer(0);
  }

  /** A new, empty server whose HTTP API listens on {@code httpPort}. */
  static TestServer start(int httpPort) throws IOException {
    return new TestServer(httpPort);
  }

  int httpPort() {
    return port;
  }

  /** The HTTP API's address, e.g. {@code http://127.0.0.1:41234}. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Closes every HTTP connection (ending event streams) and serves again on the same port. */
  void restartHttp() throws IOException {
    http.close();
    startHttp(port);
  }

  @Override
  public void close() {
    http.close();
    server.close();
  }

  private void startHttp(int requestedPort) throws IOException {
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort);
    http = HttpApiServer.start(server.registry(), bind, startedAt);
    port = http.localAddress().getPort();
  }
}

package dev.cairn.cli.internal;

/** A server {@code cairn server} started and owns; {@link #close()} stops it gracefully. */
interface EmbeddedServer extends AutoCloseable {

  /**
   * One line per listener, e.g. {@code http listening on http://127.0.0.1:8500} and {@code grpc
   * listening on 127.0.0.1:8501}.
   */
  java.util.List<String> listenerLines();

  /**
   * Completes when the server stopped serving: normally after {@link #close()}, exceptionally (with
   * the cause) when it closed itself after a failure. See {@code CairnServer.whenClosed()}.
   */
  java.util.concurrent.CompletableFuture<Void> whenClosed();

  /** Stops the server; waits for it to finish. */
  @Override
  void close();

  /** Starts servers; {@link CairnServerStarter} in production, fakes in tests. */
  @FunctionalInterface
  interface Starter {
    /** Starts a server as {@code settings} say; throws when it cannot (e.g. a port is in use). */
    EmbeddedServer start(ServerSettings settings) throws Exception;
  }
}

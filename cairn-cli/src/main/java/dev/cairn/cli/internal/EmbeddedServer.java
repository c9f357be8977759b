package dev.cairn.cli.internal;

/** A server {@code cairn server} started and owns; {@link #close()} stops it gracefully. */
interface EmbeddedServer extends AutoCloseable {

  /** Where the HTTP API listens, e.g. {@code http://127.0.0.1:8500}. */
  String httpAddress();

  /** Where gRPC listens, e.g. {@code 127.0.0.1:8501}. */
  String grpcAddress();

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

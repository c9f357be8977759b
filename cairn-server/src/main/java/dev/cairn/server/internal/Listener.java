package dev.cairn.server.internal;

import java.net.InetSocketAddress;

/**
 * One network listener of a server (gRPC, HTTP). Started by its own factory; closed by the server
 * that owns it. Thread-safe.
 */
public interface Listener extends AutoCloseable {

  /** The protocol, lower case, as shown in the listener's log line: {@code grpc}, {@code http}. */
  String protocol();

  /** The address actually bound (with the real port when port 0 was asked for). */
  InetSocketAddress address();

  /**
   * Stops taking new connections and calls; calls in progress go on until {@link #close()}. Called
   * before the registry closes. Idempotent.
   */
  default void beginShutdown() {}

  /** Ends every call and releases the port. Idempotent. */
  @Override
  void close();
}

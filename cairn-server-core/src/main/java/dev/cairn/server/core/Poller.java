package dev.cairn.server.core;

/**
 * A client that follows one service by polling it (an HTTP long-poll loop on one connection), known
 * to the registry so that drains ({@link Registry#awaitDrained}) count it: each poll's {@code
 * index} says what the client has received. Obtained from {@link Registry#poller}; the transport
 * closes it when the connection closes. Thread-safe.
 */
public interface Poller extends AutoCloseable {

  /** A poll came with {@code index}: the client has received the service up to it. */
  void polled(long index);

  /** The client is gone; drains stop counting it. */
  @Override
  void close();
}

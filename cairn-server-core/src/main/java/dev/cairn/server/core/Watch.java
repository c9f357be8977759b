package dev.cairn.server.core;

/** A registered watch. Thread-safe. */
public interface Watch extends AutoCloseable {

  /** Tells the watch the listener became ready again; pending changes are delivered. */
  void ready();

  /** Stops the watch; no call reaches the listener after this returns, except one in progress. */
  @Override
  void close();
}

package dev.cairn.server.core;

/** A registered watch. Thread-safe. */
public interface Watch extends AutoCloseable {

  /** Tells the watch the listener became ready again; pending changes are delivered. */
  void ready();

  /**
   * Records that the client has received everything up to {@code revision} (a revision this watch
   * delivered): the transport calls it when the client acknowledges, or when a delivery was
   * written, as the transport can best tell. Drains ({@link Registry#awaitDrained}) count it. Lower
   * revisions than one already recorded are ignored. Never blocks.
   */
  void acknowledge(long revision);

  /** Stops the watch; no call reaches the listener after this returns, except one in progress. */
  @Override
  void close();
}

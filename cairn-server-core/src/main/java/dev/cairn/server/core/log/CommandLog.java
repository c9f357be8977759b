package dev.cairn.server.core.log;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The ordered, durable log of commands: the seam between the catalog and the engine that replicates
 * and persists it (Apache Ratis in {@code cairn-server-ratis}).
 *
 * <p>Thread-safe: {@link #append} may be called from any thread.
 */
public interface CommandLog extends AutoCloseable {

  /**
   * Starts the log: restores {@code machine} from the latest snapshot, replays the entries after
   * it, and from then on applies every committed entry to it. Called once.
   */
  void start(LogStateMachine machine) throws IOException;

  /**
   * Appends an entry. The future completes with the state machine's reply once the entry is durable
   * and applied, or exceptionally (with a {@link dev.cairn.common.CairnException} of code {@code
   * UNAVAILABLE}) when the log cannot take it.
   */
  CompletableFuture<byte[]> append(byte[] entry);

  /** Stops the log; pending appends fail. */
  @Override
  void close();
}

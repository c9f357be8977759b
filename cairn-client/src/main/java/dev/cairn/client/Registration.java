package dev.cairn.client;

import dev.cairn.common.Instance;
import java.util.concurrent.CompletableFuture;

/**
 * One instance this process registered on its client's session (see {@link
 * CairnClient#register(Instance)}). The client keeps it registered across reconnects, lost sessions
 * and registry restarts until {@link #close()}. Thread-safe.
 */
public interface Registration extends AutoCloseable {

  /** The instance as asked for, with its id (generated when it was empty). */
  Instance instance();

  /**
   * Completes with the instance as the registry stored it, the first time it does; fails with a
   * {@link dev.cairn.common.CairnException} when the registry rejects it (then the client drops the
   * registration), or with {@code FAILED_PRECONDITION} when the client closes first.
   */
  CompletableFuture<Instance> registered();

  /**
   * Deregisters the instance. The future completes when the registry confirmed, or at once when the
   * session is not open (the client then deregisters it when the session comes back, if it was
   * resumed). Idempotent.
   */
  CompletableFuture<Void> deregister();

  /** Same as {@link #deregister()}, without waiting. */
  @Override
  void close();
}

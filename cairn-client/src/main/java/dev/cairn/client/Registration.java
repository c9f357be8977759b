package dev.cairn.client;

import dev.cairn.common.Instance;
import java.time.Duration;
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
   * registration), with {@code ALREADY_EXISTS} when this client already keeps a registration of the
   * same service and id, or with {@code FAILED_PRECONDITION} when the client closes first.
   */
  CompletableFuture<Instance> registered();

  /**
   * Deregisters the instance. The future completes when the registry confirmed, or at once when the
   * session is not open (the client then deregisters it when the session comes back, if it was
   * resumed). Idempotent.
   */
  CompletableFuture<Void> deregister();

  /**
   * Deregisters the instance, then waits until every client watching its service has received the
   * removal (a confirmed drain), on every registry this client was given, or until {@code timeout}
   * passes; completes with what it found, never exceptionally for a timeout or an unreachable
   * registry. The way to leave without callers noticing: call this, then stop accepting work, then
   * let requests in flight finish.
   *
   * <p>The registries count their watchers as docs/api.md ("Confirmed drain") says: the SDK's own
   * views acknowledge what they applied; other watchers count when the removal was written to them,
   * or by their next long-poll.
   *
   * @param timeout how long to wait for the watchers, 0..10 minutes
   * @throws IllegalArgumentException for a timeout outside 0..10 minutes
   */
  CompletableFuture<DrainResult> deregisterAndDrain(Duration timeout);

  /** Same as {@link #deregister()}, without waiting. */
  @Override
  void close();
}

package dev.cairn.client;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One instance this process registered on its client's session (see {@link
 * CairnClient#register(Instance)}). The client keeps it registered across reconnects, lost sessions
 * and registry restarts until {@link #close()}. Thread-safe.
 */
public interface Registration extends AutoCloseable {

  /**
   * The instance as this client registers it: as asked for, with its id (generated when it was
   * empty), and with the health last given to {@link #setHealth}.
   */
  Instance instance();

  /**
   * Changes the health of the registered instance in place (decision 0220): the client registers it
   * again on its session with {@code health}, which the registry takes as an update of the instance
   * it holds: watchers see one update, no removal, and its create revision stays. The client
   * registers the instance with this health from then on, after a lost session or a registry
   * restart too, until the next call.
   *
   * <p>The registry runs no health check for an instance on a session (the session is its
   * liveness), so the health set here stays until it is set again. Clients leave {@code CRITICAL}
   * instances out: {@code setHealth(CRITICAL)} takes the instance out of rotation while keeping it
   * registered, and {@code setHealth(PASSING)} brings it back.
   *
   * <p>Completes with the instance as the registry stored it with this health (or with a later one,
   * when the health was set again meanwhile); while the session is not open, once it is open again
   * and the registry took it. Fails with {@code FAILED_PRECONDITION} when the registration was
   * deregistered, refused, or the client closed. Does not block.
   *
   * @throws NullPointerException when {@code health} is null
   */
  CompletableFuture<Instance> setHealth(Health health);

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

package dev.cairn.client.internal;

import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** One registration; its state lives in {@link SessionManager}, on the client's event thread. */
final class RegistrationImpl implements Registration {

  private final Instance instance;
  private final SessionManager session;
  private final Executor events;
  private final CompletableFuture<Instance> registered = new CompletableFuture<>();
  private final Drainer drainer;
  private final dev.cairn.common.Ticker ticker;
  // The removal's revision, or 0 when the registry did not confirm it.
  private final CompletableFuture<Long> deregistered = new CompletableFuture<>();
  // Guarded by this: whether deregister() was called.
  private boolean deregistering;

  RegistrationImpl(
      Instance instance,
      SessionManager session,
      Executor events,
      Drainer drainer,
      dev.cairn.common.Ticker ticker) {
    this.instance = instance;
    this.session = session;
    this.events = events;
    this.drainer = drainer;
    this.ticker = ticker;
  }

  /** The key this registration is known by: {@code service/id}. */
  String key() {
    return instance.service() + "/" + instance.id();
  }

  @Override
  public Instance instance() {
    return instance;
  }

  @Override
  public CompletableFuture<Instance> registered() {
    return registered.copy();
  }

  CompletableFuture<Instance> registeredFuture() {
    return registered;
  }

  @Override
  public CompletableFuture<Void> deregister() {
    return removal().thenApply(revision -> null);
  }

  @Override
  public CompletableFuture<dev.cairn.client.DrainResult> deregisterAndDrain(
      java.time.Duration timeout) {
    java.util.Objects.requireNonNull(timeout, "timeout");
    Drainer.checkTimeout(timeout);
    long started = ticker.nanos();
    return removal()
        .thenCompose(revision -> drainer.drain(instance.service(), revision, timeout, started));
  }

  /** Deregisters (once); completes with the removal's revision, 0 when unconfirmed. */
  private CompletableFuture<Long> removal() {
    synchronized (this) {
      if (deregistering) {
        return deregistered.copy();
      }
      deregistering = true;
    }
    try {
      events.execute(() -> session.remove(this, deregistered));
    } catch (RejectedExecutionException e) {
      // The client is closed: its session, and this instance with it, is gone.
      deregistered.complete(0L);
    }
    return deregistered.copy();
  }

  @Override
  public void close() {
    deregister();
  }

  @Override
  public String toString() {
    return "Registration{" + key() + "}";
  }
}

package dev.cairn.client.internal;

import dev.cairn.client.Registration;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** One registration; its state lives in {@link SessionManager}, under its lock. */
final class RegistrationImpl implements Registration {

  // The instance as the application asked for it.
  private final Instance asked;
  private final String namespace;
  // The instance as registered now: `asked` with the health last set (decision 0220). Written under
  // the session manager's lock, read by instance() without it.
  private volatile Instance instance;
  // The registration as sent on the session (namespace and instance), encoded once per health and
  // sent again as it is on every session the client opens; only the request id is written per
  // send. Guarded by the session manager.
  private byte[] encodedBody;
  // Guarded by the session manager: how many times the health was set, and the setHealth futures
  // waiting for the registry to take the instance as it is now.
  private int healthVersion;
  private List<CompletableFuture<Instance>> healthWaiting = new ArrayList<>();
  // service/id, built once.
  private final String key;
  private final SessionManager session;
  private final CompletableFuture<Instance> registered = new CompletableFuture<>();
  private final Drainer drainer;
  private final dev.cairn.common.Ticker ticker;
  // The removal's revision, or 0 when the registry did not confirm it.
  private final CompletableFuture<Long> deregistered = new CompletableFuture<>();
  // Guarded by this: whether deregister() was called.
  private boolean deregistering;
  // Guarded by the session manager: the refusal its last re-registration met (null: none).
  private ErrorCode refusedAgain;

  RegistrationImpl(
      Instance instance,
      String namespace,
      SessionManager session,
      Drainer drainer,
      dev.cairn.common.Ticker ticker) {
    this.asked = instance;
    this.namespace = namespace;
    this.instance = instance;
    this.encodedBody = SessionRequests.registerBody(namespace, Protos.forSession(instance));
    this.key = instance.service() + "/" + instance.id();
    this.session = session;
    this.drainer = drainer;
    this.ticker = ticker;
  }

  /** The key this registration is known by: {@code service/id}. */
  String key() {
    return key;
  }

  /**
   * The registration's namespace and instance as sent on the session, encoded. Called by the
   * session manager, under its lock.
   */
  byte[] encodedBody() {
    return encodedBody;
  }

  /** How many times the health was set; under the session manager's lock. */
  int healthVersion() {
    return healthVersion;
  }

  /**
   * Registers with {@code health} from now on, {@code done} waiting for the registry to take it;
   * under the session manager's lock.
   */
  void health(Health health, CompletableFuture<Instance> done) {
    Instance next = asked.toBuilder().health(health).build();
    instance = next;
    encodedBody = SessionRequests.registerBody(namespace, Protos.forSession(next));
    healthVersion++;
    healthWaiting.add(done);
  }

  /**
   * The setHealth futures to complete now that the registry took the instance as it was at {@code
   * version} (none when the health was set again since); under the session manager's lock.
   */
  List<CompletableFuture<Instance>> healthTaken(int version) {
    if (version != healthVersion || healthWaiting.isEmpty()) {
      return List.of();
    }
    return takeHealthWaiting();
  }

  /** Every setHealth future still waiting; under the session manager's lock. */
  List<CompletableFuture<Instance>> takeHealthWaiting() {
    List<CompletableFuture<Instance>> out = healthWaiting;
    healthWaiting = new ArrayList<>();
    return out;
  }

  @Override
  public Instance instance() {
    return instance;
  }

  @Override
  public CompletableFuture<Instance> registered() {
    return registered.copy();
  }

  /**
   * Records the refusal ({@code null}: the acceptance) the last sending again met; whether it is a
   * new refusal, not the one the previous try met. Called by the session manager, under its lock.
   */
  boolean refusedAgainWith(ErrorCode code) {
    boolean changed = code != null && code != refusedAgain;
    refusedAgain = code;
    return changed;
  }

  CompletableFuture<Instance> registeredFuture() {
    return registered;
  }

  @Override
  public CompletableFuture<Instance> setHealth(Health health) {
    Objects.requireNonNull(health, "health");
    CompletableFuture<Instance> done = new CompletableFuture<>();
    session.setHealth(this, health, done);
    return done.copy();
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
    session.remove(this, deregistered);
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

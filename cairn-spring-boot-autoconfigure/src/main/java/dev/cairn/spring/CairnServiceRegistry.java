package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud's {@link ServiceRegistry} on a {@link CairnClient}: registrations live on the
 * client's session, so they vanish when the process dies and come back by themselves after a
 * registry restart.
 *
 * <p>Status (Spring Cloud's {@code /actuator/serviceregistry}, as with the Consul and Eureka
 * starters): {@code OUT_OF_SERVICE} keeps the instance registered but {@code CRITICAL}, which every
 * Cairn client leaves out; {@code UP} sets it {@code PASSING} again (decision 0208). A change is
 * the registration's {@link Registration#setHealth} (decision 0220): watchers see one update of the
 * instance, never a removal. The status is kept by instance id: an instance set out of service
 * before it registers registers out of service.
 *
 * <p>A registration no registry took within {@value #NOT_SENT_WARN_SECONDS} seconds is logged once
 * as a warning naming the registries (the SDK keeps it and sends it when one answers), and once at
 * INFO when one finally took it.
 *
 * <p>Thread-safe. {@link #register} does not wait for the registry; {@link #deregister} waits up to
 * five seconds for its confirmation.
 */
public final class CairnServiceRegistry implements ServiceRegistry<CairnRegistration> {

  /** Status of a registered instance that takes traffic. */
  public static final String UP = "UP";

  /** Status of an instance that clients leave out: registered {@code CRITICAL}, or not at all. */
  public static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";

  static final long NOT_SENT_WARN_SECONDS = 5;

  private static final Logger log = LoggerFactory.getLogger(CairnServiceRegistry.class);
  private static final long DEREGISTER_WAIT_MILLIS = 5_000;

  private final CairnClient client;
  private final RegistrationDrain drain;
  // Orders the changes of live and outOfService; never held while waiting for the registry.
  private final Object lock = new Object();
  // Instance id -> live registration.
  private final Map<String, Registration> live = new ConcurrentHashMap<>();
  // Ids of the instances set OUT_OF_SERVICE.
  private final Set<String> outOfService = ConcurrentHashMap.newKeySet();
  // Instance id -> how its last drain ended.
  private final Map<String, DrainResult> drains = new ConcurrentHashMap<>();

  public CairnServiceRegistry(CairnClient client, RegistrationDrain drain) {
    this.client = requireNonNull(client, "client");
    this.drain = requireNonNull(drain, "drain");
  }

  /**
   * Registers {@code registration} (out of service when it was set so), unless it is already.
   *
   * @throws IllegalStateException when it is the auto-registration's, not filled in yet
   */
  @Override
  public void register(CairnRegistration registration) {
    requireNonNull(registration, "registration");
    if (registration.instance() == null) {
      throw new IllegalStateException(
          registration.getServiceId()
              + "/"
              + registration.getInstanceId()
              + ": not registered yet (the application registers when it is ready)");
    }
    synchronized (lock) {
      if (!live.containsKey(registration.getInstanceId())) {
        live.put(registration.getInstanceId(), send(registration.instance()));
      }
    }
  }

  /** Asks the client to register {@code asked} with its status; called under the lock. */
  private Registration send(Instance asked) {
    Instance instance =
        outOfService.contains(asked.id())
            ? asked.toBuilder().health(Health.CRITICAL).build()
            : asked;
    log.info("Registering {} in Cairn", instance);
    Registration r = client.register(instance);
    String key = instance.service() + "/" + instance.id();
    long start = System.nanoTime();
    AtomicBoolean warned = new AtomicBoolean();
    CompletableFuture<Instance> registered = r.registered();
    CompletableFuture.delayedExecutor(NOT_SENT_WARN_SECONDS, TimeUnit.SECONDS)
        .execute(
            () -> {
              if (!registered.isDone() && warned.compareAndSet(false, true)) {
                log.warn(
                    "No Cairn registry has taken the registration of {} yet: none of {} answers."
                        + " The application keeps serving; its registration is kept and sent"
                        + " when a registry answers",
                    key,
                    client.registries());
              }
            });
    registered.thenRun(
        () -> {
          if (!warned.compareAndSet(false, true)) {
            log.info(
                "Registered {} in Cairn, {} s after it was asked",
                key,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
          }
        });
    return r;
  }

  @Override
  public void deregister(CairnRegistration registration) {
    Registration r;
    synchronized (lock) {
      r = live.remove(requireNonNull(registration, "registration").getInstanceId());
    }
    if (r == null) {
      return;
    }
    try {
      r.deregister().get(DEREGISTER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.info(
          "Deregistration of {} not confirmed: {}", registration.getInstanceId(), e.toString());
    }
  }

  /**
   * Deregisters {@code registration} and waits, up to {@code timeout}, until every watcher of its
   * service received the removal (see {@link RegistrationDrain}); returns how it ended.
   */
  public DrainResult deregisterAndDrain(CairnRegistration registration, Duration timeout) {
    Registration r;
    synchronized (lock) {
      r = live.remove(requireNonNull(registration, "registration").getInstanceId());
    }
    if (r == null) {
      return DrainResult.unconfirmed(Duration.ZERO, "not registered");
    }
    CompletableFuture<DrainResult> done = drain.drain(r, timeout);
    DrainResult result;
    try {
      // The drain ends itself at the timeout; the margin covers a drain that does not.
      result = done.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = DrainResult.unconfirmed(timeout, "interrupted");
    } catch (ExecutionException | TimeoutException e) {
      result = DrainResult.unconfirmed(timeout, "drain failed: " + e);
    }
    drains.put(registration.getInstanceId(), result);
    log.info("Drained {} from Cairn: {}", registration.getInstanceId(), result);
    return result;
  }

  /** How the last drain of each instance ended, by instance id. */
  public Map<String, DrainResult> drains() {
    return Map.copyOf(drains);
  }

  /** The live registrations, for the actuator endpoint and metrics. */
  public List<Registration> registrations() {
    return List.copyOf(live.values());
  }

  @Override
  public void close() {
    // The client owns the session; closing it (with the context) removes what is left.
  }

  /**
   * Sets {@code registration} {@code UP} or {@code OUT_OF_SERVICE} (any case), as the class says;
   * {@code UP} registers one that is not registered.
   *
   * @throws IllegalArgumentException for another status
   */
  @Override
  public void setStatus(CairnRegistration registration, String status) {
    requireNonNull(registration, "registration");
    boolean out;
    if (UP.equalsIgnoreCase(status)) {
      out = false;
    } else if (OUT_OF_SERVICE.equalsIgnoreCase(status)) {
      out = true;
    } else {
      throw new IllegalArgumentException(
          "status: \"" + status + "\" (expected: " + UP + " or " + OUT_OF_SERVICE + ")");
    }
    String id = registration.getInstanceId();
    synchronized (lock) {
      boolean changed = out ? outOfService.add(id) : outOfService.remove(id);
      Registration old = live.get(id);
      if (old == null) {
        if (!out && registration.instance() != null) {
          register(registration);
        }
        return;
      }
      if (!changed) {
        return;
      }
      log.info("Setting {} {} in Cairn", id, out ? OUT_OF_SERVICE : UP);
      // In place: one update of the instance, on the same session (decision 0220).
      old.setHealth(out ? Health.CRITICAL : Health.PASSING)
          .whenComplete(
              (stored, error) -> {
                if (error != null) {
                  log.info("Health of {} not changed in Cairn: {}", id, error.toString());
                }
              });
    }
  }

  /**
   * {@code OUT_OF_SERVICE} when set so or not registered, {@code UP} once a registry took the
   * registration.
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T getStatus(CairnRegistration registration) {
    String id = requireNonNull(registration, "registration").getInstanceId();
    Registration r = live.get(id);
    return (T)
        (!outOfService.contains(id)
                && r != null
                && r.registered().isDone()
                && !r.registered().isCompletedExceptionally()
            ? UP
            : OUT_OF_SERVICE);
  }
}

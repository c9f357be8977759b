package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud's {@link ServiceRegistry} on a {@link CairnClient}: registrations live on the
 * client's session, so they vanish when the process dies and come back by themselves after a
 * registry restart. Status {@code UP} registers, {@code OUT_OF_SERVICE} deregisters.
 *
 * <p>Thread-safe. {@link #register} does not wait for the registry; {@link #deregister} waits up to
 * five seconds for its confirmation.
 */
public final class CairnServiceRegistry implements ServiceRegistry<CairnRegistration> {

  /** Status of a registered instance. */
  public static final String UP = "UP";

  /** Status of a known but deregistered instance. */
  public static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";

  private static final Logger log = LoggerFactory.getLogger(CairnServiceRegistry.class);
  private static final long DEREGISTER_WAIT_MILLIS = 5_000;

  private final CairnClient client;
  private final RegistrationDrain drain;
  // Instance id -> live registration.
  private final Map<String, Registration> live = new ConcurrentHashMap<>();
  // Instance id -> how its last drain ended.
  private final Map<String, DrainResult> drains = new ConcurrentHashMap<>();

  public CairnServiceRegistry(CairnClient client, RegistrationDrain drain) {
    this.client = requireNonNull(client, "client");
    this.drain = requireNonNull(drain, "drain");
  }

  @Override
  public void register(CairnRegistration registration) {
    requireNonNull(registration, "registration");
    live.compute(
        registration.getInstanceId(),
        (id, old) -> {
          if (old != null) {
            return old;
          }
          log.info("Registering {} in Cairn", registration.instance());
          return client.register(registration.instance());
        });
  }

  @Override
  public void deregister(CairnRegistration registration) {
    Registration r = live.remove(requireNonNull(registration, "registration").getInstanceId());
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
    Registration r = live.remove(requireNonNull(registration, "registration").getInstanceId());
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

  @Override
  public void setStatus(CairnRegistration registration, String status) {
    if (UP.equalsIgnoreCase(status)) {
      register(registration);
    } else if (OUT_OF_SERVICE.equalsIgnoreCase(status)) {
      deregister(registration);
    } else {
      throw new IllegalArgumentException(
          "status: \"" + status + "\" (expected: " + UP + " or " + OUT_OF_SERVICE + ")");
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getStatus(CairnRegistration registration) {
    Registration r = live.get(requireNonNull(registration, "registration").getInstanceId());
    return (T)
        (r != null && r.registered().isDone() && !r.registered().isCompletedExceptionally()
            ? UP
            : OUT_OF_SERVICE);
  }
}

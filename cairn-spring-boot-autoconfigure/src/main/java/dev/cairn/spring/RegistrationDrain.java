package dev.cairn.spring;

import dev.cairn.client.Registration;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How an instance leaves on shutdown: deregister it, then wait until the registry confirms that
 * every client watching its service received the removal, or until {@code timeout} passes. The
 * starter calls it before the web server stops accepting requests, so that no peer still picks the
 * instance when it stops. Replace the bean to change how the wait is done.
 */
@FunctionalInterface
public interface RegistrationDrain {

  /**
   * Deregisters {@code registration} and completes when its removal has reached every watcher, or
   * with an unconfirmed result once {@code timeout} passed; never fails.
   */
  CompletableFuture<DrainResult> drain(Registration registration, Duration timeout);

  /**
   * The confirmed drain (the default): {@link Registration#deregisterAndDrain(Duration)} asks every
   * registry to confirm that each client watching the service received the removal.
   */
  static RegistrationDrain confirmed() {
    return (registration, timeout) ->
        registration
            .deregisterAndDrain(timeout)
            .handle(
                (r, error) -> {
                  if (error != null) {
                    return DrainResult.unconfirmed(timeout, "drain failed: " + error);
                  }
                  return r.drained()
                      ? DrainResult.confirmed(r.waited())
                      : DrainResult.unconfirmed(r.waited(), r.toString());
                });
  }

  /** Deregisters and waits only for the registry to confirm the deregistration itself. */
  static RegistrationDrain deregisterOnly() {
    return (registration, timeout) -> {
      long start = System.nanoTime();
      return registration
          .deregister()
          .orTimeout(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
          .handle(
              (ok, error) ->
                  DrainResult.unconfirmed(
                      Duration.ofNanos(System.nanoTime() - start),
                      error == null
                          ? "deregistered; watchers' acknowledgements not awaited"
                          : "deregistration not confirmed: " + error));
    };
  }
}

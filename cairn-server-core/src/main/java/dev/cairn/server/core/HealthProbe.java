package dev.cairn.server.core;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one probe of an HTTP, TCP or gRPC health check: the network half of the registry's health
 * checks, which the registry schedules and judges (rise, fall, flap damping). The server plugs a
 * non-blocking implementation in through {@link RegistryOptions.Builder#healthProbe}.
 *
 * <p>Threading: {@link #probe} is called from the registry's single health thread and must return
 * at once, without blocking or doing I/O on the caller's thread. The registry stops waiting after
 * {@link HealthCheck#timeout()}, counts the probe as {@link Health#CRITICAL} and cancels the
 * returned future; implementations should then release what the probe holds.
 */
@FunctionalInterface
public interface HealthProbe {

  /**
   * Starts probing {@code instance} as {@code check} says. Completes with the result; completing
   * exceptionally counts as {@link Health#CRITICAL}.
   */
  CompletableFuture<Health> probe(Instance instance, HealthCheck check);

  /**
   * Like {@link #probe}, with a short output saying what the probe saw (shown to operators, never
   * logged as a command). The registry calls this method; the default wraps {@link #probe} with the
   * output {@code "<type> probe: <health>"}. Cancelling the returned future cancels the probe's.
   */
  default CompletableFuture<ProbeResult> check(Instance instance, HealthCheck check) {
    CompletableFuture<Health> probed = probe(instance, check);
    CompletableFuture<ProbeResult> result =
        probed.thenApply(
            h ->
                ProbeResult.of(
                    h,
                    check.type().label()
                        + " probe: "
                        + h.name().toLowerCase(java.util.Locale.ROOT)));
    result.whenComplete((r, e) -> probed.cancel(true));
    return result;
  }
}

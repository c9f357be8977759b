package dev.cairn.grpc.internal;

import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.client.resilience.RetryBudget;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Creates retrying calls; owns the one timer thread that schedules their backoff. */
public final class Retries {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-grpc-retry-timer");
            t.setDaemon(true);
            return t;
          });

  private Retries() {}

  /** A call retried as {@link RetryingCall} describes. */
  public static <Q, R> ClientCall<Q, R> call(
      Channel next,
      MethodDescriptor<Q, R> method,
      CallOptions options,
      RetryBudget budget,
      CallPolicy policy) {
    return new RetryingCall<>(
        next, method, options, budget, policy.backoff(), policy.maxAttempts(), TIMER);
  }
}

package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Ticker;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs calls to one target service, for any transport: bulkhead and circuit breaker admit the call;
 * then pick → attempt → classify → report to the balancer → retry (idempotent calls, or attempts
 * refused before they were sent) with backoff, within the attempt limit, the retry budget and the
 * deadline. While no instance is usable the runner waits for one, up to the deadline, then fails
 * with {@link CairnException} {@link ErrorCode#UNAVAILABLE}.
 *
 * <p>The call's result is the last attempt's: a result the transport classified as a failure (e.g.
 * an HTTP 503) is returned as is once retries are spent; errors complete the future exceptionally.
 * An attempt that fails with {@link InterruptedException} (the calling thread was interrupted) ends
 * the call without a retry.
 *
 * <p>With an {@link ObservationRegistry} (Micrometer Observation, which bridges to OpenTelemetry
 * and Brave), each call is an observation {@code cairn.call}, and each attempt a child {@code
 * cairn.attempt} annotated with the instance picked, the attempt number and whether it is a retry;
 * its trace context ({@code traceparent}) is handed to the transport to send as headers. Without
 * one (the default) nothing is observed and nothing is allocated for it.
 *
 * <p>Threading: {@link #call} from any thread, never blocks; retries are scheduled on the given
 * scheduler, which the caller owns.
 *
 * @param <T> the transport's target type
 */
public final class CallRunner<T> {

  private static final long FIRST_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final String service;
  private final Balancer<T> balancer;
  private final CallPolicy policy;
  private final RetryBudget budget;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final ScheduledExecutorService scheduler;
  private final Ticker ticker;
  private final ObservationRegistry observations;

  private CallRunner(
      String service,
      Balancer<T> balancer,
      CallPolicy policy,
      ScheduledExecutorService scheduler,
      Ticker ticker,
      ObservationRegistry observations) {
    this.service = requireNonNull(service, "service");
    this.balancer = requireNonNull(balancer, "balancer");
    this.policy = requireNonNull(policy, "policy");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.ticker = requireNonNull(ticker, "ticker");
    this.observations = requireNonNull(observations, "observations");
    this.budget = RetryBudget.of(policy, ticker);
    this.breaker = policy.newCircuitBreaker(service);
    this.bulkhead = policy.newBulkhead(service);
  }

  /**
   * A runner for {@code service} over {@code balancer}, with the budget, breaker and bulkhead
   * {@code policy} describes; retries and waits are scheduled on {@code scheduler}.
   */
  public static <T> CallRunner<T> create(
      String service,
      Balancer<T> balancer,
      CallPolicy policy,
      ScheduledExecutorService scheduler,
      Ticker ticker) {
    return create(service, balancer, policy, scheduler, ticker, ObservationRegistry.NOOP);
  }

  /**
   * As {@link #create(String, Balancer, CallPolicy, ScheduledExecutorService, Ticker)}, observed.
   */
  public static <T> CallRunner<T> create(
      String service,
      Balancer<T> balancer,
      CallPolicy policy,
      ScheduledExecutorService scheduler,
      Ticker ticker,
      ObservationRegistry observations) {
    return new CallRunner<>(service, balancer, policy, scheduler, ticker, observations);
  }

  /** Runs one call; the future completes with the last attempt's result or error. */
  public <R> CompletableFuture<R> call(CallOptions options, Attempt<T, R> attempt) {
    return call(options, attempt, ticker.nanos());
  }

  /**
   * As {@link #call(CallOptions, Attempt)} for a call that began at {@code startNanos} (this
   * runner's ticker) — e.g. before the transport waited for the service's first instances: the
   * deadline counts from then, and errors name the deadline as configured.
   */
  public <R> CompletableFuture<R> call(
      CallOptions options, Attempt<T, R> attempt, long startNanos) {
    requireNonNull(options, "options");
    requireNonNull(attempt, "attempt");
    CompletableFuture<R> future = new CompletableFuture<>();
    if (!admitted()) {
      future.completeExceptionally(
          CairnException.of(
              ErrorCode.RESOURCE_EXHAUSTED,
              service
                  + ": "
                  + policy.bulkheadMaxConcurrentCalls()
                  + " calls in flight (bulkheadMaxConcurrentCalls)"));
      return future;
    }
    if (!breaker.tryAcquirePermission()) {
      bulkhead.onComplete();
      future.completeExceptionally(
          CairnException.of(ErrorCode.UNAVAILABLE, service + ": circuit breaker is open"));
      return future;
    }
    budget.onCall();
    Duration deadline = options.deadline() != null ? options.deadline() : policy.deadline();
    new Call<>(
            this,
            options,
            attempt,
            future,
            deadline,
            startNanos,
            CallObservation.start(observations, service))
        .next();
    return future;
  }

  /**
   * Takes a bulkhead permit. Resilience4j's semaphore refuses an interrupted thread (and says the
   * bulkhead is full); admission never waits, so the flag is set aside here and left to the
   * attempt: a blocking transport call then fails with {@link InterruptedException}.
   */
  private boolean admitted() {
    boolean interrupted = Thread.interrupted();
    try {
      return bulkhead.tryAcquirePermission();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The retry budget shared by this service's retries and re-picks. */
  public RetryBudget retryBudget() {
    return budget;
  }

  /** The service's circuit breaker. */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /** The service's bulkhead. */
  public Bulkhead bulkhead() {
    return bulkhead;
  }

  /** The balancer calls go through. */
  public Balancer<T> balancer() {
    return balancer;
  }

  /** One call's state; touched by one attempt at a time (attempts never overlap). */
  private static final class Call<T, R> {
    private final CallRunner<T> runner;
    private final CallOptions options;
    private final Attempt<T, R> attempt;
    private final CompletableFuture<R> future;
    private final Duration deadline;
    private final long startNanos;
    private final long deadlineNanos;
    // Null when calls are not observed.
    private final CallObservation observation;
    private int attempts;
    private long waitNanos = FIRST_WAIT_NANOS;
    private boolean waitedForInstances;

    Call(
        CallRunner<T> runner,
        CallOptions options,
        Attempt<T, R> attempt,
        CompletableFuture<R> future,
        Duration deadline,
        long startNanos,
        CallObservation observation) {
      this.runner = runner;
      this.options = options;
      this.attempt = attempt;
      this.future = future;
      this.deadline = deadline;
      this.startNanos = startNanos;
      this.deadlineNanos = startNanos + deadline.toNanos();
      this.observation = observation;
    }

    void next() {
      long now = runner.ticker.nanos();
      long remaining = deadlineNanos - now;
      if (remaining <= 0 && attempts == 0 && waitedForInstances) {
        // The wait for a usable instance overran the deadline (a late timer): same error as when
        // the wait gives up before it.
        noUsableInstance();
        return;
      }
      if (remaining <= 0) {
        fail(
            CairnException.of(
                ErrorCode.DEADLINE_EXCEEDED,
                runner.service
                    + ": deadline "
                    + deadline
                    + " passed after "
                    + attempts
                    + " attempts"),
            Outcome.FAILURE);
        return;
      }
      Endpoint<T> endpoint = runner.balancer.pick(options.pickContext());
      if (endpoint == null) {
        waitForInstances(remaining);
        return;
      }
      attempts++;
      long started = runner.balancer.started(endpoint);
      CompletableFuture<R> sent;
      CallObservation.AttemptSpan span = null;
      try {
        if (observation == null) {
          sent = attempt.send(endpoint, remaining);
        } else {
          span = observation.attempt(endpoint.instance(), attempts);
          try (io.micrometer.observation.Observation.Scope scope = span.openScope()) {
            sent = attempt.send(endpoint, remaining, span.headers());
          }
        }
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      CallObservation.AttemptSpan attemptSpan = span;
      sent.whenComplete(
          (result, error) -> {
            if (attemptSpan != null) {
              attemptSpan.end(error);
            }
            completed(endpoint, started, result, error);
          });
    }

    private void waitForInstances(long remaining) {
      waitedForInstances = true;
      if (waitNanos >= remaining) {
        noUsableInstance();
        return;
      }
      long wait = waitNanos;
      waitNanos = Math.min(waitNanos * 2, MAX_WAIT_NANOS);
      schedule(wait);
    }

    private void noUsableInstance() {
      fail(
          CairnException.of(
              ErrorCode.UNAVAILABLE,
              runner.service + ": no usable instance within the deadline " + deadline),
          Outcome.FAILURE);
    }

    private void completed(Endpoint<T> endpoint, long started, R result, Throwable error) {
      Throwable cause = unwrap(error);
      Outcome outcome;
      try {
        outcome = cause == null ? attempt.classify(result) : attempt.classify(cause);
      } catch (RuntimeException e) {
        outcome = Outcome.FAILURE;
        cause = e;
        result = null;
      }
      runner.balancer.completed(endpoint, started, outcome);
      // An interrupted attempt means the caller's thread was interrupted: the caller gives up.
      boolean interrupted = cause instanceof InterruptedException;
      if (outcome != Outcome.SUCCESS && !interrupted && retryable(outcome)) {
        long delay =
            outcome == Outcome.REFUSED
                ? 0
                : runner
                    .policy
                    .backoff()
                    .delayNanos(attempts, ThreadLocalRandom.current().nextDouble());
        if (runner.ticker.nanos() + delay < deadlineNanos && runner.budget.tryRetry()) {
          if (observation != null) {
            observation.retry(outcome, delay);
          }
          if (delay == 0) {
            next();
          } else {
            schedule(delay);
          }
          return;
        }
      }
      if (cause != null) {
        fail(cause, outcome);
      } else {
        finish(result, outcome);
      }
    }

    private boolean retryable(Outcome outcome) {
      return attempts < runner.policy.maxAttempts()
          && (outcome == Outcome.REFUSED || options.isIdempotent());
    }

    private void schedule(long delayNanos) {
      try {
        runner.scheduler.schedule(this::next, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        fail(CairnException.of(ErrorCode.UNAVAILABLE, runner.service + ": client closed"), null);
      }
    }

    private void finish(R result, Outcome outcome) {
      long took = runner.ticker.nanos() - startNanos;
      if (outcome == Outcome.SUCCESS || outcome == Outcome.OVERLOADED) {
        runner.breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      } else {
        runner.breaker.onError(
            took,
            TimeUnit.NANOSECONDS,
            CairnException.of(ErrorCode.UNAVAILABLE, runner.service + ": " + outcome));
      }
      runner.bulkhead.onComplete();
      if (observation != null) {
        observation.end(null, outcome);
      }
      future.complete(result);
    }

    private void fail(Throwable error, Outcome outcome) {
      long took = runner.ticker.nanos() - startNanos;
      if (outcome == null) {
        runner.breaker.releasePermission();
      } else {
        runner.breaker.onError(took, TimeUnit.NANOSECONDS, error);
      }
      runner.bulkhead.onComplete();
      if (observation != null) {
        observation.end(error, outcome);
      }
      future.completeExceptionally(error);
    }

    private static Throwable unwrap(Throwable error) {
      Throwable t = error;
      while ((t instanceof CompletionException || t instanceof ExecutionException)
          && t.getCause() != null) {
        t = t.getCause();
      }
      return t;
    }
  }
}

package dev.cairn.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicies;
import dev.cairn.client.lb.Outcome;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import dev.cairn.testing.clock.FakeTicker;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The call runner over an in-memory transport: each endpoint answers with a behaviour the test
 * sets. Time is a fake ticker; retries run on a real scheduler with a 1 ms backoff.
 */
class CallRunnerTest {

  private final FakeTicker ticker = FakeTicker.create();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, AtomicInteger> attemptsById = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private CallPolicy.Builder fastRetries() {
    return CallPolicy.builder()
        .loadBalancing("round_robin")
        .backoffInitial(Duration.ofMillis(1))
        .backoffMax(Duration.ofMillis(2));
  }

  private CallRunner<String> runner(CallPolicy policy, int instances, Ticker clock) {
    Balancer<String> balancer = policy.<String>balancer(Instance::id, clock).build();
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      list.add(Instance.builder("svc", "127.0.0.1").id("e" + i).port("http", 80).build());
    }
    balancer.update(list);
    return CallRunner.create("svc", balancer, policy, scheduler, clock);
  }

  /**
   * An attempt whose endpoint answers by {@code behaviour}: "ok", "503", "refuse", "fail" or
   * "interrupted" (the calling thread was interrupted during the attempt).
   */
  private Attempt<String, String> transport(Map<String, String> behaviour) {
    return new Attempt<>() {
      @Override
      public CompletableFuture<String> send(Endpoint<String> endpoint, long timeoutNanos) {
        attemptsById.computeIfAbsent(endpoint.id(), k -> new AtomicInteger()).incrementAndGet();
        switch (behaviour.getOrDefault(endpoint.id(), "ok")) {
          case "refuse":
            return CompletableFuture.failedFuture(new ConnectException("refused"));
          case "fail":
            return CompletableFuture.failedFuture(new java.io.IOException("reset"));
          case "503":
            return CompletableFuture.completedFuture("503");
          case "interrupted":
            return CompletableFuture.failedFuture(new InterruptedException());
          default:
            return CompletableFuture.completedFuture("200 from " + endpoint.id());
        }
      }

      @Override
      public Outcome classify(String result) {
        return result.equals("503") ? Outcome.FAILURE : Outcome.SUCCESS;
      }
    };
  }

  private int totalAttempts() {
    return attemptsById.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Test
  void retriesOfAFailingServiceStayWithinTheBudget() throws Exception {
    CallPolicy noBreaker =
        fastRetries().circuitBreakerWindow(100_000).circuitBreakerMinimumCalls(100_000).build();
    CallRunner<String> runner = runner(noBreaker, 3, ticker);
    Attempt<String, String> allFail = transport(Map.of("e0", "fail", "e1", "fail", "e2", "fail"));
    int calls = 1000;
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      futures.add(runner.call(CallOptions.idempotent(), allFail));
    }
    for (CompletableFuture<String> f : futures) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(java.io.IOException.class);
    }

    int retries = totalAttempts() - calls;
    System.out.printf(
        "call runner: %d failing idempotent calls, %d retries (budget 20%% + 100)%n",
        calls, retries);
    assertThat(retries).isEqualTo(runner.retryBudget().retriesGranted());
    assertThat(retries).isLessThanOrEqualTo((int) (0.2 * calls) + 100).isPositive();
  }

  @Test
  void refusedConnectionIsEjectedAndRepickedEvenForANonIdempotentCall() throws Exception {
    CallRunner<String> runner = runner(fastRetries().build(), 3, ticker);
    Attempt<String, String> oneGone = transport(Map.of("e0", "refuse"));

    for (int i = 0; i < 30; i++) {
      assertThat(runner.call(CallOptions.DEFAULT, oneGone).get(5, TimeUnit.SECONDS))
          .startsWith("200 from");
    }

    assertThat(attemptsById.get("e0").get()).isEqualTo(1);
    assertThat(runner.retryBudget().retriesGranted()).isEqualTo(1);
  }

  @Test
  void aNonIdempotentCallThatMayHaveBeenSentIsNotRetried() {
    CallRunner<String> runner = runner(fastRetries().build(), 1, ticker);

    CompletableFuture<String> f = runner.call(CallOptions.DEFAULT, transport(Map.of("e0", "fail")));

    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(java.io.IOException.class);
    assertThat(totalAttempts()).isEqualTo(1);
  }

  @Test
  void anInterruptedAttemptEndsTheCallWithoutARetry() {
    CallRunner<String> runner = runner(fastRetries().build(), 2, ticker);

    CompletableFuture<String> f =
        runner.call(
            CallOptions.idempotent(), transport(Map.of("e0", "interrupted", "e1", "interrupted")));

    // an idempotent call with attempts and budget to spare, that an IOException would retry
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(InterruptedException.class);
    assertThat(totalAttempts()).isEqualTo(1);
    assertThat(runner.retryBudget().retriesGranted()).isZero();
  }

  @Test
  void anInterruptedCallerIsAdmittedAndLeftToTheAttempt() throws Exception {
    CallRunner<String> runner = runner(fastRetries().build(), 1, ticker);

    Thread.currentThread().interrupt();
    CompletableFuture<String> f;
    try {
      f = runner.call(CallOptions.DEFAULT, transport(Map.of()));
    } finally {
      assertThat(Thread.interrupted()).isTrue(); // kept, and cleared for the next test
    }

    assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("200 from e0");
    assertThat(runner.bulkhead().getMetrics().getAvailableConcurrentCalls())
        .isEqualTo(runner.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
  }

  @Test
  void aFailedResultIsReturnedAsIsAfterTheLastAttempt() throws Exception {
    CallRunner<String> runner = runner(fastRetries().build(), 1, ticker);

    String result =
        runner
            .call(CallOptions.idempotent(), transport(Map.of("e0", "503")))
            .get(5, TimeUnit.SECONDS);

    assertThat(result).isEqualTo("503");
    assertThat(totalAttempts()).isEqualTo(3); // maxAttempts
  }

  @Test
  void aCallThatBeganEarlierCountsItsDeadlineFromThenAndNamesItAsConfigured() {
    CallRunner<String> runner = runner(fastRetries().build(), 1, ticker);
    long began = ticker.nanos();
    ticker.advance(Duration.ofSeconds(3)); // e.g. spent waiting for the service's first instances

    CompletableFuture<String> f =
        runner.call(
            CallOptions.DEFAULT.withDeadline(Duration.ofSeconds(2)),
            transport(Map.of("e0", "ok")),
            began);

    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(CairnException.class)
        .hasMessage("svc: deadline PT2S passed after 0 attempts");
    assertThat(attemptsById).isEmpty();
  }

  @Test
  void noInstanceFailsWithATypedErrorAtTheDeadline() {
    CallRunner<String> runner = runner(fastRetries().build(), 0, Ticker.system());

    CompletableFuture<String> f =
        runner.call(CallOptions.DEFAULT.withDeadline(Duration.ofMillis(100)), transport(Map.of()));

    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("svc: no usable instance within the deadline PT0.1S");
    assertThat(((CairnException) f.handle((r, e) -> e).join()).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
  }

  @Test
  void openCircuitFailsFast() throws Exception {
    CallPolicy policy =
        fastRetries()
            .maxAttempts(1)
            .circuitBreakerMinimumCalls(5)
            .circuitBreakerWindow(5)
            .outlierDetection(dev.cairn.client.lb.OutlierDetection.disabled())
            .build();
    CallRunner<String> runner = runner(policy, 2, ticker);
    Attempt<String, String> down = transport(Map.of("e0", "503", "e1", "503"));
    for (int i = 0; i < 5; i++) {
      runner.call(CallOptions.DEFAULT, down).get(5, TimeUnit.SECONDS);
    }

    CompletableFuture<String> f = runner.call(CallOptions.DEFAULT, down);

    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasMessageContaining("svc: circuit breaker is open");
    assertThat(totalAttempts()).isEqualTo(5);
  }

  @Test
  void fullBulkheadRefusesAtOnce() {
    CallRunner<String> runner =
        runner(fastRetries().bulkheadMaxConcurrentCalls(1).build(), 1, ticker);
    CompletableFuture<String> never = new CompletableFuture<>();
    Attempt<String, String> hanging = (endpoint, timeout) -> never;
    runner.call(CallOptions.DEFAULT, hanging);

    CompletableFuture<String> f = runner.call(CallOptions.DEFAULT, hanging);

    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasMessageContaining("svc: 1 calls in flight (bulkheadMaxConcurrentCalls)");
    never.complete("done");
    assertThat(runner.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
  }

  @Test
  void policyNameAloneChoosesTheBalancing() {
    assertThat(fastRetries().build().loadBalancingPolicy())
        .isSameAs(LoadBalancingPolicies.roundRobin());
  }
}

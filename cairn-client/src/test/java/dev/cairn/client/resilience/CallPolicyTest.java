package dev.cairn.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.client.lb.LoadBalancingPolicies;
import dev.cairn.common.Instance;
import dev.cairn.testing.clock.FakeTicker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class CallPolicyTest {

  @Test
  void defaultsAreDocumented() {
    CallPolicy p = CallPolicy.defaults();

    assertThat(p.loadBalancing()).isEqualTo("p2c_ewma");
    assertThat(p.loadBalancingPolicy()).isSameAs(LoadBalancingPolicies.p2cEwma());
    assertThat(p.deadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.retryBudgetRatio()).isEqualTo(0.2);
    assertThat(p.retryBudgetMinPerSecond()).isEqualTo(10);
    assertThat(p.outlierDetection().consecutiveFailures()).isEqualTo(5);
    assertThat(p.outlierDetection().maxEjectionPercent()).isEqualTo(10);
    assertThat(p.outlierDetection().baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.bulkheadMaxConcurrentCalls()).isEqualTo(256);
  }

  @Test
  void malformedSettingsFailAtBuildNamingTheField() {
    expect(b -> b.loadBalancing("fastest"), "loadBalancing: fastest (expected: one of [");
    expect(b -> b.deadline(Duration.ZERO), "deadline: PT0S (expected: > 0)");
    expect(b -> b.maxAttempts(0), "maxAttempts: 0 (expected: 1..10)");
    expect(
        b -> b.backoffInitial(Duration.ofSeconds(2)),
        "backoffMax: PT1S (expected: >= backoffInitial PT2S)");
    expect(b -> b.backoffJitter(1.5), "backoffJitter: 1.5 (expected: 0..1)");
    expect(b -> b.retryBudgetRatio(-0.1), "retryBudgetRatio: -0.1 (expected: 0..10)");
    expect(
        b -> b.retryBudgetWindow(Duration.ofMillis(1500)),
        "retryBudgetWindow: PT1.5S (expected: whole seconds, 1..60)");
    expect(b -> b.panicThreshold(2), "panicThreshold: 2 (expected: 0..1)");
    expect(b -> b.circuitBreakerFailureRate(0), "circuitBreakerFailureRate: 0 (expected: 1..100)");
    expect(b -> b.bulkheadMaxConcurrentCalls(0), "bulkheadMaxConcurrentCalls: 0 (expected: ");
  }

  @Test
  void buildsResilience4jPartsFromTheSettings() {
    CallPolicy p =
        CallPolicy.builder().circuitBreakerMinimumCalls(4).circuitBreakerWindow(4).build();
    CircuitBreaker breaker = p.newCircuitBreaker("hello");
    for (int i = 0; i < 4; i++) {
      breaker.onError(1, java.util.concurrent.TimeUnit.MILLISECONDS, new RuntimeException());
    }

    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(p.newBulkhead("hello").getBulkheadConfig().getMaxConcurrentCalls()).isEqualTo(256);
    assertThat(p.<String>balancer(Instance::id, FakeTicker.create()).build().policy().name())
        .isEqualTo("p2c_ewma");
  }

  @Test
  void backoffGrowsToItsCapWithinTheJitter() {
    Backoff b = CallPolicy.defaults().backoff();

    assertThat(b.delayNanos(1, 0.5)).isEqualTo(Duration.ofMillis(25).toNanos());
    assertThat(b.delayNanos(2, 0.5)).isEqualTo(Duration.ofMillis(50).toNanos());
    assertThat(b.delayNanos(10, 0.5)).isEqualTo(Duration.ofSeconds(1).toNanos());
    assertThat(b.delayNanos(1, 0.0)).isEqualTo(Duration.ofMillis(20).toNanos());
    assertThat(b.delayNanos(1, 0.999999)).isLessThanOrEqualTo(Duration.ofMillis(30).toNanos());
  }

  private static void expect(Consumer<CallPolicy.Builder> change, String message) {
    CallPolicy.Builder b = CallPolicy.builder();
    change.accept(b);
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }
}

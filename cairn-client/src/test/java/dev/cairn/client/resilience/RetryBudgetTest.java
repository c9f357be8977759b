package dev.cairn.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private final FakeTicker ticker = FakeTicker.create();
  private final RetryBudget budget = RetryBudget.of(CallPolicy.defaults(), ticker);

  @Test
  void grantsTwentyPercentOfCallsPlusTheReserve() {
    int granted = 0;
    for (int i = 0; i < 1000; i++) {
      budget.onCall();
      granted += budget.tryRetry() ? 1 : 0; // every call fails and wants a retry
    }

    // 20% of 1000 calls + 10/s over the 10 s window.
    System.out.printf("retry budget: 1000 failing calls in 1 s, %d retries granted%n", granted);
    assertThat(granted).isEqualTo(300);
    assertThat(budget.retriesGranted()).isEqualTo(300);
  }

  @Test
  void reserveAloneAllowsTenPerSecondOverTheWindow() {
    int granted = 0;
    for (int i = 0; i < 1000; i++) {
      granted += budget.tryRetry() ? 1 : 0;
    }

    assertThat(granted).isEqualTo(100);
  }

  @Test
  void windowSlidesAndRefills() {
    for (int i = 0; i < 500; i++) {
      budget.onCall();
      budget.tryRetry();
    }
    assertThat(budget.tryRetry()).isFalse();

    ticker.advance(Duration.ofSeconds(5));
    assertThat(budget.tryRetry()).isFalse(); // the spent budget is still in the window

    ticker.advance(Duration.ofSeconds(5)); // the first second leaves the window
    assertThat(budget.tryRetry()).isTrue();
  }

  @Test
  void zeroRatioAndReserveGrantNothing() {
    RetryBudget none =
        RetryBudget.of(
            CallPolicy.builder().retryBudgetRatio(0).retryBudgetMinPerSecond(0).build(), ticker);
    none.onCall();

    assertThat(none.tryRetry()).isFalse();
  }
}

package dev.cairn.server.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Limits;
import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestRateLimitTest {

  private final FakeTicker ticker = FakeTicker.create();

  @Test
  void eachCallerHasItsOwnBucketAndIsToldHowLongToWait() {
    RequestRateLimit rate = new RequestRateLimit(2, 3, ticker);
    for (int i = 0; i < 3; i++) {
      assertThat(rate.acquire("token-a")).isZero();
    }
    long wait = rate.acquire("token-a");
    assertThat(wait).isEqualTo(Duration.ofMillis(500).toNanos());
    assertThat(RequestRateLimit.retryAfterSeconds(wait)).isEqualTo(1);
    // Another caller is not held back.
    assertThat(rate.acquire("token-b")).isZero();
    assertThat(rate.callers()).isEqualTo(2);

    ticker.advance(Duration.ofMillis(500));
    assertThat(rate.acquire("token-a")).isZero();
    assertThat(rate.acquire("token-a")).isPositive();
  }

  @Test
  void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
    assertThat(RequestRateLimit.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(RequestRateLimit.retryAfterSeconds(Duration.ofSeconds(1).toNanos())).isEqualTo(1);
    assertThat(RequestRateLimit.retryAfterSeconds(Duration.ofMillis(1001).toNanos())).isEqualTo(2);
    assertThat(RequestRateLimit.retryAfterSeconds(Duration.ofSeconds(90).toNanos())).isEqualTo(90);
  }

  @Test
  void theLimitsCheckTheirValuesAndDefaultToNoRateLimit() {
    assertThat(AbuseLimits.DEFAULTS.requestRateLimit(ticker)).isNull();
    assertThat(AbuseLimits.DEFAULTS.watchesPerClient())
        .isEqualTo(Limits.MAX_WATCHES_PER_CONNECTION);
    AbuseLimits limited = new AbuseLimits(1, 1, 1, 2.5, 0);
    assertThat(limited.effectiveBurst()).isEqualTo(3);
    assertThat(limited.requestRateLimit(ticker).burst()).isEqualTo(3);
    assertThatThrownBy(() -> new AbuseLimits(0, 1, 1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("watchesPerClient");
    assertThatThrownBy(() -> new AbuseLimits(1, 1, 1, -1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestsPerSecond");
    assertThatThrownBy(() -> new AbuseLimits(1, 1, 1, 1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestBurst");
  }
}

package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesUpToTheMaximumWithJitterInTheUpperHalf() {
    Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0);
    Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0);
    long[] lows = new long[6];
    long[] highs = new long[6];
    for (int i = 0; i < 6; i++) {
      lows[i] = low.nextDelayNanos() / 1_000_000;
      highs[i] = high.nextDelayNanos() / 1_000_000;
    }
    assertThat(highs).containsExactly(100, 200, 400, 800, 1000, 1000);
    assertThat(lows).containsExactly(50, 100, 200, 400, 500, 500);
  }

  @Test
  void resetStartsOver() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0);
    b.nextDelayNanos();
    b.nextDelayNanos();
    b.reset();
    assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
  }
}

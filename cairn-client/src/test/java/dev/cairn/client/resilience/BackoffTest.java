package dev.cairn.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void doublesUpToTheMaximumWithinTheJitter() {
    Backoff b = Backoff.of(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.2);
    long[] middle = new long[6];
    for (int retry = 1; retry <= 6; retry++) {
      middle[retry - 1] = b.delayNanos(retry, 0.5) / 1_000_000;
      assertThat(b.delayNanos(retry, 0.0)).isEqualTo(b.delayNanos(retry, 0.5) * 8 / 10);
    }
    assertThat(middle).containsExactly(100, 200, 400, 800, 1000, 1000);
    for (int i = 0; i < 100; i++) {
      assertThat(b.delayNanos(3)).isBetween(320_000_000L, 480_000_000L);
    }
    // Far past the cap: no overflow.
    assertThat(b.delayNanos(Integer.MAX_VALUE, 0.5)).isEqualTo(1_000_000_000L);
  }

  @Test
  void ofChecksItsArguments() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> Backoff.of(Duration.ZERO, s, 2, 0.2))
        .hasMessage("initial: PT0S (expected: > 0)");
    assertThatThrownBy(() -> Backoff.of(s, Duration.ofMillis(1), 2, 0.2))
        .hasMessage("max: PT0.001S (expected: >= initial PT1S)");
    assertThatThrownBy(() -> Backoff.of(s, s, 0.5, 0.2))
        .hasMessage("multiplier: 0.5 (expected: 1..10)");
    assertThatThrownBy(() -> Backoff.of(s, s, 2, 1.5)).hasMessage("jitter: 1.5 (expected: 0..1)");
  }
}

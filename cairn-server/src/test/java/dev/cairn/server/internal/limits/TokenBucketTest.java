package dev.cairn.server.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private final FakeTicker ticker = FakeTicker.create();

  @Test
  void aFullBucketAdmitsItsBurstThenOneTokenPerIntervalOfTheRate() {
    TokenBucket b = new TokenBucket(10, 3, ticker.nanos());
    assertThat(b.tryTake(ticker.nanos())).isTrue();
    assertThat(b.tryTake(ticker.nanos())).isTrue();
    assertThat(b.tryTake(ticker.nanos())).isTrue();
    assertThat(b.tryTake(ticker.nanos())).isFalse();
    assertThat(b.nanosUntilNext(ticker.nanos())).isEqualTo(Duration.ofMillis(100).toNanos());

    ticker.advance(Duration.ofMillis(99));
    assertThat(b.tryTake(ticker.nanos())).isFalse();
    assertThat(b.nanosUntilNext(ticker.nanos())).isBetween(1L, Duration.ofMillis(1).toNanos());
    ticker.advance(Duration.ofMillis(1));
    assertThat(b.tryTake(ticker.nanos())).isTrue();
    assertThat(b.tryTake(ticker.nanos())).isFalse();
  }

  @Test
  void aQuietBucketFillsUpToItsBurstAndNoFurther() {
    TokenBucket b = new TokenBucket(10, 3, ticker.nanos());
    for (int i = 0; i < 3; i++) {
      b.tryTake(ticker.nanos());
    }
    assertThat(b.isFull(ticker.nanos())).isFalse();
    ticker.advance(Duration.ofHours(1));
    assertThat(b.isFull(ticker.nanos())).isTrue();
    int taken = 0;
    while (b.tryTake(ticker.nanos())) {
      taken++;
    }
    assertThat(taken).isEqualTo(3);
  }

  @Test
  void aClockReadingFromBeforeTheLastGivesNoToken() {
    TokenBucket b = new TokenBucket(1, 1, ticker.nanos());
    assertThat(b.tryTake(ticker.nanos())).isTrue();
    assertThat(b.tryTake(ticker.nanos() - Duration.ofSeconds(10).toNanos())).isFalse();
    assertThat(b.tryTake(ticker.nanos())).isFalse();
  }

  @Test
  void refusesARateOrBurstThatAdmitsNothing() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate");
    assertThatThrownBy(() -> new TokenBucket(1, 0.5, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(Double.NaN, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

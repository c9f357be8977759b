package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeepAliveWaitsTest {

  // A 6 s TTL: a wait is long from 1 s on.
  private static final long TTL_MILLIS = 6_000;

  private final FakeTicker ticker = FakeTicker.create();
  private final KeepAliveWaits waits = new KeepAliveWaits(ticker, Duration.ofMillis(200));

  @Test
  void aStreamEndingWhileItsKeepaliveWaitedLongWasLeftUnanswered() {
    waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(1_000));

    assertThat(waits.leftUnanswered("s")).isTrue();
    assertThat(waits.size()).isZero();
  }

  @Test
  void aShortWaitIsNotLeavingForWantOfAnswers() {
    waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(999));

    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void aStreamWithoutWaitingKeepalivesWasNotLeftUnanswered() {
    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void aKeepaliveAnsweredInTimeLeavesNothingBehind() {
    long since = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(150));
    waits.answered("s", since);

    assertThat(waits.size()).isZero();
    ticker.advance(Duration.ofMillis(5_000));
    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void theOldestWaitingKeepaliveCounts() {
    long first = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(600));
    long second = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(400));

    assertThat(second).isEqualTo(first);
    assertThat(waits.leftUnanswered("s")).isTrue();
  }

  @Test
  void aLongWaitAnsweredJustBeforeTheEndStillCounts() {
    long since = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(3_000));
    waits.answered("s", since);
    ticker.advance(Duration.ofMillis(1_000));

    assertThat(waits.leftUnanswered("s")).isTrue();
  }

  @Test
  void aLongWaitAnsweredLongBeforeTheEndDoesNotCount() {
    long since = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(3_000));
    waits.answered("s", since);
    ticker.advance(Duration.ofMillis(1_001));

    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void aKeepaliveAfterALateAnswerStartsAWaitOfItsOwn() {
    long late = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(3_000));
    waits.answered("s", late);
    long next = waits.waiting("s", TTL_MILLIS);
    ticker.advance(Duration.ofMillis(100));
    waits.answered("s", next);

    assertThat(next).isNotEqualTo(late);
    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void aShortTtlWaitsAtLeastTheMinimum() {
    waits.waiting("s", 600); // a sixth: 100 ms, under the 200 ms minimum
    ticker.advance(Duration.ofMillis(150));

    assertThat(waits.leftUnanswered("s")).isFalse();
  }

  @Test
  void aClosedSessionIsForgotten() {
    waits.waiting("s", TTL_MILLIS);
    waits.forget("s");
    ticker.advance(Duration.ofMillis(2_000));

    assertThat(waits.leftUnanswered("s")).isFalse();
  }
}

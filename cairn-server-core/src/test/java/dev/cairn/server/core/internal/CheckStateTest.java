package dev.cairn.server.core.internal;

import static dev.cairn.common.Health.CRITICAL;
import static dev.cairn.common.Health.PASSING;
import static dev.cairn.common.Health.WARNING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CheckStateTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long HALF_LIFE = 60 * SECOND;
  private long now = 1_000_000 * SECOND;

  @Test
  void fallFailuresInARowTurnItCritical() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    assertThat(s.onResult(CRITICAL, 2, 3, tick())).isEqualTo(PASSING);
    assertThat(s.onResult(CRITICAL, 2, 3, tick())).isEqualTo(PASSING);
    assertThat(s.onResult(CRITICAL, 2, 3, tick())).isEqualTo(CRITICAL);
  }

  @Test
  void aPassingResultInBetweenRestartsTheCount() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    s.onResult(CRITICAL, 2, 3, tick());
    s.onResult(CRITICAL, 2, 3, tick());
    s.onResult(PASSING, 2, 3, tick());
    s.onResult(CRITICAL, 2, 3, tick());

    assertThat(s.onResult(CRITICAL, 2, 3, tick())).isEqualTo(PASSING);
    assertThat(s.onResult(CRITICAL, 2, 3, tick())).isEqualTo(CRITICAL);
  }

  @Test
  void risePassesInARowTurnItPassingAgain() {
    CheckState s = new CheckState(CRITICAL, HALF_LIFE);

    assertThat(s.onResult(PASSING, 2, 3, tick())).isEqualTo(CRITICAL);
    assertThat(s.onResult(PASSING, 2, 3, tick())).isEqualTo(PASSING);
  }

  @Test
  void warningCountsAsAFall() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    assertThat(s.onResult(WARNING, 2, 1, tick())).isEqualTo(WARNING);
    assertThat(s.onResult(CRITICAL, 2, 1, tick())).isEqualTo(CRITICAL);
  }

  @Test
  void flappingIsHeldCriticalUntilThePenaltyDecays() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    // Four changes within seconds: 1 + 1 + 1 + 1 > 3.5.
    assertThat(s.onResult(CRITICAL, 1, 1, tick())).isEqualTo(CRITICAL);
    assertThat(s.onResult(PASSING, 1, 1, tick())).isEqualTo(PASSING);
    assertThat(s.onResult(CRITICAL, 1, 1, tick())).isEqualTo(CRITICAL);
    assertThat(s.suppressed()).isFalse();
    assertThat(s.onResult(PASSING, 1, 1, tick())).isEqualTo(CRITICAL);
    assertThat(s.suppressed()).isTrue();
    assertThat(s.current()).isEqualTo(PASSING);

    // Still passing a half-life later: penalty about 2, above 1.5.
    now += HALF_LIFE;
    assertThat(s.onResult(PASSING, 1, 1, now)).isEqualTo(CRITICAL);

    // Another half-life: about 1, below 1.5, released.
    now += HALF_LIFE;
    assertThat(s.onResult(PASSING, 1, 1, now)).isEqualTo(PASSING);
    assertThat(s.suppressed()).isFalse();
  }

  @Test
  void slowChangesAreNeverDamped() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    for (int i = 0; i < 20; i++) {
      now += HALF_LIFE;
      dev.cairn.common.Health expected = i % 2 == 0 ? CRITICAL : PASSING;
      assertThat(s.onResult(expected, 1, 1, now)).isEqualTo(expected);
    }
    assertThat(s.suppressed()).isFalse();
  }

  @Test
  void thePenaltyIsCappedSoAStoppedFlapperIsReleasedInBoundedTime() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);
    for (int i = 0; i < 100; i++) {
      s.onResult(i % 2 == 0 ? CRITICAL : PASSING, 1, 1, tick());
    }
    assertThat(s.penalty(now)).isLessThanOrEqualTo(CheckState.MAX_PENALTY);

    now += 3 * HALF_LIFE; // 8 / 2^3 = 1 < 1.5
    assertThat(s.shown(now)).isEqualTo(s.current());
  }

  @Test
  void withoutAHalfLifeNothingIsDamped() {
    CheckState s = new CheckState(PASSING, 0);
    for (int i = 0; i < 10; i++) {
      dev.cairn.common.Health h = i % 2 == 0 ? CRITICAL : PASSING;
      assertThat(s.onResult(h, 1, 1, tick())).isEqualTo(h);
    }
  }

  @Test
  void forceTakesAReportAtOnce() {
    CheckState s = new CheckState(PASSING, HALF_LIFE);

    assertThat(s.force(CRITICAL, tick())).isEqualTo(CRITICAL);
    assertThat(s.force(WARNING, tick())).isEqualTo(WARNING);
  }

  private long tick() {
    now += SECOND;
    return now;
  }
}

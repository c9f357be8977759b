package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SelfPreservationTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final SelfPreservation sp = new SelfPreservation(0.5, 30 * SECOND, 10, 300 * SECOND);
  private long now = 1_000 * SECOND;

  @Test
  void aFewExpiriesPassThrough() {
    assertThat(sp.mayExpire(2, 20, now)).isTrue();
    assertThat(sp.mayExpire(3, 18, now += SECOND)).isTrue();
    assertThat(sp.status().active()).isFalse();
  }

  @Test
  void mostSessionsExpiringAtOncePausesExpiry() {
    assertThat(sp.mayExpire(11, 20, now)).isFalse();

    assertThat(sp.status().active()).isTrue();
    assertThat(sp.status().heldSessions()).isEqualTo(11);
    assertThat(sp.status().activations()).isEqualTo(1);
  }

  @Test
  void expiriesSpreadOverTheWindowAddUp() {
    assertThat(sp.mayExpire(4, 20, now)).isTrue(); // 4 of 20
    assertThat(sp.mayExpire(4, 16, now += 5 * SECOND)).isTrue(); // 8 of 20
    assertThat(sp.mayExpire(3, 12, now += 5 * SECOND)).isFalse(); // 11 of 20

    assertThat(sp.status().active()).isTrue();
  }

  @Test
  void expiriesOlderThanTheWindowDoNotCount() {
    assertThat(sp.mayExpire(9, 20, now)).isTrue();
    now += 31 * SECOND;
    assertThat(sp.mayExpire(5, 11, now)).isTrue(); // 5 of 11: not more than half
    assertThat(sp.status().active()).isFalse();
  }

  @Test
  void smallRegistriesAreNeverPaused() {
    assertThat(sp.mayExpire(9, 9, now)).isTrue();
  }

  @Test
  void endsWhenKeepalivesComeBack() {
    sp.mayExpire(15, 20, now);
    assertThat(sp.mayExpire(12, 20, now += SECOND)).isFalse();

    assertThat(sp.mayExpire(2, 20, now += SECOND)).isTrue();
    assertThat(sp.status().active()).isFalse();
    // The window starts afresh: the next few expiries pass.
    assertThat(sp.mayExpire(3, 18, now += SECOND)).isTrue();
  }

  @Test
  void endsAfterTheLongestPause() {
    sp.mayExpire(15, 20, now);
    now += 299 * SECOND;
    assertThat(sp.mayExpire(15, 20, now)).isFalse();
    assertThat(sp.status().activeForMillis()).isEqualTo(299_000);

    assertThat(sp.mayExpire(15, 20, now += SECOND)).isTrue();
    assertThat(sp.status().active()).isFalse();
  }

  @Test
  void thresholdZeroTurnsItOff() {
    SelfPreservation off = new SelfPreservation(0, 30 * SECOND, 10, 300 * SECOND);
    assertThat(off.mayExpire(20, 20, now)).isTrue();
  }
}

package dev.cairn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeTickerTest {

  @Test
  void movesOnlyWhenAdvanced() {
    FakeTicker ticker = FakeTicker.startingAt(5);

    assertThat(ticker.nanos()).isEqualTo(5);
    assertThat(ticker.advance(Duration.ofMillis(2))).isEqualTo(2_000_005);
    assertThat(ticker.nanos()).isEqualTo(2_000_005);
    assertThat(ticker.advance(Duration.ZERO)).isEqualTo(2_000_005);
  }

  @Test
  void startsAwayFromZero() {
    assertThat(FakeTicker.create().nanos()).isNotZero();
  }

  @Test
  void neverGoesBack() {
    FakeTicker ticker = FakeTicker.create();

    assertThatThrownBy(() -> ticker.advance(Duration.ofSeconds(-1)))
        .hasMessage("duration: PT-1S (expected: >= 0)");
  }
}

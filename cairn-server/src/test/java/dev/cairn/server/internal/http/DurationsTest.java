package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  void parsesEachUnit() {
    assertThat(Durations.parseMillis("wait", "250ms")).isEqualTo(250);
    assertThat(Durations.parseMillis("wait", "30s")).isEqualTo(30_000);
    assertThat(Durations.parseMillis("wait", "5m")).isEqualTo(300_000);
    assertThat(Durations.parseMillis("wait", "0s")).isZero();
    assertThat(Durations.parseMillis("wait", "999999999m")).isEqualTo(999_999_999L * 60_000);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "s", "10", "-5s", "1.5s", "10 s", "10S", "5h", "\u0661s", "1000000000s"})
  void refusesOthersNamingTheField(String text) {
    assertThatThrownBy(() -> Durations.parseMillis("ttl", text))
        .isInstanceOf(CairnException.class)
        .extracting(e -> ((CairnException) e).field())
        .isEqualTo("ttl");
  }

  @Test
  void formatsInSecondsWhenWhole() {
    assertThat(Durations.format(10_000)).isEqualTo("10s");
    assertThat(Durations.format(1_500)).isEqualTo("1500ms");
    assertThat(Durations.format(300_000)).isEqualTo("300s");
  }
}

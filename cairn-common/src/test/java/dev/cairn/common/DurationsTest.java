package dev.cairn.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parsesUnitsAndIso() {
    assertThat(Durations.parse("wait", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("wait", "30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("wait", " 5m ")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("wait", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("wait", "PT10S")).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void rejectsWhatIsNotADurationNamingTheField() {
    for (String bad :
        new String[] {"", "10", "s", "-1s", "1.5s", "10d", "1234567890s", "PT-1S", "x"}) {
      assertThatThrownBy(() -> Durations.parse("ttl", bad))
          .as(bad)
          .isInstanceOfSatisfying(
              CairnException.class,
              e -> {
                assertThat(e.field()).isEqualTo("ttl");
                assertThat(e.getMessage()).contains(Durations.EXPECTED);
              });
    }
  }

  @Test
  void formatsWholeSecondsOrMillis() {
    assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}

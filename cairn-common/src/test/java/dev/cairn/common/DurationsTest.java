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
        new String[] {
          "",
          "10",
          "s",
          "-1s",
          "1.5s",
          "10d",
          "1234567890s",
          "PT-1S",
          "x",
          // longer than a year: would overflow milliseconds or nanoseconds further on
          "8761h",
          "999999999h",
          "PT9223372036854775807S",
          "PT2562047788015215H",
          "P1000000D"
        }) {
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
  void acceptsUpToAYear() {
    assertThat(Durations.parse("wait", "8760h")).isEqualTo(Durations.MAX);
    assertThat(Durations.parse("wait", "PT8760H")).isEqualTo(Durations.MAX);
    assertThat(Durations.MAX.toNanos()).isPositive();
  }

  @Test
  void formatsDurationsTooLongForMillisWithoutOverflow() {
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE)))
        .isEqualTo("PT2562047788015215H30M7S");
    assertThat(Durations.format(Duration.ofSeconds(-1))).isEqualTo("PT-1S");
  }

  @Test
  void formatsWholeSecondsOrMillis() {
    assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}

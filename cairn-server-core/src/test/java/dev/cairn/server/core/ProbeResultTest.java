package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Health;
import org.junit.jupiter.api.Test;

class ProbeResultTest {

  @Test
  void longOutputIsCutAndControlCharactersBecomeSpaces() {
    ProbeResult r = ProbeResult.of(Health.CRITICAL, " HTTP 500\r\nX" + "y".repeat(1000));

    assertThat(r.output())
        .hasSize(ProbeResult.MAX_OUTPUT_CHARS)
        .startsWith("HTTP 500  X")
        .endsWith("…");
    assertThat(r.health()).isEqualTo(Health.CRITICAL);
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> ProbeResult.of(null, "x")).hasMessageContaining("health");
    assertThatThrownBy(() -> ProbeResult.of(Health.PASSING, null)).hasMessageContaining("output");
  }
}

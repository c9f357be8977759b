package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.server.core.RegistryOptions;
import org.junit.jupiter.api.Test;

/** Decision 0113: one entry in flight, on a single node and on a cluster, unless set. */
class EntriesInFlightTest {

  @Test
  void oneEntryInFlightUnlessTheOptionsSay() {
    assertThat(RegistryOptions.defaults().maxEntriesInFlight()).isEqualTo(1);
    assertThat(RegistryOptions.builder().build().maxEntriesInFlight()).isEqualTo(1);
    assertThat(RegistryOptions.builder().maxEntriesInFlight(3).build().maxEntriesInFlight())
        .isEqualTo(3);
    assertThat(
            RegistryOptions.defaults().toBuilder()
                .maxEntriesInFlight(2)
                .build()
                .maxEntriesInFlight())
        .isEqualTo(2);
  }

  @Test
  void fewerThanOneIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> RegistryOptions.builder().maxEntriesInFlight(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEntriesInFlight: 0 (expected: >= 1)");
    assertThatThrownBy(() -> RegistryOptions.builder().maxEntriesInFlight(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEntriesInFlight: -1");
  }
}

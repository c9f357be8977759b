package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Decision 0113: one entry in flight on a replicated log, two on a single node, unless set. */
class EntriesInFlightTest {

  @Test
  void theLogChoosesUnlessTheOptionsSay() {
    RegistryOptions defaults = RegistryOptions.defaults();
    assertThat(RegistryImpl.entriesInFlight(defaults, new MemoryCommandLog())).isEqualTo(2);
    assertThat(RegistryImpl.entriesInFlight(defaults, new Replicated())).isEqualTo(1);

    RegistryOptions three = RegistryOptions.builder().maxEntriesInFlight(3).build();
    assertThat(RegistryImpl.entriesInFlight(three, new MemoryCommandLog())).isEqualTo(3);
    assertThat(RegistryImpl.entriesInFlight(three, new Replicated())).isEqualTo(3);
  }

  @Test
  void aNegativeCountIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> RegistryOptions.builder().maxEntriesInFlight(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEntriesInFlight: -1");
  }

  /** A log that says it is replicated; nothing is appended to it here. */
  private static final class Replicated implements CommandLog {
    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public CompletableFuture<byte[]> append(byte[] entry) {
      return new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}

    @Override
    public boolean replicated() {
      return true;
    }
  }
}

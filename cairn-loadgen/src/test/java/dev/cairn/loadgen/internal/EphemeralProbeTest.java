package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** W6's probe counts what its view saw of the clients' instances, on a real server. */
class EphemeralProbeTest {

  @RegisterExtension static CairnServerExtension server = CairnServerExtension.inMemory();

  @Test
  void countsNothingWhileTheInstancesStay() throws Exception {
    try (EphemeralProbe probe =
        EphemeralProbe.start(server.grpcTarget(), null, "probe-a", 3, Duration.ofSeconds(20))) {
      assertThat(probe.owners()).isEqualTo(3);
      assertThat(server.registry().service("default", "probe-a").instances()).hasSize(3);
      assertThat(probe.mostMissing()).isZero();
      assertThat(probe.changes()).isZero();
    }
  }

  @Test
  void countsAnInstanceRemoved() throws Exception {
    try (EphemeralProbe probe =
        EphemeralProbe.start(server.grpcTarget(), null, "probe-b", 3, Duration.ofSeconds(20))) {
      String id = Instances.id("w6-eph", 1);
      // Removed behind its client's back, as a lost session would remove it.
      server.registry().deregister("default", "probe-b", id).join();

      await().atMost(Duration.ofSeconds(20)).until(() -> probe.changes() >= 1);
      assertThat(probe.mostMissing()).isEqualTo(1);
    }
  }
}

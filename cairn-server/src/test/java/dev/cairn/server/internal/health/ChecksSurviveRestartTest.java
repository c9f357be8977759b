package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Check definitions and service settings go through the log, so a restarted server keeps them. */
class ChecksSurviveRestartTest {

  @TempDir Path data;

  @Test
  void checksAndThresholdsAreThereAfterARestartAndChecksRunAgain() throws Exception {
    try (Targets targets = new Targets();
        CairnServer first = durable()) {
      int closedPort = targets.refused();
      Api api = new Api(first);
      assertThat(
              api.register(
                      "a",
                      closedPort,
                      "{\"type\":\"tcp\",\"interval\":\"200ms\",\"timeout\":\"100ms\",\"fall\":1}")
                  .status())
          .isEqualTo(200);
      api.put("/v1/services/web/config", "{\"protectionThreshold\":0.3}");
      await().atMost(Duration.ofSeconds(5)).until(() -> api.health("a") == Health.CRITICAL);
    }

    try (CairnServer second = durable()) {
      Instance a = second.registry().service("", "web").instances().get(0);
      assertThat(a.check().map(HealthCheck::type)).contains(HealthCheck.Type.TCP);
      assertThat(a.health()).isEqualTo(Health.CRITICAL);
      assertThat(second.registry().serviceConfig("", "web").protectionThreshold()).isEqualTo(0.3);
      long before = second.registry().healthCheckStats().probesStarted();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> second.registry().healthCheckStats().probesStarted() > before + 2);
    }
  }

  private CairnServer durable() throws Exception {
    return CairnServer.builder().dataDir(data).httpPort(0).grpcPort(0).start();
  }
}

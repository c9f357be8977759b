package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A registry that restarts empty: the session is gone, the client registers again by itself. */
class InMemoryRestartTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  @Test
  void aLostSessionIsReopenedAndTheInstancesRegisteredAgain() throws Exception {
    try (CairnClient client =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build()) {
      client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
      ServiceView view = client.view("orders");
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

      server.restart();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ids(server.server(), "orders").equals(List.of("o1")));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !view.isStale() && view.snapshot().withheld().isEmpty());
      assertThat(ids(view.instances())).containsExactly("o1");
    }
  }
}

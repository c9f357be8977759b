package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Server restarts: a durable one keeps the session (resumed), an in-memory one loses it. */
class SessionRecoveryTest {

  @RegisterExtension CairnServerExtension durable = CairnServerExtension.durable();

  private CairnClient client(String target) {
    return CairnClient.builder()
        .registries(target)
        .shutdownHook(false)
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .build();
  }

  @Test
  void aDurableRestartResumesTheSessionAndTheViewHeals() throws Exception {
    try (CairnClient client = client(durable.grpcTarget())) {
      Instance stored =
          client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
      ServiceView view = client.view("orders");
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

      durable.restart();
      durable.registry().register("default", instance("orders", "o2")).join();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ids(view.instances()).equals(List.of("o1", "o2")) && !view.isStale());
      // Resumed: the instance still belongs to the same session, which is alive again.
      await().atMost(Duration.ofSeconds(10)).until(() -> durable.registry().sessionCount() == 1);
      assertThat(durable.registry().service("default", "orders").instances())
          .filteredOn(i -> i.id().equals("o1"))
          .extracting(Instance::sessionId)
          .containsExactly(stored.sessionId());
    }
  }
}

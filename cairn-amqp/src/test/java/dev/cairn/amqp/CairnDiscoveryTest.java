package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker found through a real Cairn registry, with a static fallback. */
class CairnDiscoveryTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  private final String id = Rabbit.suffix();
  private final WorkQueue<String> queue = WorkQueue.json("test.discovery." + id, String.class);
  private final Socket deadPortHolder = new Socket();
  private CairnClient client;

  @BeforeEach
  void connect() {
    client = CairnClient.builder().registries(server.grpcTarget()).shutdownHook(false).build();
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    deadPortHolder.close();
  }

  /**
   * A loopback port that refuses connections until the test ends: bound by a socket that never
   * listens, so no other socket can take it meanwhile (a port released before use can be).
   */
  private int deadPort() throws IOException {
    deadPortHolder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return deadPortHolder.getLocalPort();
  }

  private void registerBroker(String instanceId, int port, Health health) {
    server
        .registry()
        .register(
            "default",
            Instance.builder("rabbitmq", "127.0.0.1")
                .id(instanceId)
                .port("amqp", port)
                .port("management", 15672)
                .health(health)
                .build())
        .join();
  }

  @Test
  void theBrokerRegisteredInCairnIsUsedBeforeTheFallback() throws Exception {
    registerBroker("rabbit-1", 5672, Health.PASSING);
    client.view("rabbitmq").awaitInstances(Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
    // The fallback points at a dead port, and only one attempt is allowed: connecting proves
    // the registry's address was used.
    BrokerAddressSource source =
        CairnBrokerAddresses.of(client)
            .orElse(BrokerAddressSource.fixed("127.0.0.1:" + deadPort()));

    try (Messaging messaging =
        Messaging.builder(source).firstConnectTimeout(Duration.ZERO).build()) {
      AtomicReference<String> got = new AtomicReference<>();
      messaging.consume(queue, ConsumerOptions.defaults(), m -> got.set(m.body()));
      messaging.sender(queue).send("found through cairn").join();
      await().atMost(Duration.ofSeconds(10)).until(() -> "found through cairn".equals(got.get()));
      messaging.delete(queue);
    }
  }

  @Test
  void withNoBrokerRegisteredTheStaticListIsUsed() {
    BrokerAddressSource source =
        CairnBrokerAddresses.of(client).orElse(BrokerAddressSource.fixed(Rabbit.ADDRESS));

    try (Messaging messaging =
        Messaging.builder(source).firstConnectTimeout(Duration.ZERO).build()) {
      messaging.sender(queue).send("fallback").join();
      messaging.delete(queue);
    }
  }

  @Test
  void passingInstancesComeFirstAndCriticalOnesOrPortlessOnesAreLeftOut() throws Exception {
    registerBroker("a-critical", 5001, Health.CRITICAL);
    registerBroker("b-warning", 5002, Health.WARNING);
    registerBroker("c-passing", 5003, Health.PASSING);
    server
        .registry()
        .register(
            "default",
            Instance.builder("rabbitmq", "127.0.0.1").id("d-no-amqp").port("http", 80).build())
        .join();
    CairnBrokerAddresses source = CairnBrokerAddresses.of(client);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.view("rabbitmq").instances().size() == 4);
    assertThat(source.addresses())
        .containsExactly(
            InetSocketAddress.createUnresolved("127.0.0.1", 5003),
            InetSocketAddress.createUnresolved("127.0.0.1", 5002));
    assertThat(List.of(source.toString()))
        .containsExactly("CairnBrokerAddresses(rabbitmq, port amqp)");
  }
}

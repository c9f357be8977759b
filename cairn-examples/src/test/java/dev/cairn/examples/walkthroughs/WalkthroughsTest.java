package dev.cairn.examples.walkthroughs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.Messaging;
import dev.cairn.amqp.ReceivedMessage;
import dev.cairn.amqp.WorkQueue;
import dev.cairn.client.CairnClient;
import dev.cairn.common.Instance;
import dev.cairn.examples.orders.Main;
import dev.cairn.examples.orders.Main.Order;
import dev.cairn.http.CairnHttpClient;
import dev.cairn.server.CairnServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The walk-throughs of docs/walkthroughs.md, run as a user would with the real interpreters: a
 * Flask service and a Node service that open a session, register, renew and watch over the HTTP API
 * and are called by name from Java; a Node {@code amqplib} producer feeding the Java consumer.
 * Skips only when Python or Node.js is not installed.
 */
class WalkthroughsTest {

  private static final Path WALKTHROUGHS = Path.of("walkthroughs");

  private CairnServer registry;
  private CairnClient cairn;
  private String registryUrl;

  @BeforeEach
  void start() throws Exception {
    registry = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build().start();
    registryUrl = "http://127.0.0.1:" + registry.httpAddress().getPort();
    cairn =
        CairnClient.builder()
            .registries("127.0.0.1:" + registry.grpcAddress().getPort())
            .shutdownHook(false)
            .build();
  }

  @AfterEach
  void stop() {
    cairn.close();
    registry.close();
  }

  @Test
  void aFlaskServiceRegistersRenewsWatchesAndIsCalledByName() throws Exception {
    String python = Script.python("flask", "python3-flask");
    runService(
        "hello-py",
        "hello from Flask",
        Script.start(
            WALKTHROUGHS.resolve("python-flask"),
            List.of(
                python,
                "service.py",
                "--registry",
                registryUrl,
                "--service",
                "hello-py",
                "--id",
                "hello-py-1",
                "--watch",
                "hello-py",
                "--ttl",
                "3")));
  }

  @Test
  void aNodeServiceRegistersRenewsWatchesAndIsCalledByName() throws Exception {
    String node = Script.node();
    runService(
        "hello-node",
        "hello from Node",
        Script.start(
            WALKTHROUGHS.resolve("node-service"),
            List.of(
                node,
                "service.js",
                "--registry",
                registryUrl,
                "--service",
                "hello-node",
                "--id",
                "hello-node-1",
                "--watch",
                "hello-node",
                "--ttl",
                "3")));
  }

  private void runService(String service, String greeting, Script script) throws Exception {
    String id = service + "-1";
    try (script;
        CairnHttpClient http = CairnHttpClient.builder(cairn).build()) {
      script.await(30, l -> l.startsWith("registered " + id + " on port "));
      script.await(10, l -> l.equals("watch: snapshot " + id));

      // Java calls it by name.
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + service + "/hello"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).contains(greeting).contains(id);

      // Its watch sees a second instance come.
      cairn
          .register(
              Instance.builder(service, "127.0.0.1").id(service + "-2").port("http", 1).build())
          .registered()
          .join();
      script.await(10, l -> l.equals("watch: added " + service + "-2"));

      // It renews its 3 s session (every second), so its instance stays.
      script.await(10, l -> l.equals("renewed"));
      assertThat(cairn.view(service).instances()).extracting(Instance::id).contains(id);

      // SIGTERM: it closes its session, and its instance is gone at once (not at the TTL).
      script.stop();
      script.await(5, l -> l.equals("deregistered"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> cairn.view(service).instances().stream().noneMatch(i -> i.id().equals(id)));
    }
  }

  @Test
  void aNodeProducerFeedsTheJavaConsumer() throws Exception {
    String node = Script.node();
    Path producer =
        Script.npmInstalled(
            WALKTHROUGHS.resolve("node-producer"),
            Path.of("target/walkthrough-node-producer"),
            "amqplib");
    String queue = "orders.walkthrough." + UUID.randomUUID().toString().substring(0, 8);
    List<ReceivedMessage<Order>> received = new CopyOnWriteArrayList<>();
    try (Messaging messaging =
        Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:5672"))
            .connectionName("walkthrough-" + queue)
            .build()) {
      try {
        Main.start(messaging, queue, received::add);
        try (Script run = Script.start(producer, List.of(node, "producer.js", queue, "3"))) {
          run.finish();
          run.await(5, l -> l.equals("sent 3 orders to " + queue));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
        assertThat(received).extracting(m -> m.body().id()).containsExactly("o-1", "o-2", "o-3");
        assertThat(received).extracting(ReceivedMessage::type).containsOnly("order.created");
        assertThat(received)
            .extracting(ReceivedMessage::messageId)
            .containsExactly("o-1", "o-2", "o-3");
        assertThat(received.get(0).body().cents()).isEqualTo(1001);
      } finally {
        messaging.delete(WorkQueue.json(queue, Order.class));
      }
    }
  }
}

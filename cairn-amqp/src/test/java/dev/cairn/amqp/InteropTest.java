package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cairn messaging with plain AMQP clients of other languages, run for real: a Node.js {@code
 * amqplib} producer and a Python {@code pika} producer and consumer declare the queues they use as
 * they would without Cairn, before and after Cairn declares them (see docs/messaging.md, "Talking
 * to services in other languages"). Skips only when Node.js or Python is not installed.
 */
class InteropTest {

  @MessageType("order.created")
  record Order(String id, int cents) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RetryPolicy FAST = RetryPolicy.of(List.of(Duration.ofMillis(50)), 3);

  private final String id = Rabbit.suffix();
  private final List<WorkQueue<?>> queues = new CopyOnWriteArrayList<>();
  private Messaging messaging;

  @BeforeEach
  void open() {
    messaging = Rabbit.messaging("interop-" + id).build();
  }

  @AfterEach
  void cleanUp() {
    queues.forEach(messaging::delete);
    messaging.close();
  }

  private WorkQueue<Order> queue(String name, QueueType type) {
    WorkQueue<Order> q =
        WorkQueue.builder(name + "." + id, MessageCodec.json(Order.class))
            .type(type)
            .retry(FAST)
            .build();
    queues.add(q);
    return q;
  }

  @Test
  void aNodeProducerDeclaringTheQueueBeforeAndAfterACairnConsumer() throws Exception {
    String node = ForeignClients.node().toString();
    WorkQueue<Order> orders = queue("interop.node", QueueType.CLASSIC);

    // Node first: it creates the queue, Cairn then declares the same queue.
    assertThat(ForeignClients.run(List.of(node, "producer.js", orders.name(), order("a", 1))))
        .containsExactly("sent 1");
    List<ReceivedMessage<Order>> received = new CopyOnWriteArrayList<>();
    messaging.consume(
        orders,
        ConsumerOptions.defaults(),
        m -> {
          received.add(m);
          if (m.body().id().equals("a") && m.attempt() == 1) {
            throw new IllegalStateException("first attempt fails");
          }
        });
    // Cairn first now: Node declares the queue Cairn made, as the article's producer does.
    assertThat(ForeignClients.run(List.of(node, "producer.js", orders.name(), order("b", 2))))
        .containsExactly("sent 1");

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
    ReceivedMessage<Order> first =
        received.stream().filter(m -> m.attempt() == 1).findFirst().get();
    assertThat(received).extracting(m -> m.body().id()).containsExactlyInAnyOrder("a", "a", "b");
    assertThat(first.type()).isEqualTo("order.created");
    // No message id from Node: a derived one, the same on the retry of "a".
    List<String> idsOfA =
        received.stream().filter(m -> m.body().id().equals("a")).map(m -> m.messageId()).toList();
    assertThat(idsOfA.get(0)).matches("sha256:[0-9a-f]{32}").isEqualTo(idsOfA.get(1));
    assertThat(
            received.stream().filter(m -> m.body().id().equals("b")).findFirst().get().messageId())
        .isNotEqualTo(idsOfA.get(0));
  }

  @Test
  void aPythonConsumerDeclaringFirstReadsWhatCairnSends() throws Exception {
    String python = ForeignClients.python().toString();
    WorkQueue<Order> orders = queue("interop.pika-in", QueueType.CLASSIC);

    try (ForeignClients.Running consumer =
        ForeignClients.start(
            List.of(python, "pika_client.py", "consume", orders.name(), "1", "20"))) {
      assertThat(consumer.next(20)).isEqualTo("ready");
      try (Sender<Order> sender = messaging.sender(orders)) {
        sender
            .send(
                OutgoingMessage.builder(new Order("c", 3))
                    .messageId("order-c")
                    .correlationId("corr-1")
                    .build())
            .join();
      }
      JsonNode seen = JSON.readTree(consumer.next(20));
      assertThat(seen.get("type").asText()).isEqualTo("order.created");
      assertThat(seen.get("message_id").asText()).isEqualTo("order-c");
      assertThat(seen.get("content_type").asText()).isEqualTo("application/json");
      assertThat(seen.get("delivery_mode").asInt()).isEqualTo(2);
      assertThat(seen.get("body").get("id").asText()).isEqualTo("c");
      assertThat(seen.get("body").get("cents").asInt()).isEqualTo(3);
    }
  }

  @Test
  void aPythonProducerBeforeACairnConsumerOfAQuorumQueue() throws Exception {
    String python = ForeignClients.python().toString();
    WorkQueue<Order> orders = queue("interop.pika-out", QueueType.QUORUM);

    assertThat(
            ForeignClients.run(
                List.of(
                    python, "pika_client.py", "produce", orders.name(), order("d", 4), "quorum")))
        .containsExactly("sent 1");
    List<ReceivedMessage<Order>> received = new CopyOnWriteArrayList<>();
    messaging.consume(orders, ConsumerOptions.defaults(), received::add);
    // And after Cairn's declaration, once more.
    ForeignClients.run(
        List.of(python, "pika_client.py", "produce", orders.name(), order("e", 5), "quorum"));

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
    assertThat(received).extracting(m -> m.body().id()).containsExactly("d", "e");
    assertThat(received.get(0).headers()).containsEntry("x-source", "pika");
    assertThat(received.get(0).messageId()).startsWith("sha256:");
  }

  @Test
  void aQueueAlreadyDeclaredWithOtherArgumentsIsUsedAsItIs() throws Exception {
    String python = ForeignClients.python().toString();
    WorkQueue<Order> orders = queue("interop.as-is", QueueType.CLASSIC);

    // pika declares it with a length limit Cairn does not ask for: Cairn uses it as it is.
    ForeignClients.run(
        List.of(python, "pika_client.py", "produce", orders.name(), order("f", 6), "max-length"));
    List<ReceivedMessage<Order>> received = new CopyOnWriteArrayList<>();
    messaging.consume(orders, ConsumerOptions.defaults(), received::add);
    try (Sender<Order> sender = messaging.sender(orders)) {
      sender.send(new Order("g", 7)).join();
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
    assertThat(received).extracting(m -> m.body().id()).containsExactly("f", "g");
  }

  private static String order(String id, int cents) {
    return "{\"id\":\"" + id + "\",\"cents\":" + cents + "}";
  }
}

package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PublishSubscribeTest {

  record OrderCreated(String orderId, int quantity) {}

  private final String id = Rabbit.suffix();
  private final Topic<OrderCreated> orders = Topic.json("test.orders." + id, OrderCreated.class);
  private final WorkQueue<OrderCreated> email =
      WorkQueue.builder("test.email." + id, orders.codec()).bind(orders, "order.created.*").build();
  private final WorkQueue<OrderCreated> inventory =
      WorkQueue.builder("test.inventory." + id, orders.codec()).bind(orders, "order.#").build();
  private Messaging messaging;

  @BeforeEach
  void connect() {
    messaging =
        Rabbit.messaging("pubsub-" + id)
            .maxMessageBytes(64 * 1024)
            .traceContext(
                () ->
                    Map.of(
                        "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
            .build();
  }

  @AfterEach
  void cleanUp() {
    messaging.delete(email);
    messaging.delete(inventory);
    messaging.delete(orders);
    messaging.close();
  }

  @Test
  void everySubscribingServiceReceivesEachMatchingMessageWithItsHeaders() {
    List<ReceivedMessage<OrderCreated>> emails = new CopyOnWriteArrayList<>();
    List<ReceivedMessage<OrderCreated>> stock = new CopyOnWriteArrayList<>();
    messaging.consume(email, ConsumerOptions.defaults(), emails::add);
    messaging.consume(inventory, ConsumerOptions.defaults(), stock::add);
    Publisher<OrderCreated> publisher = messaging.publisher(orders);

    publisher
        .publish(
            "order.created.eu",
            OutgoingMessage.builder(new OrderCreated("o-1", 2))
                .messageId("msg-1")
                .correlationId("req-7")
                .build())
        .join();
    publisher.publish("order.shipped.eu", new OrderCreated("o-1", 2)).join();

    await().atMost(Duration.ofSeconds(10)).until(() -> emails.size() == 1 && stock.size() == 2);
    ReceivedMessage<OrderCreated> m = emails.get(0);
    assertThat(m.body()).isEqualTo(new OrderCreated("o-1", 2));
    assertThat(m.messageId()).isEqualTo("msg-1");
    assertThat(m.correlationId()).isEqualTo("req-7");
    assertThat(m.type()).isEqualTo("OrderCreated");
    assertThat(m.timestamp()).isNotNull();
    assertThat(m.routingKey()).isEqualTo("order.created.eu");
    assertThat(m.attempt()).isEqualTo(1);
    assertThat(m.traceContext())
        .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(stock)
        .extracting(ReceivedMessage::routingKey)
        .containsExactlyInAnyOrder("order.created.eu", "order.shipped.eu");
  }

  @Test
  void aMessageNoQueueIsBoundForFailsAsUnroutable() {
    messaging.consume(email, ConsumerOptions.defaults(), m -> {});
    Publisher<OrderCreated> publisher = messaging.publisher(orders);

    assertThatThrownBy(() -> publisher.publish("invoice.paid", new OrderCreated("o-2", 1)).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
        .hasMessageContaining("unroutable")
        .hasMessageContaining("invoice.paid");
    // The channel stays usable.
    publisher.publish("order.created.us", new OrderCreated("o-3", 1)).join();
  }

  @Test
  void anOversizedMessageIsRefusedBeforeSending() {
    Topic<byte[]> raw = Topic.of(orders.name(), MessageCodec.bytes());
    Publisher<byte[]> publisher = messaging.publisher(raw);

    assertThatThrownBy(() -> publisher.publish("order.created.eu", new byte[64 * 1024 + 1]).join())
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage("body: 65537 bytes (expected: at most 65536 bytes)");
    assertThat(publisher.inFlight()).isZero();
  }

  @Test
  void protobufBodiesRoundTrip() {
    dev.cairn.proto.v1.WatchRequest request =
        dev.cairn.proto.v1.WatchRequest.newBuilder().setNamespace("ns").setService("svc").build();
    Topic<dev.cairn.proto.v1.WatchRequest> topic =
        Topic.of(
            orders.name(),
            MessageCodec.protobuf(dev.cairn.proto.v1.WatchRequest.getDefaultInstance()));
    WorkQueue<dev.cairn.proto.v1.WatchRequest> queue =
        WorkQueue.builder(email.name(), topic.codec()).bind(topic, "order.created.*").build();
    List<ReceivedMessage<dev.cairn.proto.v1.WatchRequest>> got = new CopyOnWriteArrayList<>();
    messaging.consume(queue, ConsumerOptions.defaults(), got::add);

    messaging.publisher(topic).publish("order.created.x", request).join();

    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
    assertThat(got.get(0).body()).isEqualTo(request);
    assertThat(got.get(0).type()).isEqualTo("cairn.v1.WatchRequest");
  }
}

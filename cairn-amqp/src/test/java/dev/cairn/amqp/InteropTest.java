package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

  record Quote(String sku) {}

  record Price(String sku, long cents) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RetryPolicy FAST = RetryPolicy.of(List.of(Duration.ofMillis(50)), 3);

  private final String id = Rabbit.suffix();
  private final List<WorkQueue<?>> queues = new CopyOnWriteArrayList<>();
  private final List<RpcEndpoint<?, ?>> endpoints = new CopyOnWriteArrayList<>();
  private Messaging messaging;

  @BeforeEach
  void open() {
    messaging = Rabbit.messaging("interop-" + id).build();
  }

  @AfterEach
  void cleanUp() {
    queues.forEach(messaging::delete);
    endpoints.forEach(messaging::delete);
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
  void aNodeProducersMessagesOfAnotherTypeOrContentTypeOrWithAStringNumberAreParked()
      throws Exception {
    String node = ForeignClients.node().toString();
    WorkQueue<Order> orders = queue("interop.node-typed", QueueType.CLASSIC);
    List<ReceivedMessage<Order>> received = new CopyOnWriteArrayList<>();
    messaging.consume(orders, ConsumerOptions.defaults(), received::add);

    for (List<String> sent :
        List.of(
            List.of(order("cancelled", 1), "{\"type\":\"order.cancelled\",\"messageId\":\"m1\"}"),
            List.of(order("text", 2), "{\"contentType\":\"text/plain\",\"messageId\":\"m2\"}"),
            List.of("{\"id\":\"string\",\"cents\":\"12\"}", "{\"messageId\":\"m3\"}"),
            List.of(order("untyped", 4), "{\"type\":null,\"messageId\":\"m4\"}"))) {
      assertThat(
              ForeignClients.run(
                  List.of(
                      node,
                      "producer.js",
                      orders.name(),
                      sent.get(0),
                      "1",
                      "classic",
                      sent.get(1))))
          .containsExactly("sent 1");
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
    assertThat(received.get(0).body()).isEqualTo(new Order("untyped", 4));
    assertThat(received.get(0).type()).isNull();
    try (com.rabbitmq.client.Connection bare = Rabbit.bare()) {
      com.rabbitmq.client.Channel ch = bare.createChannel();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Rabbit.messageCount(ch, orders.deadLetterQueueName()) == 3);
      Map<String, String> reasons = new HashMap<>();
      for (com.rabbitmq.client.GetResponse r : Rabbit.take(ch, orders.deadLetterQueueName(), 3)) {
        reasons.put(
            r.getProps().getMessageId(),
            r.getProps().getHeaders().get(MessageHeaders.FAILURE_REASON).toString());
      }
      assertThat(reasons)
          .containsEntry(
              "m1", "unexpected type 'order.cancelled' (expected: 'order.created' or none)")
          .containsEntry(
              "m2", "unexpected content type 'text/plain' (expected: 'application/json' or none)");
      assertThat(reasons.get("m3"))
          .startsWith("cannot decode: ")
          .contains("Cannot coerce String value (\"12\")");
    }
    assertThat(received).hasSize(1);
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
                    .priority(7)
                    .expiration(java.time.Duration.ofMinutes(10))
                    .build())
            .join();
      }
      JsonNode seen = JSON.readTree(consumer.next(20));
      assertThat(seen.get("priority").asInt()).isEqualTo(7);
      assertThat(seen.get("expiration").asText()).isEqualTo("600000");
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

  private RpcEndpoint<Quote, Price> endpoint(String name) {
    RpcEndpoint<Quote, Price> e = RpcEndpoint.json(name + "." + id, Quote.class, Price.class);
    endpoints.add(e);
    return e;
  }

  @Test
  void aPythonRequesterStartedBeforeTheJavaResponderGetsItsReplies() throws Exception {
    String python = ForeignClients.python().toString();
    RpcEndpoint<Quote, Price> prices = endpoint("interop.rpc-pika-out");
    // In queue order: two requests already past their deadline (the header as pika's int and as a
    // string), two in time, one of another type, one the responder fails.
    String requests =
        JSON.writeValueAsString(
            List.of(
                request("late-int", "x", -1_000, "int", null),
                request("late-string", "y", -1_000, "string", null),
                request("a", "a", 30_000, "int", null),
                request("b", "b", 30_000, "string", "Quote"),
                request("cancel", "c", 30_000, "int", "order.cancelled"),
                request("fail", "fail", 30_000, "int", null)));

    try (ForeignClients.Running requester =
        ForeignClients.start(
            List.of(python, "pika_client.py", "request", prices.name(), requests, "20"))) {
      // Sent while no responder runs: the queue pika declared keeps them.
      assertThat(requester.next(20)).isEqualTo("sent 6");
      List<String> handled = new CopyOnWriteArrayList<>();
      messaging.respond(
          prices,
          ConsumerOptions.defaults(),
          r -> {
            handled.add(r.body().sku());
            if (r.body().sku().equals("fail")) {
              throw new IllegalStateException("out of stock");
            }
            return new Price(r.body().sku(), 1999);
          });

      Map<String, JsonNode> replies = new HashMap<>();
      for (int i = 0; i < 4; i++) {
        JsonNode reply = JSON.readTree(requester.next(20));
        replies.put(reply.get("correlation_id").asText(), reply);
      }
      assertThat(replies).containsOnlyKeys("a", "b", "cancel", "fail");
      for (String ok : List.of("a", "b")) {
        JsonNode reply = replies.get(ok);
        assertThat(reply.get("content_type").asText()).isEqualTo("application/json");
        assertThat(reply.get("type").asText()).isEqualTo("Price");
        assertThat(JSON.readTree(reply.get("body").asText()))
            .isEqualTo(JSON.readTree("{\"sku\":\"" + ok + "\",\"cents\":1999}"));
      }
      for (String failed : List.of("cancel", "fail")) {
        JsonNode reply = replies.get(failed);
        assertThat(reply.get("body").asText()).isEmpty();
        assertThat(reply.get("content_type").asText()).isEqualTo("application/octet-stream");
        assertThat(reply.get("type").asText()).isEqualTo("bytes");
      }
      assertThat(replies.get("fail").get("headers").get("x-cairn-error").asText())
          .isEqualTo("java.lang.IllegalStateException: out of stock");
      assertThat(replies.get("cancel").get("headers").get("x-cairn-error").asText())
          .isEqualTo("unexpected type 'order.cancelled' (expected: 'Quote' or none)");
      // One channel takes requests in order: the late ones came first and were dropped unanswered.
      assertThat(handled).containsExactly("a", "b", "fail");
    }
  }

  @Test
  void aPythonRequesterThatDoesNotDeclareTheQueueHasItsRequestReturned() throws Exception {
    String python = ForeignClients.python().toString();
    RpcEndpoint<Quote, Price> prices = endpoint("interop.rpc-pika-unroutable");
    String requests = JSON.writeValueAsString(List.of(request("a", "a", 5_000, "int", null)));

    assertThat(
            ForeignClients.run(
                List.of(
                    python,
                    "pika_client.py",
                    "request",
                    prices.name(),
                    requests,
                    "5",
                    "no-declare")))
        .containsExactly("unroutable");
  }

  @Test
  void aJavaRequesterAnsweredByAPythonResponder() throws Exception {
    String python = ForeignClients.python().toString();
    RpcEndpoint<Quote, Price> prices = endpoint("interop.rpc-pika-in");

    try (ForeignClients.Running responder =
        ForeignClients.start(
            List.of(python, "pika_client.py", "respond", prices.name(), "2", "20"))) {
      assertThat(responder.next(20)).isEqualTo("ready");
      // pika declared the queue first; the Java requester declares the same one.
      Requester<Quote, Price> requester = messaging.requester(prices);
      long before = System.currentTimeMillis();
      Price price = requester.request(new Quote("a"), Duration.ofSeconds(20)).join();
      long after = System.currentTimeMillis();
      CompletableFuture<Price> failed =
          requester.request(new Quote("fail"), Duration.ofSeconds(20));

      assertThat(price).isEqualTo(new Price("a", 1999));
      assertThatThrownBy(failed::join)
          .cause()
          .isInstanceOfSatisfying(
              CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
          .hasMessageContaining("out of stock");
      JsonNode seen = JSON.readTree(responder.next(20));
      // A 64-bit integer (pika 1.x names the Python int it decodes it to "long").
      assertThat(seen.get("deadline").isIntegralNumber()).isTrue();
      assertThat(seen.get("deadline_type").asText()).isIn("int", "long");
      assertThat(seen.get("deadline").asLong()).isBetween(before + 20_000, after + 20_000);
      assertThat(seen.get("expiration").asText()).isEqualTo("20000");
      assertThat(seen.get("reply_to").asText()).startsWith("cairn.reply." + prices.name() + ".");
      assertThat(seen.get("body").get("sku").asText()).isEqualTo("a");
      assertThat(requester.pending()).isZero();
    }
  }

  private static Map<String, Object> request(
      String id, String sku, long deadlineMs, String deadlineAs, String type) {
    Map<String, Object> r = new HashMap<>();
    r.put("id", id);
    r.put("body", Map.of("sku", sku));
    r.put("deadline_ms", deadlineMs);
    r.put("deadline_as", deadlineAs);
    if (type != null) {
      r.put("type", type);
    }
    return r;
  }

  private static String order(String id, int cents) {
    return "{\"id\":\"" + id + "\",\"cents\":" + cents + "}";
  }
}

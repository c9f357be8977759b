package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AMQP properties end to end: a Cairn publisher's priority and expiration as a plain client sees
 * them and as the broker applies them; what a consumer's retry and parking copies of a plain
 * client's message keep (decisions 0215, 0216); what a handler reads of them.
 */
class MessagePropertiesTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final Topic<Job> topic = Topic.json("test.props." + id, Job.class);
  private final String prioritised = "test.props.prio." + id;
  private final String expiring = "test.props.ttl." + id;
  private final String expired = "test.props.expired." + id;
  private final WorkQueue<byte[]> retried =
      WorkQueue.builder("test.props.retry." + id, MessageCodec.bytes())
          .retry(RetryPolicy.of(List.of(Duration.ofHours(1)), 5))
          .build();
  private final WorkQueue<byte[]> parked =
      WorkQueue.builder("test.props.park." + id, MessageCodec.bytes())
          .retry(RetryPolicy.of(List.of(Duration.ofHours(1)), 1))
          .build();
  private final WorkQueue<byte[]> seen =
      WorkQueue.builder("test.props.seen." + id, MessageCodec.bytes())
          .retry(RetryPolicy.of(List.of(Duration.ofMillis(50)), 3))
          .build();
  private Messaging messaging;
  private Connection bare;
  private Channel ch;

  @BeforeEach
  void connect() throws Exception {
    messaging = Rabbit.messaging("props-" + id).build();
    bare = Rabbit.bare();
    ch = bare.createChannel();
  }

  @AfterEach
  void cleanUp() throws Exception {
    messaging.close();
    for (String q : List.of(prioritised, expiring, expired)) {
      ch.queueDelete(q);
    }
    bare.close();
    try (Messaging m = Rabbit.messaging("props-cleanup-" + id).build()) {
      m.delete(retried);
      m.delete(parked);
      m.delete(seen);
      m.delete(topic);
    }
  }

  @Test
  void priorityAndExpirationReachAPlainConsumerAndAPriorityQueueOrdersByThem() throws Exception {
    Publisher<Job> publisher = messaging.publisher(topic);
    ch.queueDeclare(prioritised, true, false, false, Map.of("x-max-priority", 10));
    ch.queueBind(prioritised, topic.name(), "prio");

    publisher.publish("prio", OutgoingMessage.builder(new Job(1)).priority(1).build()).join();
    publisher
        .publish(
            "prio",
            OutgoingMessage.builder(new Job(9))
                .priority(9)
                .expiration(Duration.ofMinutes(10))
                .build())
        .join();
    publisher.publish("prio", new Job(0)).join();
    publisher.publish("prio", OutgoingMessage.builder(new Job(5)).priority(5).build()).join();

    List<GetResponse> got = Rabbit.take(ch, prioritised, 10);
    assertThat(got)
        .extracting(r -> new String(r.getBody(), StandardCharsets.UTF_8))
        .containsExactly("{\"n\":9}", "{\"n\":5}", "{\"n\":1}", "{\"n\":0}");
    assertThat(got).extracting(r -> r.getProps().getPriority()).containsExactly(9, 5, 1, null);
    assertThat(got)
        .extracting(r -> r.getProps().getExpiration())
        .containsExactly("600000", null, null, null);
  }

  @Test
  void theBrokerExpiresAMessageWhoseExpirationPassesIntoTheQueuesDeadLetters() throws Exception {
    Publisher<Job> publisher = messaging.publisher(topic);
    ch.queueDeclare(expired, true, false, false, null);
    ch.queueDeclare(
        expiring,
        true,
        false,
        false,
        Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", expired));
    ch.queueBind(expiring, topic.name(), "ttl");

    publisher
        .publish(
            "ttl",
            OutgoingMessage.builder(new Job(1))
                .messageId("short-" + id)
                .expiration(Duration.ofMillis(1))
                .build())
        .join();
    publisher
        .publish("ttl", OutgoingMessage.builder(new Job(2)).expiration(Duration.ofHours(1)).build())
        .join();

    await().atMost(Duration.ofSeconds(10)).until(() -> Rabbit.messageCount(ch, expired) == 1);
    assertThat(Rabbit.messageCount(ch, expiring)).isEqualTo(1);
    GetResponse dead = ch.basicGet(expired, true);
    assertThat(dead.getProps().getMessageId()).isEqualTo("short-" + id);
    // RabbitMQ takes the expiration off a dead-lettered message and keeps it in x-death.
    assertThat(dead.getProps().getExpiration()).isNull();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> deaths =
        (List<Map<String, Object>>) dead.getProps().getHeaders().get("x-death");
    assertThat(deaths)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.get("reason").toString()).isEqualTo("expired");
              assertThat(d.get("original-expiration").toString()).isEqualTo("1");
            });
  }

  @Test
  void aHandlerReadsThePriorityAndTheExpirationAMessageWasPublishedWithOnEveryAttempt()
      throws Exception {
    List<ReceivedMessage<byte[]>> received = new CopyOnWriteArrayList<>();
    messaging.consume(
        seen,
        ConsumerOptions.defaults(),
        m -> {
          received.add(m);
          if (m.attempt() == 1) {
            throw new IllegalStateException("try again");
          }
        });
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder()
            .messageId("p-" + id)
            .priority(4)
            .expiration("600000")
            .build();
    ch.basicPublish("", seen.name(), props, "with".getBytes(StandardCharsets.UTF_8));
    ch.basicPublish(
        "",
        seen.name(),
        new AMQP.BasicProperties.Builder().messageId("n-" + id).build(),
        "without".getBytes(StandardCharsets.UTF_8));

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 4);
    assertThat(received)
        .filteredOn(m -> m.messageId().equals("p-" + id))
        .extracting(ReceivedMessage::attempt, ReceivedMessage::priority, m -> m.expiration())
        .containsExactly(tuple(1, 4, Duration.ofMinutes(10)), tuple(2, 4, Duration.ofMinutes(10)));
    assertThat(received)
        .filteredOn(m -> m.messageId().equals("n-" + id))
        .extracting(ReceivedMessage::attempt, ReceivedMessage::priority, m -> m.expiration())
        .containsExactly(tuple(1, null, null), tuple(2, null, null));
  }

  @Test
  void retryAndParkingCopiesOfAPlainClientsMessageKeepItsPropertiesButTheExpiration()
      throws Exception {
    AtomicInteger handled = new AtomicInteger();
    MessageHandler<byte[]> failing =
        m -> {
          handled.incrementAndGet();
          throw new IllegalStateException("out of stock");
        };
    messaging.consume(retried, ConsumerOptions.defaults(), failing);
    messaging.consume(parked, ConsumerOptions.defaults(), failing);
    Date sent = new Date(1_700_000_000_000L);
    AMQP.BasicProperties props =
        new AMQP.BasicProperties.Builder()
            .contentType("text/plain")
            .contentEncoding("gzip")
            .headers(Map.of("tenant", "acme"))
            .deliveryMode(2)
            .priority(3)
            .correlationId("c-" + id)
            .replyTo("replies." + id)
            .expiration("600000")
            .messageId("m-" + id)
            .timestamp(sent)
            .type("order.created")
            .userId("guest")
            .appId("shop")
            .build();
    ch.basicPublish("", retried.name(), props, "o-1".getBytes(StandardCharsets.UTF_8));
    ch.basicPublish("", parked.name(), props, "o-1".getBytes(StandardCharsets.UTF_8));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Rabbit.messageCount(ch, retried.retryQueueName(0)) == 1
                    && Rabbit.messageCount(ch, parked.deadLetterQueueName()) == 1);
    assertThat(handled.get()).isEqualTo(2);
    for (GetResponse copy :
        List.of(
            ch.basicGet(retried.retryQueueName(0), true),
            ch.basicGet(parked.deadLetterQueueName(), true))) {
      AMQP.BasicProperties p = copy.getProps();
      assertThat(copy.getBody()).asString(StandardCharsets.UTF_8).isEqualTo("o-1");
      assertThat(p.getContentType()).isEqualTo("text/plain");
      assertThat(p.getContentEncoding()).isEqualTo("gzip");
      assertThat(p.getDeliveryMode()).isEqualTo(2);
      assertThat(p.getPriority()).isEqualTo(3);
      assertThat(p.getCorrelationId()).isEqualTo("c-" + id);
      assertThat(p.getReplyTo()).isEqualTo("replies." + id);
      assertThat(p.getMessageId()).isEqualTo("m-" + id);
      assertThat(p.getTimestamp()).isEqualTo(sent);
      assertThat(p.getType()).isEqualTo("order.created");
      assertThat(p.getUserId()).isEqualTo("guest");
      assertThat(p.getAppId()).isEqualTo("shop");
      // The copy waits for its tier's delay, or stays parked until someone looks: it does not
      // expire. The original expiration is kept beside it.
      assertThat(p.getExpiration()).isNull();
      assertThat(p.getHeaders().get(MessageHeaders.ORIGINAL_EXPIRATION).toString())
          .isEqualTo("600000");
      assertThat(p.getHeaders().get("tenant").toString()).isEqualTo("acme");
      assertThat(p.getHeaders()).doesNotContainKey(MessageHeaders.ORIGINAL_USER_ID);
    }
  }

  @Test
  void copiesAndReplaysOfAMessageFromAnotherUserKeepItsUserIdAsAHeaderTheBrokerWouldRefuse()
      throws Exception {
    String user = "cairn-test-" + id;
    Rabbit.rabbitmqctl("add_user", user, "pw-" + id);
    try {
      Rabbit.rabbitmqctl("set_permissions", "-p", "/", user, ".*", ".*", ".*");
      AtomicInteger handled = new AtomicInteger();
      messaging.consume(
          retried,
          ConsumerOptions.defaults(),
          m -> {
            handled.incrementAndGet();
            throw new IllegalStateException("out of stock");
          });
      ConnectionFactory f = new ConnectionFactory();
      f.setHost("127.0.0.1");
      f.setPort(5672);
      f.setUsername(user);
      f.setPassword("pw-" + id);
      try (Connection other = f.newConnection("cairn-test-other-user")) {
        Channel otherCh = other.createChannel();
        otherCh.confirmSelect();
        otherCh.basicPublish(
            "",
            retried.name(),
            new AMQP.BasicProperties.Builder().userId(user).messageId("u-" + id).build(),
            "o-2".getBytes(StandardCharsets.UTF_8));
        // And one parked by hand (or by a broker policy, which keeps the user id), to replay.
        otherCh.basicPublish(
            "",
            retried.deadLetterQueueName(),
            new AMQP.BasicProperties.Builder().userId(user).messageId("p-" + id).build(),
            "o-3".getBytes(StandardCharsets.UTF_8));
        assertThat(otherCh.waitForConfirms(10_000)).isTrue();
      }

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Rabbit.messageCount(ch, retried.retryQueueName(0)) == 1);
      GetResponse copy = ch.basicGet(retried.retryQueueName(0), true);
      assertThat(copy.getProps().getMessageId()).isEqualTo("u-" + id);
      assertThat(copy.getProps().getUserId()).isNull();
      assertThat(copy.getProps().getHeaders().get(MessageHeaders.ORIGINAL_USER_ID).toString())
          .isEqualTo(user);
      // Handled once: the copy was taken at once, not refused and the original redelivered.
      assertThat(handled.get()).isEqualTo(1);

      ch.queueDeclare(expired, true, false, false, null);
      assertThat(messaging.replay(retried.deadLetterQueueName(), expired, 10)).isEqualTo(1);
      GetResponse replayed = ch.basicGet(expired, true);
      assertThat(replayed.getProps().getMessageId()).isEqualTo("p-" + id);
      assertThat(replayed.getProps().getUserId()).isNull();
      assertThat(replayed.getProps().getHeaders().get(MessageHeaders.ORIGINAL_USER_ID).toString())
          .isEqualTo(user);
    } finally {
      Rabbit.rabbitmqctl("delete_user", user);
    }
  }
}

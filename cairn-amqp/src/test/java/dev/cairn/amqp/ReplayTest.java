package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Parked messages looked at, then moved back and handled, against the real broker. */
class ReplayTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final Messaging messaging = Rabbit.messaging("replay-" + id).build();
  private final WorkQueue<Job> jobs =
      WorkQueue.builder("test.replay." + id, MessageCodec.json(Job.class))
          .retry(RetryPolicy.of(List.of(Duration.ofMillis(10)), 1))
          .build();

  @AfterEach
  void cleanUp() {
    messaging.delete(jobs);
    messaging.close();
  }

  @Test
  void parkedMessagesArePeekedThenReplayedWithTheirHeadersAndHandled() throws Exception {
    AtomicBoolean broken = new AtomicBoolean(true);
    List<ReceivedMessage<Job>> handled = new CopyOnWriteArrayList<>();
    messaging.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          if (broken.get()) {
            throw new IllegalStateException("the database is down");
          }
          handled.add(m);
        });
    try (Sender<Job> sender = messaging.sender(jobs)) {
      for (int n = 1; n <= 5; n++) {
        sender.send(OutgoingMessage.builder(new Job(n)).messageId("job-" + n).build()).join();
      }
    }
    String dlq = jobs.deadLetterQueueName();
    try (Connection bare = Rabbit.bare()) {
      Channel ch = bare.createChannel();
      await().atMost(Duration.ofSeconds(10)).until(() -> Rabbit.messageCount(ch, dlq) == 5);

      // Peek: the first three, left in place.
      List<ParkedMessage> peeked = messaging.peek(dlq, 3);
      assertThat(peeked)
          .extracting(ParkedMessage::messageId)
          .containsExactly("job-1", "job-2", "job-3");
      assertThat(peeked.get(0).headers())
          .containsEntry(MessageHeaders.ATTEMPTS, "1")
          .containsEntry(MessageHeaders.ORIGINAL_ROUTING_KEY, jobs.name());
      assertThat(peeked.get(0).headers().get(MessageHeaders.FAILURE_REASON))
          .contains("the database is down");
      assertThat(new String(peeked.get(0).body(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("{\"n\":1}");
      await().atMost(Duration.ofSeconds(5)).until(() -> Rabbit.messageCount(ch, dlq) == 5);

      // The cause is fixed; replay two, then the rest.
      broken.set(false);
      assertThat(messaging.replay(dlq, jobs.name(), 2)).isEqualTo(2);
      assertThat(messaging.replay(dlq, jobs.name(), 100)).isEqualTo(3);
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 5);
      assertThat(Rabbit.messageCount(ch, dlq)).isZero();
    }
    assertThat(handled)
        .extracting(ReceivedMessage::messageId)
        .containsExactlyInAnyOrder("job-1", "job-2", "job-3", "job-4", "job-5");
    Set<String> replays = ConcurrentHashMap.newKeySet();
    handled.forEach(m -> replays.add(m.headers().get(MessageHeaders.REPLAYS)));
    assertThat(replays).containsExactly("1");
    assertThat(handled).allSatisfy(m -> assertThat(m.attempt()).isEqualTo(1));
  }

  @Test
  void missingQueuesAndBadArgumentsAreRefusedClearly() {
    assertThatThrownBy(() -> messaging.peek("test.replay.nosuch." + id, 1))
        .isInstanceOf(CairnException.class)
        .hasMessage("queue: \"test.replay.nosuch." + id + "\" (not found)")
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    messaging.sender(jobs).close();
    assertThatThrownBy(
            () -> messaging.replay(jobs.deadLetterQueueName(), "test.replay.nosuch." + id, 1))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("(not found)");
    assertThatThrownBy(() -> messaging.replay(jobs.name(), jobs.name(), 1))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("to: ");
    assertThatThrownBy(() -> messaging.peek(jobs.name(), 0))
        .hasMessage("limit: 0 (expected: 1..1000)");
  }
}

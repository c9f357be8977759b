package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The messaging meters count what happened, against the real broker. */
class MessagingMetricsTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Messaging messaging =
      Rabbit.messaging("metrics-" + id).meterRegistry(meters).build();
  private final WorkQueue<Job> jobs =
      WorkQueue.builder("test.metrics." + id, MessageCodec.json(Job.class))
          .retry(RetryPolicy.of(List.of(Duration.ofMillis(20)), 2))
          .build();
  private final Topic<Job> topic = Topic.json("test.metrics.topic." + id, Job.class);

  @AfterEach
  void cleanUp() {
    messaging.delete(jobs);
    messaging.delete(topic);
    messaging.close();
  }

  @Test
  void publishesHandlingRetriesAndParkingAreCounted() throws Exception {
    messaging.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          if (m.body().n() == 2) {
            throw new IllegalStateException("job 2 always fails");
          }
        });
    try (Sender<Job> sender = messaging.sender(jobs)) {
      sender.send(new Job(1)).join();
      sender.send(new Job(2)).join();
    }
    try (Sender<byte[]> raw =
        messaging.sender(
            WorkQueue.builder(jobs.name(), MessageCodec.bytes()).retry(jobs.retry()).build())) {
      // Of another type ("bytes"): parked unread.
      raw.send("{\"n\":4}".getBytes(StandardCharsets.UTF_8)).join();
    }
    try (Sender<byte[]> untyped =
        messaging.sender(
            WorkQueue.builder(jobs.name(), Rabbit.untypedJson()).retry(jobs.retry()).build())) {
      // No type, JSON content type, a body that is not JSON: undecodable.
      untyped.send("not json".getBytes(StandardCharsets.UTF_8)).join();
    }
    Publisher<Job> publisher = messaging.publisher(topic);
    assertThatThrownBy(() -> publisher.publish("nobody.listens", new Job(3)).join())
        .isInstanceOf(CompletionException.class);

    String q = jobs.name();
    // Job 2: attempt 1 fails (tier 1), attempt 2 fails and is parked; the bad body and the message
    // of another type are parked.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("cairn.messaging.dead.lettered", "queue", q, "reason", "attempts") == 1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> count("cairn.messaging.dead.lettered", "queue", q, "reason", "undecodable") == 1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                count("cairn.messaging.dead.lettered", "queue", q, "reason", "unexpected_type")
                    == 1);
    assertThat(count("cairn.messaging.retried", "queue", q, "tier", "1")).isEqualTo(1);
    assertThat(
            meters
                .get("cairn.messaging.handled")
                .tag("queue", q)
                .tag("outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            meters
                .get("cairn.messaging.handled")
                .tag("queue", q)
                .tag("outcome", "failure")
                .timer()
                .count())
        .isEqualTo(2);
    // Four sends to the queue, then the consumer's copies to the tier and the dead-letter queue.
    assertThat(count("cairn.messaging.published", "destination", q)).isEqualTo(4);
    assertThat(count("cairn.messaging.confirmed", "destination", q)).isEqualTo(4);
    assertThat(count("cairn.messaging.published", "destination", jobs.retryQueueName(0)))
        .isEqualTo(1);
    assertThat(count("cairn.messaging.confirmed", "destination", jobs.deadLetterQueueName()))
        .isEqualTo(3);
    assertThat(count("cairn.messaging.returned", "destination", topic.name())).isEqualTo(1);
    assertThat(count("cairn.messaging.nacked", "destination", q)).isZero();
    assertThat(count("cairn.messaging.redelivered", "queue", q)).isZero();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                meters
                        .get("cairn.messaging.publish.in.flight")
                        .tag("connection", "metrics-" + id)
                        .gauge()
                        .value()
                    == 0);
  }

  private double count(String name, String... tags) {
    var search = meters.find(name).tags(tags);
    var counter = search.counter();
    return counter == null ? 0 : counter.count();
  }
}

package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final RetryPolicy fastRetry =
      RetryPolicy.of(List.of(Duration.ofMillis(50), Duration.ofMillis(100)), 3);
  private final List<WorkQueue<?>> queues = new ArrayList<>();
  private Messaging messaging;
  private Connection bare;
  private Channel inspect;

  @BeforeEach
  void connect() throws Exception {
    messaging = Rabbit.messaging("work-" + id).build();
    bare = Rabbit.bare();
    inspect = bare.createChannel();
  }

  @AfterEach
  void cleanUp() throws Exception {
    queues.forEach(messaging::delete);
    messaging.close();
    bare.close();
  }

  private <T> WorkQueue<T> queue(WorkQueue.Builder<T> builder) {
    WorkQueue<T> q = builder.build();
    queues.add(q);
    return q;
  }

  @Test
  void competingConsumersShareTheWork() {
    WorkQueue<Job> jobs =
        queue(WorkQueue.builder("test.jobs." + id, MessageCodec.json(Job.class)).retry(fastRetry));
    Map<String, Set<Integer>> byWorker = new ConcurrentHashMap<>();
    for (String worker : List.of("a", "b", "c")) {
      // Prefetch 1 so that each worker holds one job at a time and the others get the rest.
      messaging.consume(
          jobs,
          ConsumerOptions.of(1, 1),
          m ->
              byWorker
                  .computeIfAbsent(worker, w -> ConcurrentHashMap.newKeySet())
                  .add(m.body().n()));
    }
    Sender<Job> sender = messaging.sender(jobs);
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sent.add(sender.send(new Job(i)));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> byWorker.values().stream().mapToInt(Set::size).sum() == 300);
    assertThat(byWorker).hasSize(3);
    Set<Integer> all = ConcurrentHashMap.newKeySet();
    byWorker.values().forEach(all::addAll);
    assertThat(all).hasSize(300);
  }

  @Test
  void closingASenderWaitsForTheConfirmsOfWhatItSent() throws Exception {
    WorkQueue<Job> jobs =
        queue(WorkQueue.builder("test.close." + id, MessageCodec.json(Job.class)).retry(fastRetry));
    Sender<Job> sender = messaging.sender(jobs);
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      sent.add(sender.send(new Job(i)));
    }

    sender.close();

    assertThat(sent).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
    assertThat(sender.send(new Job(-1)))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("publisher closed");
    assertThat(Rabbit.messageCount(inspect, jobs.name())).isEqualTo(2_000);
  }

  @Test
  void aPoisonMessageIsParkedAfterMaxAttemptsWithItsReasonWhileOthersFlow() throws Exception {
    WorkQueue<Job> jobs =
        queue(
            WorkQueue.builder("test.poison." + id, MessageCodec.json(Job.class)).retry(fastRetry));
    List<Integer> poisonAttempts = new CopyOnWriteArrayList<>();
    Set<Integer> done = ConcurrentHashMap.newKeySet();
    messaging.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          if (m.body().n() == 13) {
            poisonAttempts.add(m.attempt());
            throw new IllegalStateException("cannot handle job 13");
          }
          done.add(m.body().n());
        });
    Sender<Job> sender = messaging.sender(jobs);
    for (int i = 0; i < 50; i++) {
      sender.send(new Job(i)).join();
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 49);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Rabbit.messageCount(inspect, jobs.deadLetterQueueName()) == 1);
    assertThat(poisonAttempts).containsExactly(1, 2, 3);
    GetResponse parked = Rabbit.take(inspect, jobs.deadLetterQueueName(), 1).get(0);
    Map<String, Object> h = parked.getProps().getHeaders();
    assertThat(h.get(MessageHeaders.ATTEMPTS)).isEqualTo(3);
    assertThat(h.get(MessageHeaders.FAILURE_REASON).toString())
        .isEqualTo("java.lang.IllegalStateException: cannot handle job 13");
    assertThat(h.get(MessageHeaders.ORIGINAL_ROUTING_KEY).toString()).isEqualTo(jobs.name());
    assertThat(new String(parked.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":13}");
    assertThat(Rabbit.messageCount(inspect, jobs.name())).isZero();
  }

  @Test
  void aSubscribersRetriesAndParkedCopyKeepTheTopicAndRoutingKeyItWasPublishedWith()
      throws Exception {
    Topic<Job> events = Topic.json("test.events." + id, Job.class);
    WorkQueue<Job> audit =
        queue(
            WorkQueue.builder("test.audit." + id, events.codec())
                .bind(events, "order.#")
                .retry(fastRetry));
    List<String> routingKeys = new CopyOnWriteArrayList<>();
    messaging.consume(
        audit,
        ConsumerOptions.defaults(),
        m -> {
          routingKeys.add(m.attempt() + " " + m.routingKey());
          throw new IllegalStateException("audit store down");
        });
    try {
      messaging.publisher(events).publish("order.created.eu", new Job(7)).join();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Rabbit.messageCount(inspect, audit.deadLetterQueueName()) == 1);
      Map<String, Object> h =
          Rabbit.take(inspect, audit.deadLetterQueueName(), 1).get(0).getProps().getHeaders();
      assertThat(h.get(MessageHeaders.ATTEMPTS)).isEqualTo(3);
      assertThat(h.get(MessageHeaders.ORIGINAL_EXCHANGE).toString()).isEqualTo(events.name());
      assertThat(h.get(MessageHeaders.ORIGINAL_ROUTING_KEY).toString())
          .isEqualTo("order.created.eu");
      // Each retry comes back through the default exchange under the queue's name.
      assertThat(routingKeys)
          .containsExactly("1 order.created.eu", "2 order.created.eu", "3 order.created.eu");
    } finally {
      messaging.delete(events);
    }
  }

  @Test
  void aMessageThatCannotBeDecodedIsParkedAtOnce() throws Exception {
    WorkQueue<Job> jobs =
        queue(
            WorkQueue.builder("test.garbage." + id, MessageCodec.json(Job.class)).retry(fastRetry));
    AtomicInteger handled = new AtomicInteger();
    messaging.consume(jobs, ConsumerOptions.defaults(), m -> handled.incrementAndGet());
    // As a plain client would send it: JSON content type, no type.
    publishAsPlainClient(jobs.name(), "{not json");
    messaging.sender(jobs).send(new Job(1)).join();

    await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Rabbit.messageCount(inspect, jobs.deadLetterQueueName()) == 1);
    GetResponse parked = Rabbit.take(inspect, jobs.deadLetterQueueName(), 1).get(0);
    assertThat(parked.getProps().getHeaders().get(MessageHeaders.ATTEMPTS)).isEqualTo(1);
    assertThat(parked.getProps().getHeaders().get(MessageHeaders.FAILURE_REASON).toString())
        .startsWith("cannot decode: com.fasterxml.jackson");
    assertThat(handled.get()).isEqualTo(1);
  }

  @Test
  void onlyMessagesOfTheConsumersTypeAndContentTypeReachItsHandler() throws Exception {
    WorkQueue<Job> jobs =
        queue(
            WorkQueue.builder(
                    "test.typed." + id, MessageCodec.json(Job.class).withTypeName("job.created"))
                .retry(fastRetry));
    List<Integer> handled = new CopyOnWriteArrayList<>();
    messaging.consume(jobs, ConsumerOptions.defaults(), m -> handled.add(m.body().n()));

    // Published as a plain client would: each with its type, content type and body.
    Map<String, String[]> parked = new java.util.LinkedHashMap<>();
    parked.put("other-type", new String[] {"job.cancelled", "application/json", "{\"n\":1}"});
    parked.put("bytes-type", new String[] {"bytes", "application/octet-stream", "{\"n\":2}"});
    parked.put("text", new String[] {null, "text/plain", "{\"n\":3}"});
    parked.put("string-number", new String[] {"job.created", "application/json", "{\"n\":\"4\"}"});
    parked.put("fraction", new String[] {null, null, "{\"n\":5.5}"});
    Map<String, String[]> accepted = new java.util.LinkedHashMap<>();
    accepted.put("typed", new String[] {"job.created", "application/json", "{\"n\":10}"});
    accepted.put("untyped", new String[] {null, null, "{\"n\":11}"});
    accepted.put("charset", new String[] {null, "Application/JSON; charset=utf-8", "{\"n\":12}"});
    accepted.put("json-suffix", new String[] {null, "application/vnd.acme+json", "{\"n\":13}"});
    accepted.put("unknown-field", new String[] {null, null, "{\"n\":14,\"extra\":true}"});
    for (Map<String, String[]> batch : List.of(parked, accepted)) {
      for (Map.Entry<String, String[]> m : batch.entrySet()) {
        String[] v = m.getValue();
        inspect.basicPublish(
            "",
            jobs.name(),
            new AMQP.BasicProperties.Builder()
                .messageId(m.getKey())
                .type(v[0])
                .contentType(v[1])
                .build(),
            v[2].getBytes(StandardCharsets.UTF_8));
      }
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 5);
    assertThat(handled).containsExactly(10, 11, 12, 13, 14);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Rabbit.messageCount(inspect, jobs.deadLetterQueueName()) == 5);
    Map<String, String> reasons = new java.util.HashMap<>();
    for (GetResponse r : Rabbit.take(inspect, jobs.deadLetterQueueName(), 5)) {
      assertThat(r.getProps().getHeaders().get(MessageHeaders.ATTEMPTS)).isEqualTo(1);
      reasons.put(
          r.getProps().getMessageId(),
          r.getProps().getHeaders().get(MessageHeaders.FAILURE_REASON).toString());
    }
    assertThat(reasons)
        .containsEntry(
            "other-type", "unexpected type 'job.cancelled' (expected: 'job.created' or none)")
        .containsEntry("bytes-type", "unexpected type 'bytes' (expected: 'job.created' or none)")
        .containsEntry(
            "text", "unexpected content type 'text/plain' (expected: 'application/json' or none)");
    assertThat(reasons.get("string-number"))
        .startsWith("cannot decode: com.fasterxml.jackson")
        .contains("Cannot coerce String value (\"4\")");
    assertThat(reasons.get("fraction"))
        .startsWith("cannot decode: com.fasterxml.jackson")
        .contains("Cannot coerce Floating-point value (5.5)");
  }

  @Test
  void quorumQueuesCarryTheirDeliveryLimitAndRetryTheSameWay() throws Exception {
    WorkQueue<Job> jobs =
        queue(
            WorkQueue.builder("test.quorum." + id, MessageCodec.json(Job.class))
                .type(QueueType.QUORUM)
                .deliveryLimit(5)
                .retry(fastRetry));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    messaging.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          attempts.add(m.attempt());
          if (m.attempt() < 2) {
            throw new IllegalStateException("first attempt fails");
          }
        });
    messaging.sender(jobs).send(new Job(1)).join();

    await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 2);
    assertThat(attempts).containsExactly(1, 2);
    // Declared with another shape, the existing queue is used as it is (with a warning).
    WorkQueue<Job> classic =
        WorkQueue.builder(jobs.name(), MessageCodec.json(Job.class)).retry(fastRetry).build();
    try (Sender<Job> sender = messaging.sender(classic)) {
      sender.send(new Job(2)).join();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 4);
    assertThat(attempts).containsExactly(1, 2, 1, 2);
  }

  @Test
  void aConsumerWhoseQueueIsDeletedAndDeclaredAgainByAnotherClientConsumesItAgain()
      throws Exception {
    WorkQueue<Job> jobs =
        queue(WorkQueue.builder("test.redeclared." + id, MessageCodec.json(Job.class)));
    List<Integer> handled = new CopyOnWriteArrayList<>();
    messaging.consume(jobs, ConsumerOptions.defaults(), m -> handled.add(m.body().n()));
    messaging.sender(jobs).send(new Job(1)).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(1));

    // Another service (or an operator) deletes the queue and declares it again, as plain clients
    // do: the broker cancels Cairn's consumer.
    inspect.queueDelete(jobs.name());
    inspect.queueDeclare(jobs.name(), true, false, false, null);
    publishAsPlainClient(jobs.name(), "{\"n\":2}");

    await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(2));
    assertThat(handled).containsExactly(1, 2);
  }

  @Test
  void retryTiersAndTheDeadLetterQueueDeletedUnderAConsumerAreDeclaredAgain() throws Exception {
    WorkQueue<Job> jobs =
        queue(
            WorkQueue.builder("test.tiersgone." + id, MessageCodec.json(Job.class))
                .retry(fastRetry));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    messaging.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          attempts.add(m.attempt());
          if (m.attempt() == 1) {
            throw new IllegalStateException("first attempt fails");
          }
        });
    inspect.queueDelete(jobs.retryQueueName(0));
    inspect.queueDelete(jobs.deadLetterQueueName());

    // Sent by a plain client: a Cairn sender would declare the queues again itself.
    publishAsPlainClient(jobs.name(), "{\"n\":1}");
    // Without its tier the copy would be refused and the message redelivered at once, over and
    // over, each time its first attempt.
    await().atMost(Duration.ofSeconds(10)).until(() -> attempts.contains(2));
    assertThat(attempts).containsExactly(1, 2);

    publishAsPlainClient(jobs.name(), "not json");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Rabbit.messageCount(inspect, jobs.deadLetterQueueName()) == 1);
    assertThat(attempts).containsExactly(1, 2);
  }

  @Test
  void aClosedMessagingSaysSoRatherThanBlamingTheBroker() {
    Messaging closed = Rabbit.messaging("closed-" + id).build();
    closed.close();
    WorkQueue<Job> jobs = WorkQueue.json("test.closed." + id, Job.class);
    assertThatThrownBy(() -> closed.consume(jobs, ConsumerOptions.defaults(), m -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("messaging: closed");
    assertThatThrownBy(() -> closed.sender(jobs))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("messaging: closed");
  }

  @Test
  void deletingAQueueThroughTheMessagingThatConsumesItStopsItsConsumersFirst() throws Exception {
    WorkQueue<Job> jobs = WorkQueue.json("test.deleted." + id, Job.class);
    messaging.consume(jobs, ConsumerOptions.defaults(), m -> {});

    messaging.delete(jobs);

    // A consumer whose queue the broker deleted would declare it again at once.
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !exists(jobs.name()) && !exists(jobs.retryQueueName(0)));
  }

  private boolean exists(String queue) throws Exception {
    try (Channel ch = bare.createChannel()) {
      ch.queueDeclarePassive(queue);
      return true;
    } catch (java.io.IOException notFound) {
      return false;
    }
  }

  /** Publishes {@code json} to {@code queue} as a plain AMQP client does (not through Cairn). */
  private void publishAsPlainClient(String queue, String json) throws IOException {
    inspect.basicPublish(
        "",
        queue,
        new AMQP.BasicProperties.Builder().contentType("application/json").build(),
        json.getBytes(StandardCharsets.UTF_8));
  }
}

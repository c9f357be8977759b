package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Consumers die with messages in hand; nothing is lost and duplicates are explained. */
class ConsumerKillTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final WorkQueue<Job> jobs = WorkQueue.json("test.kill." + id, Job.class);
  private final List<Messaging> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void cleanUp() {
    try (Messaging m = Rabbit.messaging("kill-cleanup-" + id).build()) {
      m.delete(jobs);
    }
    opened.forEach(Messaging::close);
  }

  private Messaging open(String name) {
    Messaging m = Rabbit.messaging(name).build();
    opened.add(m);
    return m;
  }

  @Test
  void aConsumerWhoseConnectionIsClosedMidHandlingGetsTheMessageAgain() throws Exception {
    String consumerName = "kill-consumer-" + id;
    Messaging consumer = open(consumerName);
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<ReceivedMessage<Job>> deliveries = new CopyOnWriteArrayList<>();
    AtomicInteger completed = new AtomicInteger();
    consumer.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          deliveries.add(m);
          if (deliveries.size() == 1) {
            inHandler.countDown();
            release.await(10, TimeUnit.SECONDS);
          }
          completed.incrementAndGet();
        });
    open("kill-sender-" + id)
        .sender(jobs)
        .send(OutgoingMessage.builder(new Job(7)).messageId("job-7").build())
        .join();

    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    // The broker drops the consumer's connection while the handler holds the message unacked.
    assertThat(Rabbit.closeConnections(consumerName + "-consume")).isEqualTo(1);
    release.countDown();

    await().atMost(Duration.ofSeconds(15)).until(() -> deliveries.size() == 2);
    assertThat(deliveries).extracting(ReceivedMessage::messageId).containsOnly("job-7");
    assertThat(deliveries.get(0).redelivered()).isFalse();
    assertThat(deliveries.get(1).redelivered()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> completed.get() == 2);
  }

  @Test
  void aQuorumQueueParksAMessageThatKeepsKillingItsConsumer() throws Exception {
    WorkQueue<Job> quorum =
        WorkQueue.builder("test.crashloop." + id, MessageCodec.json(Job.class))
            .type(QueueType.QUORUM)
            .deliveryLimit(1)
            .build();
    String consumerName = "crashloop-" + id;
    Messaging consumer = open(consumerName);
    java.util.concurrent.Semaphore inHandler = new java.util.concurrent.Semaphore(0);
    CountDownLatch never = new CountDownLatch(1);
    consumer.consume(
        quorum,
        ConsumerOptions.defaults(),
        m -> {
          inHandler.release();
          never.await(20, TimeUnit.SECONDS); // "crashes": never returns before its connection dies
        });
    try {
      open("crashloop-sender-" + id).sender(quorum).send(new Job(1)).join();
      // Delivery 1 and the redelivery both die with their connection; the next delivery is past
      // the limit: the consumer parks it without handling it.
      for (int kill = 0; kill < 2; kill++) {
        assertThat(inHandler.tryAcquire(15, TimeUnit.SECONDS)).isTrue();
        assertThat(Rabbit.closeConnections(consumerName + "-consume")).isEqualTo(1);
      }
      try (com.rabbitmq.client.Connection bare = Rabbit.bare()) {
        com.rabbitmq.client.Channel ch = bare.createChannel();
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> Rabbit.messageCount(ch, quorum.deadLetterQueueName()) == 1);
        var parked = Rabbit.take(ch, quorum.deadLetterQueueName(), 1).get(0);
        assertThat(parked.getProps().getHeaders().get(MessageHeaders.FAILURE_REASON).toString())
            .isEqualTo("delivered 2 times without an acknowledgement (delivery limit 1)");
        assertThat(inHandler.availablePermits()).isZero();
      }
    } finally {
      never.countDown();
      consumer.delete(quorum);
    }
  }

  @Test
  void tenThousandMessagesSurviveConsumersKilledAndRestarted() throws Exception {
    int total = 10_000;
    // One idempotency memory shared by every consumer of the queue in this process.
    Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    Set<String> redelivered = ConcurrentHashMap.newKeySet();
    AtomicInteger handled = new AtomicInteger();
    IdempotentHandler<Job> once =
        IdempotentHandler.wrap(
            m -> {
              effects.computeIfAbsent(m.messageId(), k -> new AtomicInteger()).incrementAndGet();
              handled.incrementAndGet();
            },
            Duration.ofMinutes(5));
    MessageHandler<Job> handler =
        m -> {
          deliveries.computeIfAbsent(m.messageId(), k -> new AtomicInteger()).incrementAndGet();
          if (m.redelivered()) {
            redelivered.add(m.messageId());
          }
          once.handle(m);
        };

    List<Messaging> consumers = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      names.add("kill-many-" + i + "-" + id);
      Messaging c = open(names.get(i));
      c.consume(jobs, ConsumerOptions.of(200, 2), handler);
      consumers.add(c);
    }
    Sender<Job> sender = open("kill-many-sender-" + id).sender(jobs);
    List<CompletableFuture<Void>> confirms = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      confirms.add(sender.send(OutgoingMessage.builder(new Job(i)).messageId("job-" + i).build()));
    }

    // Kill a consumer every 1,500 handled messages and start a fresh one; once, have the broker
    // drop a consumer connection instead (the client library recovers it).
    int kills = 0;
    for (int threshold = 1_500; threshold < total - 1_000; threshold += 1_500) {
      int at = threshold;
      await().atMost(Duration.ofSeconds(30)).until(() -> handled.get() >= at);
      if (kills == 2) {
        assertThat(Rabbit.closeConnections(names.get(0) + "-consume")).isEqualTo(1);
      } else {
        consumers.remove(0).close();
        names.remove(0);
        names.add("kill-many-" + (10 + kills) + "-" + id);
        Messaging fresh = open(names.get(names.size() - 1));
        fresh.consume(jobs, ConsumerOptions.of(200, 2), handler);
        consumers.add(fresh);
      }
      kills++;
    }
    CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(30)).until(() -> effects.size() == total);
    assertThat(kills).isGreaterThanOrEqualTo(5);
    for (int i = 0; i < total; i++) {
      assertThat(effects.get("job-" + i)).as("job-" + i).hasValue(1);
    }
    // Every duplicate delivery is a broker redelivery; none got past the idempotent helper.
    deliveries.forEach(
        (msg, n) -> {
          if (n.get() > 1) {
            assertThat(redelivered).as(msg + " delivered " + n + " times").contains(msg);
          }
        });
    assertThat(once.duplicatesSkipped())
        .isEqualTo(deliveries.values().stream().mapToInt(AtomicInteger::get).sum() - total);
  }
}

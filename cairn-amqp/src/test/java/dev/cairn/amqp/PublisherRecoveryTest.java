package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The broker drops the publisher's connection mid-stream: every confirmed message arrives. */
class PublisherRecoveryTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final WorkQueue<Job> jobs = WorkQueue.json("test.pubdrop." + id, Job.class);
  // Bound and never listening: its port refuses connections until the test ends.
  private final java.net.Socket deadPortHolder = new java.net.Socket();
  private Messaging publisher;
  private Messaging consumer;

  @AfterEach
  void cleanUp() throws Exception {
    deadPortHolder.close();
    consumer.delete(jobs);
    consumer.close();
    publisher.close();
  }

  @Test
  void publishesHeldLongerThanThePublishTimeoutFailClearlyAndAreNeverSent() throws Exception {
    // The address source follows "the registry": after the drop it points at a dead port.
    java.util.concurrent.atomic.AtomicReference<String> broker =
        new java.util.concurrent.atomic.AtomicReference<>(Rabbit.ADDRESS);
    String name = "pubhold-" + id;
    publisher =
        Messaging.builder(() -> BrokerAddressSource.fixed(broker.get()).addresses())
            .connectionName(name)
            .recoveryInterval(Duration.ofMillis(100))
            .publishTimeout(Duration.ofMillis(500))
            .build();
    consumer = Rabbit.messaging("pubhold-consumer-" + id).build();
    Sender<Job> sender = publisher.sender(jobs);
    sender.send(new Job(0)).join();

    deadPortHolder.bind(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
    int deadPort = deadPortHolder.getLocalPort();
    broker.set("127.0.0.1:" + deadPort);
    assertThat(Rabbit.closeConnections(name + "-publish")).isEqualTo(1);
    CompletableFuture<Void> held = sender.send(new Job(1));

    assertThat(held)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            dev.cairn.common.CairnException.class,
            e -> assertThat(e.code()).isEqualTo(dev.cairn.common.ErrorCode.UNAVAILABLE))
        .withMessageContaining("not confirmed within 500 ms");
    broker.set(Rabbit.ADDRESS);
    // Recovery finds the broker again; the failed message was not sent behind the caller's back.
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> sender.send(new Job(2)).handle((v, e) -> e == null).get());
    try (com.rabbitmq.client.Connection bare = Rabbit.bare()) {
      com.rabbitmq.client.Channel ch = bare.createChannel();
      List<Integer> queued = new ArrayList<>();
      for (var r : Rabbit.take(ch, jobs.name(), 100)) {
        queued.add(r.getBody()[5] - '0'); // {"n":N}
      }
      assertThat(queued).contains(0, 2).doesNotContain(1);
    }
  }

  @Test
  void publishesAcrossAForcedCloseAreHeldResentAndConfirmed() throws Exception {
    int minimum = 5_000;
    String name = "pubdrop-" + id;
    publisher = Rabbit.messaging(name).publishWindow(256).build();
    consumer = Rabbit.messaging("pubdrop-consumer-" + id).build();
    Set<String> arrived = ConcurrentHashMap.newKeySet();
    AtomicInteger deliveries = new AtomicInteger();
    consumer.consume(
        jobs,
        ConsumerOptions.defaults(),
        m -> {
          deliveries.incrementAndGet();
          arrived.add(m.messageId());
        });
    Sender<Job> sender = publisher.sender(jobs);
    AtomicInteger confirmed = new AtomicInteger();
    List<CompletableFuture<Void>> futures = new ArrayList<>();

    CompletableFuture<Integer> dropper =
        CompletableFuture.supplyAsync(
            () -> {
              await().atMost(Duration.ofSeconds(20)).until(() -> confirmed.get() >= 1_000);
              try {
                return Rabbit.closeConnections(name + "-publish");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    // Keep publishing (the window keeps up to 256 in flight) until the drop is over and at least
    // `minimum` messages went out: some are unconfirmed when the connection goes, some are
    // published while it is down.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; (i < minimum || !dropper.isDone()) && i < 200_000; i++) {
      assertThat(System.nanoTime()).isLessThan(until);
      CompletableFuture<Void> f =
          sender.send(OutgoingMessage.builder(new Job(i)).messageId("job-" + i).build());
      f.thenRun(confirmed::incrementAndGet);
      futures.add(f);
    }
    int total = futures.size();

    assertThat(dropper.get()).isEqualTo(1);
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(futures).allMatch(f -> !f.isCompletedExceptionally());
    await().atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == total);
    // Messages unconfirmed at the drop are sent again: duplicates at most that many.
    assertThat(deliveries.get() - total).isBetween(0, 256);
  }
}

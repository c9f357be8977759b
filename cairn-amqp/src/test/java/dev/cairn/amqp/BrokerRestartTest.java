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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The broker restarts ({@code rabbitmqctl stop_app} then {@code start_app}) while a publisher and a
 * consumer run: both recover their connections and topology, publishes made while the broker was
 * down are held and confirmed after it returns, and every confirmed message is consumed.
 */
class BrokerRestartTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final WorkQueue<Job> jobs = WorkQueue.json("test.restart." + id, Job.class);
  private Messaging publisher;
  private Messaging consumer;

  @AfterEach
  void cleanUp() throws Exception {
    Rabbit.startApp(); // never leave the broker stopped, whatever happened
    if (consumer != null) {
      consumer.delete(jobs);
      consumer.close();
    }
    if (publisher != null) {
      publisher.close();
    }
  }

  @Test
  void publisherAndConsumerRecoverAfterABrokerRestart() throws Exception {
    publisher =
        Rabbit.messaging("restart-pub-" + id).publishTimeout(Duration.ofSeconds(60)).build();
    consumer = Rabbit.messaging("restart-con-" + id).build();
    Set<String> arrived = ConcurrentHashMap.newKeySet();
    consumer.consume(jobs, ConsumerOptions.defaults(), m -> arrived.add(m.messageId()));
    Sender<Job> sender = publisher.sender(jobs);

    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      futures.add(sender.send(OutgoingMessage.builder(new Job(i)).messageId("b-" + i).build()));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == 100);

    Rabbit.stopApp();
    // Published while the broker is down: held, not lost, not failed.
    List<CompletableFuture<Void>> held = new ArrayList<>();
    for (int i = 100; i < 150; i++) {
      held.add(sender.send(OutgoingMessage.builder(new Job(i)).messageId("b-" + i).build()));
    }
    assertThat(held).noneMatch(CompletableFuture::isCompletedExceptionally);
    Rabbit.startApp();

    CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (int i = 150; i < 200; i++) {
      sender
          .send(OutgoingMessage.builder(new Job(i)).messageId("b-" + i).build())
          .get(30, TimeUnit.SECONDS);
    }
    // The consumer's channel and queue came back (topology recovery): everything confirmed after
    // the restart is consumed.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (int i = 100; i < 200; i++) {
                assertThat(arrived).contains("b-" + i);
              }
            });
  }
}

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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker restarts (its node shut down, then booted again on the same data) while a publisher
 * and a consumer run: both recover their connections and topology, publishes made while the broker
 * was down are held and confirmed after it returns, and every confirmed message is consumed. The
 * broker is the test's own ({@link PrivateBroker}): the shared one on 5672 is never stopped.
 */
class BrokerRestartTest {

  @RegisterExtension final PrivateBroker broker = new PrivateBroker();

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final WorkQueue<Job> jobs = WorkQueue.json("test.restart." + id, Job.class);
  private Messaging publisher;
  private Messaging consumer;

  @AfterEach
  void cleanUp() {
    // Before the extension deletes the broker with its data.
    if (consumer != null) {
      consumer.close();
    }
    if (publisher != null) {
      publisher.close();
    }
  }

  @Test
  void publisherAndConsumerRecoverAfterABrokerRestart() throws Exception {
    publisher =
        Rabbit.messaging("restart-pub-" + id, broker.address())
            .publishTimeout(Duration.ofSeconds(60))
            .build();
    consumer = Rabbit.messaging("restart-con-" + id, broker.address()).build();
    Set<String> arrived = ConcurrentHashMap.newKeySet();
    consumer.consume(jobs, ConsumerOptions.defaults(), m -> arrived.add(m.messageId()));
    Sender<Job> sender = publisher.sender(jobs);

    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      futures.add(sender.send(OutgoingMessage.builder(new Job(i)).messageId("b-" + i).build()));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == 100);

    broker.stop();
    // Published while the broker is down: held, not lost, not failed.
    List<CompletableFuture<Void>> held = new ArrayList<>();
    for (int i = 100; i < 150; i++) {
      held.add(sender.send(OutgoingMessage.builder(new Job(i)).messageId("b-" + i).build()));
    }
    assertThat(held).noneMatch(CompletableFuture::isCompletedExceptionally);
    broker.start();

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

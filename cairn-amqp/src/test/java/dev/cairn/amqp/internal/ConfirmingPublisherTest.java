package dev.cairn.amqp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A publish the RabbitMQ client refuses to encode must not shift the publisher's confirms: the
 * client numbers it before failing, the broker never sees it, so every later message would be
 * matched with the confirm of the one before (against the real broker on 127.0.0.1:5672).
 */
class ConfirmingPublisherTest {

  private final String queue = "test.confirms." + UUID.randomUUID().toString().substring(0, 8);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private Connection connection;
  private ConfirmingPublisher publisher;

  @BeforeEach
  void connect() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost("127.0.0.1");
    f.setPort(5672);
    f.setAutomaticRecoveryEnabled(true);
    connection = f.newConnection("confirming-publisher-test");
    try (Channel ch = connection.createChannel()) {
      ch.queueDeclare(queue, false, false, false, null);
    }
    publisher =
        new ConfirmingPublisher(
            connection,
            16,
            TimeUnit.SECONDS.toNanos(20),
            1024,
            scheduler,
            new MessagingMetrics(new CompositeMeterRegistry(), "test"));
  }

  @AfterEach
  void close() throws Exception {
    publisher.close();
    try (Channel ch = connection.createChannel()) {
      ch.queueDelete(queue);
    }
    connection.close();
    scheduler.shutdownNow();
  }

  @Test
  void aPublishTheClientCannotEncodeFailsAloneAndLaterOnesAreConfirmed() throws Exception {
    send("before").get(10, TimeUnit.SECONDS);

    // A header value of a type AMQP tables cannot carry: the client throws while encoding.
    AMQP.BasicProperties unencodable =
        new AMQP.BasicProperties.Builder().headers(Map.of("h", new Object())).build();
    assertThatThrownBy(
            () ->
                publisher
                    .publish("", queue, true, unencodable, new byte[] {1})
                    .get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(CairnException.class)
        .satisfies(
            e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));

    for (int i = 0; i < 3; i++) {
      send("after-" + i).get(10, TimeUnit.SECONDS);
    }
    assertThatThrownBy(
            () ->
                publisher
                    .publish("", queue + ".nowhere", true, props("x"), new byte[0])
                    .get(10, TimeUnit.SECONDS))
        .cause()
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(publisher.inFlight()).isZero();
  }

  @Test
  void aShortStringLongerThan255BytesIsRefusedBeforeSending() throws Exception {
    AMQP.BasicProperties longId =
        new AMQP.BasicProperties.Builder().correlationId("é".repeat(200)).build();
    assertThatThrownBy(
            () -> publisher.publish("", queue, true, longId, new byte[0]).get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("correlationId")
        .satisfies(
            e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    AMQP.BasicProperties longHeader =
        new AMQP.BasicProperties.Builder().headers(Map.of("h".repeat(256), "v")).build();
    assertThatThrownBy(
            () ->
                publisher
                    .publish("", queue, true, longHeader, new byte[0])
                    .get(10, TimeUnit.SECONDS))
        .cause()
        .hasMessageContaining("header name");
    assertThatThrownBy(
            () ->
                publisher
                    .publish("", "q".repeat(256), true, props("x"), new byte[0])
                    .get(10, TimeUnit.SECONDS))
        .cause()
        .hasMessageContaining("routingKey");

    send("after").get(10, TimeUnit.SECONDS);
    assertThat(publisher.inFlight()).isZero();
  }

  private CompletableFuture<Void> send(String id) {
    return publisher.publish("", queue, true, props(id), id.getBytes());
  }

  private static AMQP.BasicProperties props(String id) {
    return new AMQP.BasicProperties.Builder().messageId(id).build();
  }
}

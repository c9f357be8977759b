package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestReplyTest {

  record Quote(String sku) {}

  record Price(String sku, long cents) {}

  private final String id = Rabbit.suffix();
  private final RpcEndpoint<Quote, Price> prices =
      RpcEndpoint.json("test.prices." + id, Quote.class, Price.class);
  private Messaging client;
  private Messaging server;

  @BeforeEach
  void connect() {
    client = Rabbit.messaging("rpc-client-" + id).build();
    server = Rabbit.messaging("rpc-server-" + id).build();
  }

  @AfterEach
  void cleanUp() {
    client.delete(prices);
    server.close();
    client.close();
  }

  @Test
  void aRequestIsAnsweredWithinItsDeadlineAndCarriesTheTraceContext() {
    server.respond(
        prices,
        ConsumerOptions.defaults(),
        r -> new Price(r.body().sku(), r.traceContext().isEmpty() ? -1 : 1999));
    Requester<Quote, Price> requester = client.requester(prices);

    Price price =
        requester
            .request(
                OutgoingMessage.builder(new Quote("sku-1"))
                    .traceContext(
                        Map.of(
                            "traceparent",
                            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                    .build(),
                Duration.ofSeconds(5))
            .join();

    assertThat(price).isEqualTo(new Price("sku-1", 1999));
    assertThat(requester.pending()).isZero();
  }

  @Test
  void withNoResponderTheRequestFailsAtItsDeadline() {
    Requester<Quote, Price> requester = client.requester(prices);
    long start = System.nanoTime();

    CompletableFuture<Price> f = requester.request(new Quote("sku-1"), Duration.ofMillis(300));

    assertThatThrownBy(f::join)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED))
        .hasMessageContaining("within 300 ms");
    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(requester.pending()).isZero();
  }

  @Test
  void aLateReplyIsDroppedNotLeaked() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch answered = new CountDownLatch(1);
    server.respond(
        prices,
        ConsumerOptions.defaults(),
        r -> {
          release.await(10, TimeUnit.SECONDS);
          answered.countDown();
          return new Price(r.body().sku(), 5);
        });
    Requester<Quote, Price> requester = client.requester(prices);

    CompletableFuture<Price> f = requester.request(new Quote("sku-1"), Duration.ofMillis(200));
    assertThatThrownBy(f::join)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
    release.countDown();

    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> requester.lateReplies() == 1);
    assertThat(requester.pending()).isZero();
    assertThat(f).isCompletedExceptionally();
  }

  @Test
  void aRequestWhoseQueueIsGoneFailsAtOnceInsteadOfBeingLost() {
    Requester<Quote, Price> requester = client.requester(prices);
    // The request queue deleted under the requester (by an operator, or another service's cleanup):
    // the mandatory request comes back from the broker and the call fails then, not at its
    // deadline.
    server.delete(prices);

    CompletableFuture<Price> f = requester.request(new Quote("sku-1"), Duration.ofMinutes(5));

    assertThat(f)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableThat()
        .havingCause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
        .withMessageContaining("unroutable");
    assertThat(requester.pending()).isZero();
  }

  @Test
  void aReplyOfAnotherTypeFailsTheCall() throws Exception {
    Requester<Quote, Price> requester = client.requester(prices);
    try (Connection bare = Rabbit.bare()) {
      Channel ch = bare.createChannel();
      // A plain responder answering with a type the requester's codec does not read.
      ch.basicConsume(
          prices.name(),
          true,
          new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(
                String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                throws java.io.IOException {
              ch.basicPublish(
                  "",
                  props.getReplyTo(),
                  new AMQP.BasicProperties.Builder()
                      .correlationId(props.getCorrelationId())
                      .type("price.v2")
                      .contentType("application/json")
                      .build(),
                  "{\"sku\":\"sku-1\",\"cents\":1}".getBytes(StandardCharsets.UTF_8));
            }
          });

      assertThatThrownBy(() -> requester.request(new Quote("sku-1"), Duration.ofSeconds(5)).join())
          .cause()
          .isInstanceOfSatisfying(
              CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
          .hasMessageContaining("unexpected type 'price.v2' (expected: 'Price' or none)");
    }
  }

  @Test
  void aFailingResponderAnswersWithAnError() {
    server.respond(
        prices,
        ConsumerOptions.defaults(),
        r -> {
          throw new IllegalArgumentException("unknown sku " + r.body().sku());
        });
    Requester<Quote, Price> requester = client.requester(prices);

    assertThatThrownBy(() -> requester.request(new Quote("nope"), Duration.ofSeconds(5)).join())
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasMessageContaining("unknown sku nope");
  }
}

package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builders and value types check their input and say what they expected. */
class OptionsTest {

  @Test
  void addressesAreHostPort() {
    assertThat(BrokerAddressSource.fixed("127.0.0.1:5672", "[::1]:5673").addresses())
        .containsExactly(
            InetSocketAddress.createUnresolved("127.0.0.1", 5672),
            InetSocketAddress.createUnresolved("::1", 5673));
    assertThatThrownBy(() -> BrokerAddressSource.fixed("localhost"))
        .hasMessage("hostPort: \"localhost\" (expected: host:port with port in 1..65535)");
    assertThatThrownBy(() -> BrokerAddressSource.fixed("h:0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(BrokerAddressSource::fixed)
        .hasMessage("hostPorts: [] (expected: at least one host:port)");
  }

  @Test
  void priorityIsAnOctetAndExpirationWholeMillisecondsUpToTheBrokersLimit() {
    OutgoingMessage<String> m =
        OutgoingMessage.builder("x").priority(255).expiration(Duration.ofSeconds(90)).build();
    assertThat(m.priority()).isEqualTo(255);
    assertThat(m.expiration()).isEqualTo(Duration.ofSeconds(90));
    assertThat(OutgoingMessage.of("x").priority()).isNull();
    assertThat(OutgoingMessage.of("x").expiration()).isNull();
    assertThat(OutgoingMessage.builder("x").priority(0).expiration(Duration.ZERO).build())
        .satisfies(z -> assertThat(z.priority()).isZero())
        .satisfies(z -> assertThat(z.expiration()).isZero());
    assertThat(OutgoingMessage.builder("x").expiration(Duration.ofDays(3650)).build().expiration())
        .isEqualTo(Duration.ofDays(3650));
    assertThatThrownBy(() -> OutgoingMessage.builder("x").priority(256))
        .hasMessage("priority: 256 (expected: 0..255)");
    assertThatThrownBy(() -> OutgoingMessage.builder("x").priority(-1))
        .hasMessage("priority: -1 (expected: 0..255)");
    assertThatThrownBy(() -> OutgoingMessage.builder("x").expiration(Duration.ofMillis(-1)))
        .hasMessage("expiration: PT-0.001S (expected: whole milliseconds from 0 to PT87600H)");
    assertThatThrownBy(
            () -> OutgoingMessage.builder("x").expiration(Duration.ofDays(3650).plusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("expiration: PT87600H0.001S (expected:");
    assertThatThrownBy(() -> OutgoingMessage.builder("x").expiration(Duration.ofNanos(1_500_000)))
        .hasMessage("expiration: PT0.0015S (expected: whole milliseconds from 0 to PT87600H)");
    assertThatThrownBy(() -> OutgoingMessage.builder("x").expiration(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("expiration");
  }

  @MessageType("order.created")
  record Declared(String id) {}

  record Undeclared(String id) {}

  @Test
  void theMessageTypeIsDeclaredDerivedOrOverridden() throws Exception {
    assertThat(MessageCodec.json(Declared.class).typeName()).isEqualTo("order.created");
    assertThat(MessageCodec.json(Undeclared.class).typeName()).isEqualTo("Undeclared");
    MessageCodec<Undeclared> named = MessageCodec.json(Undeclared.class).withTypeName("order.v2");
    assertThat(named.typeName()).isEqualTo("order.v2");
    assertThat(named.contentType()).isEqualTo("application/json");
    assertThat(named.decode(named.encode(new Undeclared("x")))).isEqualTo(new Undeclared("x"));
    assertThatThrownBy(() -> MessageCodec.bytes().withTypeName("has space"))
        .hasMessage(
            "typeName: \"has space\" (expected: 1..255 printable ASCII characters, no spaces)");
    assertThatThrownBy(() -> MessageCodec.bytes().withTypeName(""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  record Amount(long cents, double ratio) {}

  @Test
  void aCodecReadsItsOwnTypeAndContentTypeOrNone() throws Exception {
    MessageCodec<Declared> json = MessageCodec.json(Declared.class);
    assertThat(json.readsType(null)).isTrue();
    assertThat(json.readsType("order.created")).isTrue();
    assertThat(json.readsType("order.cancelled")).isFalse();
    assertThat(json.readsType("Declared")).isFalse();
    assertThat(json.readsContentType(null)).isTrue();
    assertThat(json.readsContentType("application/json; charset=UTF-8")).isTrue();
    assertThat(json.readsContentType("application/problem+json")).isTrue();
    assertThat(json.readsContentType("text/plain")).isFalse();
    assertThat(json.readsContentType("application/octet-stream")).isFalse();
    MessageCodec<Declared> renamed = json.withTypeName("order.v2");
    assertThat(renamed.readsType("order.v2")).isTrue();
    assertThat(renamed.readsType("order.created")).isFalse();
    assertThat(renamed.readsContentType("application/vnd.acme+json")).isTrue();
    MessageCodec<dev.cairn.proto.v1.WatchRequest> proto =
        MessageCodec.protobuf(dev.cairn.proto.v1.WatchRequest.getDefaultInstance());
    assertThat(proto.readsType("cairn.v1.WatchRequest")).isTrue();
    assertThat(proto.readsContentType("application/protobuf")).isTrue();
    assertThat(proto.readsContentType("application/json")).isFalse();
    assertThat(MessageCodec.bytes().readsType("anything")).isTrue();
    assertThat(MessageCodec.bytes().readsContentType("text/plain")).isTrue();
    assertThat(MessageCodec.bytes().withTypeName("blob").readsType("other")).isFalse();
  }

  @Test
  void theJsonCodecCoercesNoScalar() throws Exception {
    MessageCodec<Amount> json = MessageCodec.json(Amount.class);
    assertThat(json.decode(bytes("{\"cents\":12,\"ratio\":3,\"unknown\":\"x\"}")))
        .isEqualTo(new Amount(12, 3.0));
    assertThat(json.decode(bytes("{}"))).isEqualTo(new Amount(0, 0.0));
    for (String bad :
        List.of(
            "{\"cents\":\"12\"}",
            "{\"cents\":12.5}",
            "{\"cents\":12.0}",
            "{\"cents\":true}",
            "{\"ratio\":\"0.5\"}")) {
      assertThatThrownBy(() -> json.decode(bytes(bad)))
          .as(bad)
          .isInstanceOf(com.fasterxml.jackson.databind.exc.MismatchedInputException.class);
    }
    assertThatThrownBy(() -> MessageCodec.json(Declared.class).decode(bytes("{\"id\":7}")))
        .hasMessageContaining("Cannot coerce Integer value (7)");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void aFailingOrEmptySourceFallsBack() {
    BrokerAddressSource failing =
        () -> {
          throw new IllegalStateException("registry down");
        };
    BrokerAddressSource fallback = BrokerAddressSource.fixed("127.0.0.1:5672");
    assertThat(failing.orElse(fallback).addresses()).isEqualTo(fallback.addresses());
    BrokerAddressSource empty = List::of;
    assertThat(empty.orElse(fallback).addresses()).isEqualTo(fallback.addresses());
  }

  @Test
  void retryTiersGrowThenStayAtTheLast() {
    RetryPolicy p =
        RetryPolicy.of(
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)), 6);
    assertThat(List.of(p.tierAfter(1), p.tierAfter(2), p.tierAfter(3), p.tierAfter(4)))
        .containsExactly(0, 1, 2, 2);
    assertThatThrownBy(
            () -> RetryPolicy.of(List.of(Duration.ofSeconds(5), Duration.ofSeconds(1)), 3))
        .hasMessageContaining("non-decreasing");
    assertThatThrownBy(() -> RetryPolicy.of(List.of(Duration.ofSeconds(1)), 0))
        .hasMessage("maxAttempts: 0 (expected: 1..100)");
    assertThatThrownBy(() -> RetryPolicy.of(List.of(), 3)).hasMessageContaining("1..10 tiers");
  }

  @Test
  void queueNamesAreCheckedAndDeriveTheirRetryAndDeadLetterQueues() {
    WorkQueue<String> q =
        WorkQueue.builder("jobs", MessageCodec.json(String.class))
            .retry(RetryPolicy.of(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), 4))
            .build();
    assertThat(q.retryQueueName(0)).isEqualTo("jobs.retry.1");
    assertThat(q.deadLetterQueueName()).isEqualTo("jobs.dlq");
    assertThat(q.deliveryLimit()).isEqualTo(4);
    assertThatThrownBy(() -> WorkQueue.json("amq.jobs", String.class))
        .hasMessageContaining("not starting with \"amq.\"");
    assertThatThrownBy(() -> WorkQueue.json("jobs with spaces", String.class))
        .hasMessageStartingWith("name: \"jobs with spaces\" (expected:");
    assertThatThrownBy(() -> ConsumerOptions.of(0, 1))
        .hasMessage("prefetch: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> OutgoingMessage.builder("x").header("x-cairn-attempt", "2"))
        .hasMessageContaining("not starting with \"x-cairn-\"");
  }

  @Test
  void messagingSettingsAreChecked() {
    Messaging.Builder b = Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:5672"));
    assertThatThrownBy(() -> b.publishWindow(0))
        .hasMessage("publishWindow: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> b.maxMessageBytes(65 * 1024 * 1024))
        .hasMessage("maxMessageBytes: 68157440 (expected: 1..67108864)");
    assertThatThrownBy(() -> b.firstConnectTimeout(Duration.ofSeconds(-1)))
        .hasMessage("firstConnectTimeout: PT-1S (expected: >= 0)");
    assertThatThrownBy(() -> b.connectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("expected: >= initial");
  }

  @Test
  void idsKeysAndHeaderNamesFitAnAmqpShortStringInUtf8() {
    String e200 = "é".repeat(200); // 200 characters, 400 bytes
    assertThatThrownBy(() -> OutgoingMessage.builder("b").messageId(e200))
        .hasMessage("messageId: \"" + e200 + "\" (expected: 1..255 bytes in UTF-8)");
    assertThatThrownBy(() -> OutgoingMessage.builder("b").correlationId("c".repeat(256)))
        .hasMessageStartingWith("correlationId: ")
        .hasMessageEndingWith("(expected: at most 255 bytes in UTF-8)");
    assertThatThrownBy(() -> OutgoingMessage.builder("b").header("h".repeat(256), "v"))
        .hasMessageStartingWith("name: ")
        .hasMessageEndingWith("(expected: 1..255 bytes in UTF-8)");
    assertThatThrownBy(
            () ->
                WorkQueue.builder("q", MessageCodec.bytes())
                    .bind(Topic.of("t", MessageCodec.bytes()), e200))
        .hasMessage("bindingKey: \"" + e200 + "\" (expected: 1..255 bytes in UTF-8)");
    assertThat(
            OutgoingMessage.builder("b")
                .messageId("m".repeat(255))
                .correlationId("")
                .header("é".repeat(127), "v")
                .build()
                .messageId())
        .hasSize(255);
  }
}

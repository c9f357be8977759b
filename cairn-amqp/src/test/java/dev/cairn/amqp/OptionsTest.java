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
}

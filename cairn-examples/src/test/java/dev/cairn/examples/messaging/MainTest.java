package dev.cairn.examples.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.amqp.BrokerAddressSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's messaging example runs against the real broker and does what it says. */
class MainTest {

  @Test
  void theExampleRunsEndToEnd() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    assertThat(Main.run(BrokerAddressSource.fixed("127.0.0.1:5672"), out))
        .containsExactly(
            "pubsub: 3 orders, email and inventory each got them: true",
            "work queue: 12 of 12 jobs done by 3 workers",
            "request/reply: sku-1 costs 1999",
            "deadline: DEADLINE_EXCEEDED");
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("email-service:     mail to c1@x.dev for order-1")
        .contains("inventory-service: order-3 reserved 3 x sku-1");
  }
}

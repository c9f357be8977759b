package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code cairn messages peek|replay} against the real broker on 127.0.0.1:5672. */
class MessagesCommandTest {

  private final String q = "test.cli.orders." + UUID.randomUUID().toString().substring(0, 8);
  private final String dlq = q + ".dlq";
  private Connection bare;
  private Channel ch;

  @BeforeEach
  void park() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost("127.0.0.1");
    f.setPort(5672);
    bare = f.newConnection("cairn-cli-test");
    ch = bare.createChannel();
    ch.queueDeclare(q, true, false, false, null);
    ch.queueDeclare(dlq, true, false, false, null);
    for (int n = 1; n <= 2; n++) {
      ch.basicPublish(
          "",
          dlq,
          new AMQP.BasicProperties.Builder()
              .messageId("o-" + n)
              .type("order.created")
              .headers(
                  Map.of(
                      "x-cairn-attempts",
                      5,
                      "x-cairn-failure-reason",
                      "java.lang.IllegalStateException: boom",
                      "x-cairn-original-routing-key",
                      q))
              .build(),
          ("{\"id\":\"o-" + n + "\"}").getBytes(StandardCharsets.UTF_8));
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    ch.queueDelete(q);
    ch.queueDelete(dlq);
    bare.close();
  }

  @Test
  void peekShowsParkedMessagesAndReplayMovesThemBack() throws Exception {
    CliRun peek = cairn("messages", "peek", "--queue", dlq, "--limit", "1");

    assertThat(peek.exitCode()).as("%s", peek).isZero();
    assertThat(peek.out())
        .isEqualTo(
            dlq
                + ": showing 1 message(s), left in place\n"
                + "#1 id=o-1 type=order.created attempts=5 replays=0 from="
                + q
                + "\n"
                + "   reason: java.lang.IllegalStateException: boom\n"
                + "   body: {\"id\":\"o-1\"}\n");

    CliRun replay = cairn("messages", "replay", "--queue", dlq);

    assertThat(replay.exitCode()).as("%s", replay).isZero();
    assertThat(replay.out()).isEqualTo("replayed 2 message(s) from " + dlq + " to " + q + "\n");
    assertThat(ch.queueDeclarePassive(dlq).getMessageCount()).isZero();
    GetResponse first = ch.basicGet(q, true);
    assertThat(first.getProps().getMessageId()).isEqualTo("o-1");
    assertThat(first.getProps().getHeaders()).containsEntry("x-cairn-replays", 1);
    assertThat(first.getProps().getHeaders()).containsKey("x-cairn-failure-reason");
    assertThat(ch.basicGet(q, true).getProps().getMessageId()).isEqualTo("o-2");
  }

  @Test
  void mistakesGetClearMessagesAndExitCodes() throws Exception {
    CliRun missing = cairn("messages", "peek", "--queue", q + ".nosuch");
    assertThat(missing.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.err()).contains("queue: \"" + q + ".nosuch\" (not found)");

    CliRun noTarget = cairn("messages", "replay", "--queue", q);
    assertThat(noTarget.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(noTarget.err())
        .contains("--to: missing (only a q.dlq queue replays to q by default)");

    // A socket bound and never listening: its port refuses connections while it stays open.
    try (Socket holder = new Socket()) {
      holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int dead = holder.getLocalPort();
      CliRun unreachable =
          cairn("messages", "peek", "--queue", dlq, "--broker", "127.0.0.1:" + dead);
      assertThat(unreachable.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(unreachable.err()).contains("broker 127.0.0.1:" + dead);
    }
    // Nothing moved by any of these.
    assertThat(ch.queueDeclarePassive(dlq).getMessageCount()).isEqualTo(2);
  }
}

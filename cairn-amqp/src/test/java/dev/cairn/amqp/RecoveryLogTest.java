package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a dropped connection logs (decision 0214), read from the test's own log output (slf4j-simple
 * writes to {@code System.err}): one warning per recovered connection and no error when everything
 * came back; an error, on one line, for what did not.
 */
class RecoveryLogTest {

  record Job(int n) {}

  private final String id = Rabbit.suffix();
  private final Topic<Job> events = Topic.json("test.recoverylog." + id, Job.class);
  private final WorkQueue<Job> jobs =
      WorkQueue.builder("test.recoverylog." + id, events.codec()).bind(events, "job.#").build();
  private final RpcEndpoint<byte[], byte[]> echo =
      RpcEndpoint.of("test.recoverylog.rpc." + id, MessageCodec.bytes(), MessageCodec.bytes());
  private final List<ReceivedMessage<Job>> handled = new CopyOnWriteArrayList<>();
  // The address source follows "the registry": pointed at a dead port, it keeps a dropped
  // connection down for as long as the test needs.
  private final AtomicReference<String> broker = new AtomicReference<>(Rabbit.ADDRESS);
  private final Socket deadPort = new Socket();
  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private PrintStream stderr;
  private Messaging messaging;

  @BeforeEach
  void captureTheLog() throws Exception {
    deadPort.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    stderr = System.err;
    System.setErr(new PrintStream(new Tee(stderr, logged), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void cleanUp() throws Exception {
    System.setErr(stderr);
    deadPort.close();
    if (messaging != null) {
      messaging.close();
    }
    try (Messaging m = Rabbit.messaging("recoverylog-cleanup-" + id).build()) {
      m.delete(jobs);
      m.delete(events);
      m.delete(echo);
    }
  }

  private Messaging open(String name) {
    messaging =
        Messaging.builder(() -> BrokerAddressSource.fixed(broker.get()).addresses())
            .connectionName(name)
            .recoveryInterval(Duration.ofMillis(200))
            .firstConnectTimeout(Duration.ofSeconds(10))
            .publishTimeout(Duration.ofSeconds(20))
            .build();
    messaging.consume(jobs, ConsumerOptions.defaults(), handled::add);
    return messaging;
  }

  @Test
  void connectionsClosedByTheBrokerLogOneWarningEachAndNoError() throws Exception {
    String name = "recoverylog-" + id;
    Publisher<Job> publisher = open(name).publisher(events);
    messaging.respond(echo, ConsumerOptions.defaults(), r -> r.body());
    Requester<byte[], byte[]> requester = messaging.requester(echo);
    publisher.publish("job.1", new Job(1)).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 1);

    assertThat(Rabbit.closeConnections(name + "-consume")).isEqualTo(1);
    assertThat(Rabbit.closeConnections(name + "-publish")).isEqualTo(1);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> publisher.publish("job.2", new Job(2)).handle((v, e) -> e == null).get());
    await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 2);
    await().atMost(Duration.ofSeconds(20)).until(() -> recovered(name + "-consume").size() == 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> recovered(name + "-publish").size() == 1);
    assertThat(recovered(name + "-consume"))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .contains(
                        "WARN",
                        "closed by the broker: 320 CONNECTION_FORCED - cairn test",
                        "has recovered (channels, declarations and consumers)"));
    assertThat(recovered(name + "-publish")).singleElement().asString().contains("WARN");
    // Nothing about this test's queues, exchanges or connections at ERROR, and no stack trace.
    assertThat(lines(id)).noneMatch(l -> l.contains("ERROR"));
    assertThat(log().lines()).noneMatch(l -> l.startsWith("\tat "));
    // The requester's exclusive reply queue is back too.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                requester
                    .request(new byte[] {42}, Duration.ofSeconds(5))
                    .handle((r, e) -> r != null && r.length == 1 && r[0] == 42)
                    .get());
  }

  @Test
  void aQueueDeletedWhileTheConnectionIsDownIsDeclaredAgainBeforeItsConsumerReturns()
      throws Exception {
    String name = "recoverylog-down-" + id;
    Sender<Job> sender = open(name).sender(jobs);
    broker.set("127.0.0.1:" + deadPort.getLocalPort());
    assertThat(Rabbit.closeConnections(name + "-consume")).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> lines(name + "-consume' was lost").size() == 1);
    assertThat(lines(name + "-consume' was lost"))
        .singleElement()
        .asString()
        .contains("WARN", "the broker is not back yet", "trying again every 200 ms");
    try (Connection bare = Rabbit.bare()) {
      Channel ch = bare.createChannel();
      ch.queueDelete(jobs.name());
      ch.queueDelete(jobs.retryQueueName(0));
    }

    broker.set(Rabbit.ADDRESS);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> lines(name + "-consume' was lost").size() == 2);
    sender.send(new Job(3)).join();
    await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() == 1);
    assertThat(lines(name + "-consume' was lost").get(1))
        .contains("WARN", "has recovered at reconnection attempt", "(channels, declarations");
    assertThat(lines(id)).noneMatch(l -> l.contains("ERROR"));
    try (Connection bare = Rabbit.bare()) {
      assertThat(Rabbit.messageCount(bare.createChannel(), jobs.retryQueueName(0))).isZero();
    }
  }

  @Test
  void whatTheRecoveryCannotRestoreIsAnErrorOnOneLine() throws Exception {
    String name = "recoverylog-fail-" + id;
    open(name);
    broker.set("127.0.0.1:" + deadPort.getLocalPort());
    assertThat(Rabbit.closeConnections(name + "-consume")).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> lines(name + "-consume' was lost").size() == 1);
    // Another connection takes the queue for itself: nobody else may declare or consume it.
    try (Connection bare = Rabbit.bare()) {
      Channel ch = bare.createChannel();
      ch.queueDelete(jobs.name());
      ch.queueDeclare(jobs.name(), false, true, false, null);

      broker.set(Rabbit.ADDRESS);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> lines(name + "-consume' was lost").size() == 2);
      assertThat(lines(name + "-consume' was lost").get(1))
          .contains(
              "WARN",
              "has recovered",
              "except 1 channel(s), declaration(s) or consumer(s) logged above as errors");
      assertThat(lines(name + "-consume'"))
          .filteredOn(l -> l.contains("ERROR"))
          .singleElement()
          .asString()
          .contains("recovery failed", "consumer", "RESOURCE_LOCKED");
      assertThat(lines("could not declare '" + jobs.name() + "' again"))
          .singleElement()
          .asString()
          .contains("WARN", "RESOURCE_LOCKED");
    }
    assertThat(log().lines()).noneMatch(l -> l.startsWith("\tat "));
  }

  private List<String> recovered(String connection) {
    return lines(connection + "' was lost").stream()
        .filter(l -> l.contains("has recovered"))
        .toList();
  }

  private List<String> lines(String containing) {
    return log().lines().filter(l -> l.contains(containing)).toList();
  }

  private String log() {
    synchronized (logged) {
      return logged.toString(StandardCharsets.UTF_8);
    }
  }

  /** Writes to the real stderr and keeps a copy. */
  private static final class Tee extends OutputStream {
    private final OutputStream out;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream out, ByteArrayOutputStream copy) {
      this.out = out;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      synchronized (copy) {
        copy.write(b);
      }
      try {
        out.write(b);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (copy) {
        copy.write(b, off, len);
      }
      try {
        out.write(b, off, len);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}

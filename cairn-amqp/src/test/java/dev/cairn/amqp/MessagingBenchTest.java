package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cairn messaging against the bare RabbitMQ client doing the same work on the same broker, in the
 * same run; only on request (tag {@code bench}): {@code mvn -pl cairn-amqp -am verify
 * -Dtest=MessagingBenchTest -Pbench -Dsurefire.failIfNoSpecifiedTests=false}. Rounds alternate
 * bare/Cairn; the median round is reported. Every loop is bounded in count and time. Prints a
 * table; asserts only that the work was done.
 */
@Tag("bench")
class MessagingBenchTest {

  private static final int BODY_BYTES = 1024;
  private static final int WINDOW = 1024;
  private static final int PUBLISH_COUNT = 20_000;
  private static final int CONSUME_COUNT = 20_000;
  private static final int PREFETCH = 200;
  private static final int RATE = 1_000;
  private static final int LATENCY_SECONDS = 3;
  private static final int ROUNDS = 5;
  private static final long ROUND_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final String id = Rabbit.suffix();
  private final byte[] body = new byte[BODY_BYTES];

  @Test
  void run() throws Exception {
    WorkQueue<byte[]> queue = WorkQueue.builder("bench." + id, MessageCodec.bytes()).build();
    List<String> lines = new ArrayList<>();
    try (Messaging messaging = Rabbit.messaging("bench-" + id).publishWindow(WINDOW).build();
        Connection bare = Rabbit.bare()) {
      Sender<byte[]> sender = messaging.sender(queue);
      Channel admin = bare.createChannel();

      double[] barePub = new double[ROUNDS];
      double[] cairnPub = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        // Alternate which side goes first, so that drift in the machine's load cancels out.
        for (boolean cairnTurn : new boolean[] {r % 2 == 1, r % 2 == 0}) {
          admin.queuePurge(queue.name());
          if (cairnTurn) {
            cairnPub[r] = cairnPublish(sender);
          } else {
            barePub[r] = barePublish(bare, queue.name());
          }
        }
      }
      admin.queuePurge(queue.name());
      lines.add(row("publish, confirms, 1 KiB (msg/s)", barePub, cairnPub));

      double[] bareCon = new double[ROUNDS];
      double[] cairnCon = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        for (boolean cairnTurn : new boolean[] {r % 2 == 1, r % 2 == 0}) {
          fill(bare, queue.name());
          if (cairnTurn) {
            cairnCon[r] = cairnConsume(messaging, queue);
          } else {
            bareCon[r] = bareConsume(bare, queue.name());
          }
        }
      }
      lines.add(row("consume, prefetch " + PREFETCH + " (msg/s)", bareCon, cairnCon));

      double[][] bareLat = new double[2][ROUNDS];
      double[][] cairnLat = new double[2][ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        admin.queuePurge(queue.name());
        Histogram b = r % 2 == 0 ? bareLatency(bare, queue.name()) : null;
        admin.queuePurge(queue.name());
        Histogram c = cairnLatency(messaging, queue, sender);
        if (b == null) {
          admin.queuePurge(queue.name());
          b = bareLatency(bare, queue.name());
        }
        bareLat[0][r] = b.getValueAtPercentile(50) / 1e3;
        bareLat[1][r] = b.getValueAtPercentile(99) / 1e3;
        cairnLat[0][r] = c.getValueAtPercentile(50) / 1e3;
        cairnLat[1][r] = c.getValueAtPercentile(99) / 1e3;
      }
      lines.add(row("end-to-end p50 at " + RATE + " msg/s (us)", bareLat[0], cairnLat[0]));
      lines.add(row("end-to-end p99 at " + RATE + " msg/s (us)", bareLat[1], cairnLat[1]));
      messaging.delete(queue);
    }
    System.out.println(
        "| measure (median of "
            + ROUNDS
            + " rounds) | bare client | Cairn | Cairn / bare, median of per-round ratios"
            + " | per-round ratios min - max |");
    System.out.println("| --- | ---: | ---: | ---: | --- |");
    lines.forEach(System.out::println);
    assertThat(lines).hasSize(4);
  }

  // Publishes PUBLISH_COUNT persistent, mandatory messages with asynchronous confirms and the same
  // in-flight window as Cairn; returns messages per second.
  private double barePublish(Connection connection, String queue) throws Exception {
    Channel ch = connection.createChannel();
    ch.confirmSelect();
    Semaphore window = new Semaphore(WINDOW);
    ConcurrentSkipListMap<Long, Boolean> outstanding = new ConcurrentSkipListMap<>();
    CountDownLatch all = new CountDownLatch(PUBLISH_COUNT);
    ch.addConfirmListener(
        new ConfirmListener() {
          @Override
          public void handleAck(long tag, boolean multiple) {
            settle(tag, multiple);
          }

          @Override
          public void handleNack(long tag, boolean multiple) {
            settle(tag, multiple);
          }

          private void settle(long tag, boolean multiple) {
            if (multiple) {
              var head = outstanding.headMap(tag, true);
              int n = head.size();
              head.clear();
              window.release(n);
              for (int i = 0; i < n; i++) {
                all.countDown();
              }
            } else if (outstanding.remove(tag) != null) {
              window.release();
              all.countDown();
            }
          }
        });
    long start = System.nanoTime();
    for (int i = 0; i < PUBLISH_COUNT && System.nanoTime() - start < ROUND_LIMIT_NANOS; i++) {
      window.acquire();
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .deliveryMode(2)
              .contentType("application/octet-stream")
              .messageId(UUID.randomUUID().toString())
              .build();
      synchronized (ch) {
        outstanding.put(ch.getNextPublishSeqNo(), Boolean.TRUE);
        ch.basicPublish("", queue, true, props, body);
      }
    }
    assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
    double rate = PUBLISH_COUNT / ((System.nanoTime() - start) / 1e9);
    ch.close();
    return rate;
  }

  private double cairnPublish(Sender<byte[]> sender) throws Exception {
    long start = System.nanoTime();
    List<CompletableFuture<Void>> futures = new ArrayList<>(PUBLISH_COUNT);
    for (int i = 0; i < PUBLISH_COUNT && System.nanoTime() - start < ROUND_LIMIT_NANOS; i++) {
      futures.add(sender.send(body));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    return futures.size() / ((System.nanoTime() - start) / 1e9);
  }

  private void fill(Connection connection, String queue) throws Exception {
    Channel ch = connection.createChannel();
    ch.queuePurge(queue);
    ch.confirmSelect();
    AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
    for (int i = 0; i < CONSUME_COUNT; i++) {
      ch.basicPublish("", queue, props, body);
      if (i % 5_000 == 4_999) {
        ch.waitForConfirmsOrDie(30_000);
      }
    }
    ch.waitForConfirmsOrDie(30_000);
    ch.close();
  }

  private double bareConsume(Connection connection, String queue) throws Exception {
    Channel ch = connection.createChannel();
    ch.basicQos(PREFETCH);
    CountDownLatch all = new CountDownLatch(CONSUME_COUNT);
    long start = System.nanoTime();
    String tag =
        ch.basicConsume(
            queue,
            false,
            new DefaultConsumer(ch) {
              @Override
              public void handleDelivery(
                  String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] b)
                  throws java.io.IOException {
                getChannel().basicAck(envelope.getDeliveryTag(), false);
                all.countDown();
              }
            });
    assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
    double rate = CONSUME_COUNT / ((System.nanoTime() - start) / 1e9);
    ch.basicCancel(tag);
    ch.close();
    return rate;
  }

  private double cairnConsume(Messaging messaging, WorkQueue<byte[]> queue) throws Exception {
    CountDownLatch all = new CountDownLatch(CONSUME_COUNT);
    long start = System.nanoTime();
    try (Consumer c =
        messaging.consume(queue, ConsumerOptions.of(PREFETCH, 1), m -> all.countDown())) {
      assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
      return CONSUME_COUNT / ((System.nanoTime() - start) / 1e9);
    }
  }

  private Histogram bareLatency(Connection connection, String queue) throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    int total = RATE * LATENCY_SECONDS;
    CountDownLatch all = new CountDownLatch(total);
    Channel in = connection.createChannel();
    in.basicQos(PREFETCH);
    in.basicConsume(
        queue,
        false,
        new DefaultConsumer(in) {
          @Override
          public void handleDelivery(
              String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] b)
              throws java.io.IOException {
            record(h, b);
            getChannel().basicAck(envelope.getDeliveryTag(), false);
            all.countDown();
          }
        });
    Channel out = connection.createChannel();
    out.confirmSelect();
    AtomicInteger confirmed = new AtomicInteger();
    out.addConfirmListener((tag, multiple) -> confirmed.incrementAndGet(), (tag, multiple) -> {});
    AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
    paced(total, () -> out.basicPublish("", queue, true, props, stamped()));
    assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
    in.close();
    out.close();
    return h;
  }

  private Histogram cairnLatency(Messaging messaging, WorkQueue<byte[]> queue, Sender<byte[]> s)
      throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    int total = RATE * LATENCY_SECONDS;
    CountDownLatch all = new CountDownLatch(total);
    try (Consumer c =
        messaging.consume(
            queue,
            ConsumerOptions.of(PREFETCH, 1),
            m -> {
              record(h, m.body());
              all.countDown();
            })) {
      paced(total, () -> s.send(stamped()));
      assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
    }
    return h;
  }

  interface Send {
    void run() throws Exception;
  }

  // Sends `total` messages at RATE per second on a fixed schedule (no coordinated omission: a late
  // send is not skipped, and its latency counts from when it was sent).
  private static void paced(int total, Send send) throws Exception {
    long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
    long start = System.nanoTime();
    for (int i = 0; i < total && System.nanoTime() - start < ROUND_LIMIT_NANOS; i++) {
      long due = start + i * interval;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      send.run();
    }
  }

  private byte[] stamped() {
    byte[] b = Arrays.copyOf(body, body.length);
    ByteBuffer.wrap(b).putLong(System.nanoTime());
    return b;
  }

  private static void record(Histogram h, byte[] stamped) {
    long latency = System.nanoTime() - ByteBuffer.wrap(stamped).getLong();
    h.recordValue(Math.min(Math.max(0, latency), h.getHighestTrackableValue()));
  }

  private static double median(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    return copy[copy.length / 2];
  }

  private static String row(String measure, double[] bare, double[] cairn) {
    double[] ratios = new double[bare.length];
    for (int i = 0; i < bare.length; i++) {
      ratios[i] = cairn[i] / bare[i];
    }
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "| %s | %,.0f | %,.0f | %.2f | %.2f - %.2f |",
        measure,
        median(bare),
        median(cairn),
        median(ratios),
        sorted[0],
        sorted[sorted.length - 1]);
  }
}

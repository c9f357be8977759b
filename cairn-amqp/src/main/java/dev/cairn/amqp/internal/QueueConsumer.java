package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.amqp.ConsumerOptions;
import dev.cairn.amqp.MessageHandler;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.ReceivedMessage;
import dev.cairn.amqp.WorkQueue;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes a {@link WorkQueue} on {@code concurrency} channels with manual acknowledgement: a
 * message is acknowledged after its handler returns; when the handler throws, a copy goes to the
 * next retry tier (or, after the last attempt, to the dead-letter queue with the reason) and the
 * original is acknowledged once the broker has confirmed the copy. A message whose type or content
 * type the codec does not read, or whose body cannot be decoded, is parked at once.
 *
 * <p>If the connection drops before the acknowledgement, the broker redelivers the message (to this
 * consumer after recovery, or to another one): at-least-once.
 *
 * <p>The queues are Cairn's to keep: when the broker cancels the consumer (its queue was deleted,
 * perhaps to be declared again by another client) or a copy finds its retry tier or dead-letter
 * queue gone, the queue's topology is declared again and the consumer resumes; the client library
 * does neither by itself. A message that could not be moved is given back to the queue no sooner
 * than one recovery interval after it arrived, so that a copy refused at once does not become a
 * redelivery loop.
 *
 * <p>Threading: deliveries arrive on the client's consumer executor, one at a time per channel.
 */
public final class QueueConsumer<T> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);
  private static final int MAX_REASON_CHARS = 1000;

  private final WorkQueue<T> queue;
  private final MessageHandler<T> handler;
  private final ConfirmingPublisher republisher;
  private final long republishTimeoutMillis;
  private final MessagingMetrics.Consuming meters;
  private final List<Channel> channels = new ArrayList<>();
  private final Connection connection;
  private final ScheduledExecutorService scheduler;
  private final long recoveryIntervalMillis;
  private final String user;
  private final RecoveryListener redeclare = new Redeclare();
  private volatile boolean closed;

  public QueueConsumer(
      Connection connection,
      WorkQueue<T> queue,
      ConsumerOptions options,
      MessageHandler<T> handler,
      ConfirmingPublisher republisher,
      long republishTimeoutMillis,
      MessagingMetrics metrics,
      ScheduledExecutorService scheduler,
      long recoveryIntervalMillis,
      String user) {
    this.meters = metrics.consuming(queue.name());
    this.user = user;
    this.connection = connection;
    this.scheduler = scheduler;
    this.recoveryIntervalMillis = recoveryIntervalMillis;
    this.queue = queue;
    this.handler = handler;
    this.republisher = republisher;
    this.republishTimeoutMillis = republishTimeoutMillis;
    if (connection instanceof Recoverable r) {
      r.addRecoveryListener(redeclare);
    }
    try {
      for (int i = 0; i < options.concurrency(); i++) {
        Channel ch = connection.createChannel();
        channels.add(ch);
        ch.basicQos(options.prefetch());
        ch.basicConsume(queue.name(), false, new Delivery(ch));
      }
    } catch (IOException | ShutdownSignalException e) {
      close();
      throw CairnException.of(
          ErrorCode.UNAVAILABLE, "consuming '" + queue.name() + "' failed: " + e.getMessage());
    }
  }

  /** Stops consuming; unacknowledged messages go back to the queue. */
  @Override
  public void close() {
    closed = true;
    if (connection instanceof Recoverable r) {
      r.removeRecoveryListener(redeclare);
    }
    for (Channel ch : channels) {
      try {
        if (ch.isOpen()) {
          ch.close();
        }
      } catch (IOException | TimeoutException | ShutdownSignalException e) {
        log.debug("closing consumer channel: {}", e.toString());
      }
    }
  }

  /**
   * Declares the queue again once the connection is back, before the client subscribes the
   * consumers again: a queue deleted while the connection was down (or lost with a broker's data)
   * is there again when they subscribe, as after a cancel. The client library itself does not
   * declare again what was declared on channels closed since (see {@link RecoveryLog}).
   */
  private final class Redeclare implements RecoveryListener {
    @Override
    public void handleTopologyRecoveryStarted(Recoverable recoverable) {
      if (closed) {
        return;
      }
      try {
        Topology.declare(connection, queue);
      } catch (CairnException | ShutdownSignalException e) {
        log.warn(
            "could not declare '{}' again after the connection recovered: {}",
            queue.name(),
            e.getMessage());
      }
    }

    @Override
    public void handleRecoveryStarted(Recoverable recoverable) {}

    @Override
    public void handleRecovery(Recoverable recoverable) {}
  }

  private final class Delivery extends DefaultConsumer {

    Delivery(Channel channel) {
      super(channel);
    }

    @Override
    public void handleCancel(String consumerTag) {
      // The broker cancelled the consumer (its queue was deleted, or a quorum queue lost its
      // leader for good): nothing more arrives on this channel until it consumes again, which the
      // client library does not do by itself (not even at its next recovery).
      log.warn(
          "the broker cancelled consumer {} of '{}' (queue deleted?): declaring it again and"
              + " consuming",
          consumerTag,
          queue.name());
      if (!closed) {
        try {
          scheduler.execute(() -> resubscribe(consumerTag));
        } catch (RejectedExecutionException e) {
          log.debug("not consuming '{}' again: messaging closed", queue.name());
        }
      }
    }

    private void resubscribe(String cancelledTag) {
      if (closed) {
        return;
      }
      // While the connection is down the calls below fail and are tried again; the recovered
      // channel takes them (the cancelled consumer is not subscribed again by the recovery).
      try {
        try {
          // Forgets the cancelled consumer, which the client would otherwise subscribe again at
          // its next connection recovery; the broker no longer knows the tag, so the client's
          // own call fails after that.
          getChannel().basicCancel(cancelledTag);
        } catch (IOException | RuntimeException alreadyGone) {
          log.debug("forgetting consumer {}: {}", cancelledTag, alreadyGone.toString());
        }
        Topology.declare(connection, queue);
        getChannel().basicConsume(queue.name(), false, this);
        log.info("consuming '{}' again", queue.name());
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        log.warn(
            "could not consume '{}' again ({}); retrying in {} ms",
            queue.name(),
            e.toString(),
            recoveryIntervalMillis);
        try {
          scheduler.schedule(
              () -> resubscribe(cancelledTag), recoveryIntervalMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          log.debug("not consuming '{}' again: messaging closed", queue.name());
        }
      }
    }

    @Override
    public void handleDelivery(
        String consumerTag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
      Channel ch = getChannel();
      long arrived = System.nanoTime();
      long tag = envelope.getDeliveryTag();
      int attempt = Properties.attempt(props);
      if (envelope.isRedeliver()) {
        meters.redelivered();
      }
      long deliveries = Properties.deliveryCount(props);
      if (deliveries > queue.deliveryLimit()) {
        // A quorum queue counts deliveries that ended without an acknowledgement (the consumer
        // died or lost its connection holding it): past the limit the message is parked unhandled.
        park(
            ch,
            arrived,
            tag,
            envelope,
            props,
            body,
            attempt,
            "delivery_limit",
            "delivered "
                + deliveries
                + " times without an acknowledgement (delivery limit "
                + queue.deliveryLimit()
                + ")");
        return;
      }
      // A message of another type (or content type) than the codec reads is not this consumer's,
      // even if its body happened to decode: parked at once, like an undecodable one.
      String unread = Codecs.unread(queue.codec(), props.getType(), props.getContentType());
      if (unread != null) {
        park(ch, arrived, tag, envelope, props, body, attempt, "unexpected_type", unread);
        return;
      }
      T value;
      try {
        value = queue.codec().decode(body);
      } catch (Exception | LinkageError e) {
        park(
            ch,
            arrived,
            tag,
            envelope,
            props,
            body,
            attempt,
            "undecodable",
            "cannot decode: " + describe(e));
        return;
      }
      ReceivedMessage<T> message =
          Properties.received(value, Properties.messageId(props, body), envelope, props);
      long started = System.nanoTime();
      try {
        handler.handle(message);
      } catch (Exception | LinkageError | AssertionError e) {
        meters.handled(System.nanoTime() - started, false);
        String reason = describe(e);
        if (attempt >= queue.retry().maxAttempts()) {
          park(ch, arrived, tag, envelope, props, body, attempt, "attempts", reason);
        } else {
          retry(ch, arrived, tag, envelope, props, body, attempt, reason);
        }
        return;
      }
      meters.handled(System.nanoTime() - started, true);
      ack(ch, tag);
    }
  }

  private void retry(
      Channel ch,
      long arrived,
      long tag,
      Envelope envelope,
      AMQP.BasicProperties props,
      byte[] body,
      int attempt,
      String reason) {
    int tier = queue.retry().tierAfter(attempt);
    meters.retried(tier + 1);
    // The copy travels through the default exchange (tier queue, then back to the main queue): it
    // carries where the message was first published, for its handler and for parking.
    Properties.Outgoing copy =
        Properties.copy(
            props,
            body,
            Map.of(
                MessageHeaders.ATTEMPT,
                attempt + 1,
                MessageHeaders.LAST_FAILURE,
                reason,
                MessageHeaders.ORIGINAL_EXCHANGE,
                Properties.originalExchange(envelope, props),
                MessageHeaders.ORIGINAL_ROUTING_KEY,
                Properties.originalRoutingKey(envelope, props)),
            user);
    republishThenAck(ch, arrived, tag, queue.retryQueueName(tier), copy);
  }

  private void park(
      Channel ch,
      long arrived,
      long tag,
      Envelope envelope,
      AMQP.BasicProperties props,
      byte[] body,
      int attempt,
      String why,
      String reason) {
    meters.deadLettered(why);
    log.warn(
        "parking message {} from '{}' in '{}' after {} attempt(s): {}",
        Properties.messageId(props, body),
        queue.name(),
        queue.deadLetterQueueName(),
        attempt,
        reason);
    Properties.Outgoing copy =
        Properties.copy(
            props,
            body,
            Map.of(
                MessageHeaders.ATTEMPTS,
                attempt,
                MessageHeaders.FAILURE_REASON,
                reason,
                MessageHeaders.ORIGINAL_EXCHANGE,
                Properties.originalExchange(envelope, props),
                MessageHeaders.ORIGINAL_ROUTING_KEY,
                Properties.originalRoutingKey(envelope, props)),
            user);
    republishThenAck(ch, arrived, tag, queue.deadLetterQueueName(), copy);
  }

  private void republishThenAck(
      Channel ch, long arrived, long tag, String target, Properties.Outgoing copy) {
    try {
      try {
        republish(target, copy);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof CairnException c && c.code() == ErrorCode.NOT_FOUND)) {
          throw e;
        }
        // The retry tier or dead-letter queue is gone (deleted by hand, say): it is Cairn's own,
        // so it is declared again, and the copy sent once more.
        log.warn("'{}' is gone: declaring the queues of '{}' again", target, queue.name());
        Topology.declare(connection, queue);
        republish(target, copy);
      }
      ack(ch, tag);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      nack(ch, tag);
    } catch (ExecutionException | TimeoutException | CairnException e) {
      log.warn("could not move a message of '{}' to '{}': {}", queue.name(), target, e.toString());
      giveBack(ch, arrived, tag);
    }
  }

  private void republish(String target, Properties.Outgoing copy)
      throws InterruptedException, ExecutionException, TimeoutException {
    republisher
        .publish("", target, true, copy.props(), copy.body())
        .get(republishTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  // Requeues a message that could not be moved, no sooner than one recovery interval after it
  // arrived: a copy refused at once would otherwise be redelivered, refused again, and so on.
  private void giveBack(Channel ch, long arrived, long tag) {
    long wait = recoveryIntervalMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - arrived);
    if (wait > 0 && !closed) {
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    nack(ch, tag);
  }

  private static void ack(Channel ch, long tag) {
    try {
      ch.basicAck(tag, false);
    } catch (IOException | ShutdownSignalException e) {
      // The channel is gone: the broker requeues the message and delivers it again.
      log.debug("ack of {} lost: {}", tag, e.toString());
    }
  }

  private static void nack(Channel ch, long tag) {
    try {
      ch.basicNack(tag, false, true);
    } catch (IOException | ShutdownSignalException e) {
      log.debug("nack of {} lost: {}", tag, e.toString());
    }
  }

  static String describe(Throwable e) {
    String s = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return s.length() > MAX_REASON_CHARS ? s.substring(0, MAX_REASON_CHARS) + "..." : s;
  }
}

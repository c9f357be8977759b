package dev.cairn.amqp.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.amqp.QueueType;
import dev.cairn.amqp.Topic;
import dev.cairn.amqp.WorkQueue;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Declares exchanges and queues on a short-lived channel. The client library records what each
 * connection declared and declares it again after recovery.
 *
 * <p>The shape of a {@link WorkQueue} named {@code q}:
 *
 * <ul>
 *   <li>{@code q}: durable, classic or quorum; rejected or (quorum) over-delivered messages are
 *       dead-lettered to {@code q.dlq};
 *   <li>{@code q.retry.N}: durable classic, TTL = tier N's delay, dead-lettering back to {@code q}
 *       through the default exchange (so other subscribers of the topic never see a retry);
 *   <li>{@code q.dlq}: durable classic, where parked messages wait.
 * </ul>
 */
public final class Topology {

  private Topology() {}

  public static void declare(Connection connection, Topic<?> topic) {
    run(connection, ch -> ch.exchangeDeclare(topic.name(), "topic", true));
  }

  public static void declare(Connection connection, WorkQueue<?> queue) {
    run(
        connection,
        ch -> {
          Map<String, Object> main = new HashMap<>();
          main.put("x-dead-letter-exchange", "");
          main.put("x-dead-letter-routing-key", queue.deadLetterQueueName());
          if (queue.type() == QueueType.QUORUM) {
            main.put("x-queue-type", "quorum");
            main.put("x-delivery-limit", queue.deliveryLimit());
          }
          ch.queueDeclare(queue.deadLetterQueueName(), true, false, false, null);
          ch.queueDeclare(queue.name(), true, false, false, main);
          for (int tier = 0; tier < queue.retry().delays().size(); tier++) {
            Map<String, Object> retry = new HashMap<>();
            retry.put("x-message-ttl", queue.retry().delays().get(tier).toMillis());
            retry.put("x-dead-letter-exchange", "");
            retry.put("x-dead-letter-routing-key", queue.name());
            ch.queueDeclare(queue.retryQueueName(tier), true, false, false, retry);
          }
          for (WorkQueue.Binding b : queue.bindings()) {
            ch.exchangeDeclare(b.topic().name(), "topic", true);
            ch.queueBind(queue.name(), b.topic().name(), b.bindingKey());
          }
        });
  }

  /** Deletes a queue with its retry and dead-letter queues. */
  public static void delete(Connection connection, WorkQueue<?> queue) {
    run(
        connection,
        ch -> {
          ch.queueDelete(queue.name());
          for (int tier = 0; tier < queue.retry().delays().size(); tier++) {
            ch.queueDelete(queue.retryQueueName(tier));
          }
          ch.queueDelete(queue.deadLetterQueueName());
        });
  }

  public static void delete(Connection connection, Topic<?> topic) {
    run(connection, ch -> ch.exchangeDelete(topic.name()));
  }

  /** Declares the request queue of a request/reply endpoint (classic, non-durable messages). */
  public static void declareRequestQueue(Connection connection, String name) {
    run(connection, ch -> ch.queueDeclare(name, true, false, false, null));
  }

  interface ChannelWork {
    void run(Channel channel) throws IOException;
  }

  static void run(Connection connection, ChannelWork work) {
    try (Channel ch = connection.createChannel()) {
      work.run(ch);
    } catch (ShutdownSignalException e) {
      throw refused(e);
    } catch (IOException e) {
      if (e.getCause() instanceof ShutdownSignalException s) {
        throw refused(s);
      }
      throw CairnException.of(ErrorCode.UNAVAILABLE, "declaring topology: " + e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw CairnException.of(ErrorCode.UNAVAILABLE, "declaring topology timed out: " + e);
    }
  }

  private static CairnException refused(ShutdownSignalException e) {
    Object reason = e.getReason();
    String text =
        reason instanceof com.rabbitmq.client.AMQP.Channel.Close c
            ? c.getReplyCode() + " " + c.getReplyText()
            : e.getMessage();
    return CairnException.of(ErrorCode.FAILED_PRECONDITION, "the broker refused: " + text);
  }
}

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares exchanges and queues on a short-lived channel. The client library records what each
 * connection declared and declares it again after recovery.
 *
 * <p>The shape of a {@link WorkQueue} named {@code q}:
 *
 * <ul>
 *   <li>{@code q}: durable, classic or quorum, and no other argument: dead-lettering and delivery
 *       limits are applied by the consumer (or by an operator's policy), never by arguments that
 *       every other client declaring the queue would have to repeat;
 *   <li>{@code q.retry.N}: durable classic, TTL = tier N's delay, dead-lettering back to {@code q}
 *       through the default exchange (so other subscribers of the topic never see a retry);
 *   <li>{@code q.dlq}: durable classic, where parked messages wait.
 * </ul>
 */
public final class Topology {

  private static final Logger log = LoggerFactory.getLogger(Topology.class);

  private Topology() {}

  public static void declare(Connection connection, Topic<?> topic) {
    run(connection, ch -> ch.exchangeDeclare(topic.name(), "topic", true));
  }

  public static void declare(Connection connection, WorkQueue<?> queue) {
    run(connection, ch -> ch.queueDeclare(queue.deadLetterQueueName(), true, false, false, null));
    declareMain(connection, queue);
    run(
        connection,
        ch -> {
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

  /**
   * The main queue carries only what cannot be a policy (durable; {@code x-queue-type} for quorum
   * queues), so that a plain client declaring {@code q} durable (with {@code x-queue-type quorum}
   * for a quorum queue) declares the same queue. When the queue already exists with other
   * properties, it is used as it is, with a warning saying what Cairn cannot guarantee then.
   */
  private static void declareMain(Connection connection, WorkQueue<?> queue) {
    Map<String, Object> main = mainArguments(queue);
    try {
      run(connection, ch -> ch.queueDeclare(queue.name(), true, false, false, main));
    } catch (CairnException e) {
      if (e.code() != ErrorCode.FAILED_PRECONDITION) {
        throw e;
      }
      run(connection, ch -> ch.queueDeclarePassive(queue.name()));
      log.warn(
          "queue '{}' already exists with other properties than Cairn declares ({}): using it as it"
              + " is, with what those properties imply{} ({})",
          queue.name(),
          describe(main),
          queue.type() == QueueType.QUORUM
              ? "; Cairn cannot guarantee that it is a replicated quorum queue or apply its delivery"
                  + " limit"
              : "",
          e.getMessage());
    }
  }

  /** The arguments Cairn declares a work queue's main queue with (null when none). */
  static Map<String, Object> mainArguments(WorkQueue<?> queue) {
    return queue.type() == QueueType.QUORUM ? Map.of("x-queue-type", "quorum") : null;
  }

  private static String describe(Map<String, Object> arguments) {
    return arguments == null ? "durable" : "durable, " + arguments;
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

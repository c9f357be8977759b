package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.ParkedMessage;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Looks at and moves the messages of a queue (usually a dead-letter queue) for an operator: {@link
 * #peek} takes messages without acknowledging them and gives them back when its channel closes;
 * {@link #replay} moves them one at a time, publishing each copy with a confirm before it
 * acknowledges the original, so a message is never lost, and is duplicated only if the process dies
 * between the two (at-least-once; the copy keeps its message id).
 */
public final class DeadLetters {

  /** How long replay waits for the broker to confirm one copy. */
  private static final long CONFIRM_TIMEOUT_MILLIS = 10_000;

  private DeadLetters() {}

  /** Up to {@code limit} messages at the head of {@code queue}, left in place. */
  public static List<ParkedMessage> peek(Connection connection, String queue, int limit) {
    try (Channel ch = connection.createChannel()) {
      ch.queueDeclarePassive(queue);
      List<ParkedMessage> out = new ArrayList<>();
      GetResponse r;
      while (out.size() < limit && (r = ch.basicGet(queue, false)) != null) {
        out.add(parked(r.getProps(), r.getBody()));
      }
      // Closing the channel gives every unacknowledged message back to the queue.
      return out;
    } catch (IOException | ShutdownSignalException e) {
      throw refused(queue, e);
    } catch (TimeoutException e) {
      throw CairnException.of(ErrorCode.UNAVAILABLE, "peeking '" + queue + "' timed out");
    }
  }

  /**
   * Moves up to {@code limit} messages from {@code queue} to queue {@code to} (through the default
   * exchange), headers kept, {@code x-cairn-attempt} and {@code x-cairn-last-failure} removed (the
   * consumer's attempts start again) and {@code x-cairn-replays} counted up; an {@code expiration},
   * or a {@code user-id} other than {@code user} (the broker would refuse it), moves to its {@code
   * x-cairn-original-*} header as on a consumer's copies (decision 0216). Returns how many moved.
   *
   * @throws CairnException {@code NOT_FOUND} when either queue does not exist; {@code UNAVAILABLE}
   *     when a copy was not confirmed (that message stays in {@code queue}; those before it moved)
   */
  public static int replay(Connection connection, String queue, String to, int limit, String user) {
    if (queue.equals(to)) {
      throw CairnException.invalid("to", to, "a queue other than the one replayed from");
    }
    try (Channel check = connection.createChannel()) {
      check.queueDeclarePassive(to);
    } catch (IOException | ShutdownSignalException e) {
      throw refused(to, e);
    } catch (TimeoutException e) {
      throw CairnException.of(ErrorCode.UNAVAILABLE, "checking '" + to + "' timed out");
    }
    int moved = 0;
    try (Channel ch = connection.createChannel()) {
      ch.queueDeclarePassive(queue);
      ch.confirmSelect();
      AtomicReference<String> returned = new AtomicReference<>();
      ch.addReturnListener(r -> returned.set(r.getReplyCode() + " " + r.getReplyText()));
      GetResponse r;
      while (moved < limit && (r = ch.basicGet(queue, false)) != null) {
        long tag = r.getEnvelope().getDeliveryTag();
        returned.set(null);
        ch.basicPublish("", to, true, replayed(r.getProps(), user), r.getBody());
        if (!ch.waitForConfirms(CONFIRM_TIMEOUT_MILLIS) || returned.get() != null) {
          ch.basicNack(tag, false, true);
          throw CairnException.of(
              ErrorCode.UNAVAILABLE,
              "replaying to '"
                  + to
                  + "': the broker did not take message "
                  + r.getProps().getMessageId()
                  + (returned.get() != null ? " (" + returned.get() + ")" : " (nack)")
                  + " after "
                  + moved
                  + " moved; it stays in '"
                  + queue
                  + "'");
        }
        ch.basicAck(tag, false);
        moved++;
      }
      return moved;
    } catch (IOException | ShutdownSignalException e) {
      throw refused(queue, e);
    } catch (TimeoutException e) {
      throw CairnException.of(
          ErrorCode.UNAVAILABLE, "replaying '" + queue + "' timed out after " + moved + " moved");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CairnException.of(
          ErrorCode.UNAVAILABLE, "replaying '" + queue + "' interrupted after " + moved + " moved");
    }
  }

  /** The properties of a replayed copy. */
  static AMQP.BasicProperties replayed(AMQP.BasicProperties props, String user) {
    Map<String, Object> headers = new HashMap<>();
    if (props.getHeaders() != null) {
      headers.putAll(props.getHeaders());
    }
    headers.remove(MessageHeaders.ATTEMPT);
    headers.remove(MessageHeaders.LAST_FAILURE);
    headers.remove(Properties.DELIVERY_COUNT);
    Object before = headers.get(MessageHeaders.REPLAYS);
    headers.put(MessageHeaders.REPLAYS, (before instanceof Number n ? n.intValue() : 0) + 1);
    AMQP.BasicProperties.Builder copy = props.builder().expiration(null);
    if (props.getExpiration() != null) {
      headers.put(MessageHeaders.ORIGINAL_EXPIRATION, props.getExpiration());
    }
    if (props.getUserId() != null && !props.getUserId().equals(user)) {
      headers.put(MessageHeaders.ORIGINAL_USER_ID, props.getUserId());
      copy.userId(null);
    }
    return copy.headers(headers).build();
  }

  private static ParkedMessage parked(AMQP.BasicProperties props, byte[] body) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (props.getHeaders() != null) {
      props.getHeaders().forEach((k, v) -> headers.put(k, v == null ? "" : String.valueOf(v)));
    }
    return new ParkedMessage(
        props.getMessageId(),
        props.getType(),
        props.getContentType(),
        props.getTimestamp() == null ? null : Instant.ofEpochMilli(props.getTimestamp().getTime()),
        headers,
        body);
  }

  private static CairnException refused(String queue, Exception e) {
    ShutdownSignalException s =
        e instanceof ShutdownSignalException sse
            ? sse
            : e.getCause() instanceof ShutdownSignalException c ? c : null;
    if (s != null
        && s.getReason() instanceof AMQP.Channel.Close close
        && close.getReplyCode() == 404) {
      return CairnException.notFound("queue", queue);
    }
    return CairnException.of(ErrorCode.UNAVAILABLE, "queue '" + queue + "': " + e.getMessage());
  }
}

package dev.cairn.amqp;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decoded message with its properties, as handed to a {@link MessageHandler}. Immutable.
 *
 * @param body the decoded body
 * @param messageId the message id, never null: the {@code message-id} property, or for a message
 *     published without one (by a plain AMQP client) {@code "sha256:<32 hex digits>"} derived from
 *     its body, content type, type, correlation id, timestamp and application headers, the same for
 *     every redelivery and retry of the message (and for two messages alike in all of these)
 * @param correlationId the correlation id, or null
 * @param replyTo the queue to reply to (request/reply), or null
 * @param type the message type (AMQP {@code type}), or null
 * @param contentType the body's content type (AMQP {@code content-type}), or null
 * @param timestamp when it was first published, or null when the publisher did not say
 * @param routingKey the routing key it was first published with (on a retry too, whose copy comes
 *     back under the queue's name; see {@link MessageHeaders#ORIGINAL_ROUTING_KEY})
 * @param attempt the delivery attempt through the retry tiers (1 = first)
 * @param redelivered whether the broker delivered this copy before (its consumer died or its
 *     connection dropped before acknowledging)
 * @param headers application headers, values as strings (trace context included)
 * @param priority the message's priority (AMQP {@code priority}, 0..255), or null when it has none
 * @param expiration the per-message time to live it was first published with (AMQP {@code
 *     expiration}; on a retried or replayed copy, {@link MessageHeaders#ORIGINAL_EXPIRATION}), or
 *     null when it has none
 */
public record ReceivedMessage<T>(
    T body,
    String messageId,
    String correlationId,
    String replyTo,
    String type,
    String contentType,
    Instant timestamp,
    String routingKey,
    int attempt,
    boolean redelivered,
    Map<String, String> headers,
    Integer priority,
    Duration expiration) {

  public ReceivedMessage {
    headers = Map.copyOf(headers);
  }

  /** A received message without a priority or an expiration (as before they were carried). */
  public ReceivedMessage(
      T body,
      String messageId,
      String correlationId,
      String replyTo,
      String type,
      String contentType,
      Instant timestamp,
      String routingKey,
      int attempt,
      boolean redelivered,
      Map<String, String> headers) {
    this(
        body,
        messageId,
        correlationId,
        replyTo,
        type,
        contentType,
        timestamp,
        routingKey,
        attempt,
        redelivered,
        headers,
        null,
        null);
  }

  /** A received message without a content type (as before the content type was carried). */
  public ReceivedMessage(
      T body,
      String messageId,
      String correlationId,
      String replyTo,
      String type,
      Instant timestamp,
      String routingKey,
      int attempt,
      boolean redelivered,
      Map<String, String> headers) {
    this(
        body,
        messageId,
        correlationId,
        replyTo,
        type,
        null,
        timestamp,
        routingKey,
        attempt,
        redelivered,
        headers,
        null,
        null);
  }

  /** The W3C trace context headers present ({@code traceparent}, {@code tracestate}, ...). */
  public Map<String, String> traceContext() {
    Map<String, String> trace = new LinkedHashMap<>();
    for (String name :
        new String[] {
          MessageHeaders.TRACEPARENT, MessageHeaders.TRACESTATE, MessageHeaders.BAGGAGE
        }) {
      String value = headers.get(name);
      if (value != null) {
        trace.put(name, value);
      }
    }
    return trace;
  }
}

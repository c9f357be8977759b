package dev.cairn.amqp;

import java.time.Instant;
import java.util.Map;

/**
 * A message looked at in a queue without taking it ({@link Messaging#peek}), typically a parked one
 * in a dead-letter queue. Immutable (the body array is the caller's to keep).
 *
 * @param messageId the {@code message-id} property, or null
 * @param type the {@code type} property, or null
 * @param contentType the {@code content-type} property, or null
 * @param timestamp when it was first published, or null
 * @param headers application headers, values as strings (for a parked message: {@code
 *     x-cairn-attempts}, {@code x-cairn-failure-reason}, {@code x-cairn-original-*}, and {@code
 *     x-cairn-replays} once replayed)
 * @param body the raw body
 */
public record ParkedMessage(
    String messageId,
    String type,
    String contentType,
    Instant timestamp,
    Map<String, String> headers,
    byte[] body) {

  public ParkedMessage {
    headers = Map.copyOf(headers);
  }
}

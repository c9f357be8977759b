package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import dev.cairn.amqp.internal.ConfirmingPublisher;
import dev.cairn.amqp.internal.Properties;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to a {@link Topic} with publisher confirms and mandatory routing. Obtained from {@link
 * Messaging#publisher(Topic)}; owns one channel; close it when done.
 *
 * <p>Each publish returns a future that completes when the broker has taken responsibility for the
 * message (confirmed it), and fails with a {@link dev.cairn.common.CairnException} otherwise:
 * {@code NOT_FOUND} when no queue is bound for the routing key, {@code INVALID_ARGUMENT} when the
 * body exceeds the size limit (or a property is longer than an AMQP short string, 255 bytes in
 * UTF-8), {@code UNAVAILABLE} when it was not confirmed within the publish timeout (the broker was
 * unreachable; the message may or may not have reached it).
 *
 * <p>Thread-safe. A publish call blocks while the in-flight window is full (back-pressure), at most
 * the publish timeout; it does not block on the broker otherwise. Messages published while the
 * connection is recovering are held and sent once it is back.
 */
public final class Publisher<T> implements AutoCloseable {

  private final Topic<T> topic;
  private final ConfirmingPublisher publisher;
  private final Properties properties;

  Publisher(Topic<T> topic, ConfirmingPublisher publisher, Properties properties) {
    this.topic = topic;
    this.publisher = publisher;
    this.properties = properties;
  }

  /** Publishes a body with the routing key; see the class comment for the future's outcomes. */
  public CompletableFuture<Void> publish(String routingKey, T body) {
    return publish(routingKey, OutgoingMessage.of(body));
  }

  /** Publishes a message with the properties it names. */
  public CompletableFuture<Void> publish(String routingKey, OutgoingMessage<T> message) {
    Checks.bindingKey("routingKey", routingKey);
    requireNonNull(message, "message");
    Properties.Outgoing out = properties.outgoing(topic.codec(), message, null, null, Map.of());
    return publisher.publish(topic.name(), routingKey, true, out.props(), out.body());
  }

  /** Messages published and not yet confirmed (including those held during recovery). */
  public int inFlight() {
    return publisher.inFlight();
  }

  public Topic<T> topic() {
    return topic;
  }

  /**
   * Stops taking messages, waits up to 5 s for the broker to confirm those sent, then closes the
   * channel; messages still unconfirmed (or held during recovery) fail with {@code UNAVAILABLE}.
   */
  @Override
  public void close() {
    publisher.close();
  }
}

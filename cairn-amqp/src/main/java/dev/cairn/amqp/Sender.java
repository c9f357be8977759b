package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.ConfirmingPublisher;
import dev.cairn.amqp.internal.Properties;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends to a {@link WorkQueue} (through the default exchange) with publisher confirms. Obtained
 * from {@link Messaging#sender(WorkQueue)}; owns one channel; close it when done. Outcomes,
 * threading and back-pressure are those of {@link Publisher}.
 */
public final class Sender<T> implements AutoCloseable {

  private final WorkQueue<T> queue;
  private final ConfirmingPublisher publisher;
  private final Properties properties;

  Sender(WorkQueue<T> queue, ConfirmingPublisher publisher, Properties properties) {
    this.queue = queue;
    this.publisher = publisher;
    this.properties = properties;
  }

  /** Sends a body; the future completes when the broker confirms it. */
  public CompletableFuture<Void> send(T body) {
    return send(OutgoingMessage.of(body));
  }

  /** Sends a message with the properties it names. */
  public CompletableFuture<Void> send(OutgoingMessage<T> message) {
    requireNonNull(message, "message");
    Properties.Outgoing out = properties.outgoing(queue.codec(), message, null, null, Map.of());
    return publisher.publish("", queue.name(), true, out.props(), out.body());
  }

  /** Messages sent and not yet confirmed (including those held during recovery). */
  public int inFlight() {
    return publisher.inFlight();
  }

  public WorkQueue<T> queue() {
    return queue;
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

package dev.cairn.amqp;

import dev.cairn.amqp.internal.QueueConsumer;

/**
 * A running consumer of a {@link WorkQueue} or a request/reply responder. Obtained from {@link
 * Messaging}; close it to stop consuming (unacknowledged messages go back to the queue).
 * Thread-safe.
 */
public final class Consumer implements AutoCloseable {

  private final String queue;
  private final AutoCloseable delegate;

  Consumer(String queue, QueueConsumer<?> delegate) {
    this.queue = queue;
    this.delegate = delegate;
  }

  /** The queue consumed. */
  public String queue() {
    return queue;
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing consumer of " + queue, e);
    }
  }
}

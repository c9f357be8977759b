package dev.cairn.amqp;

/**
 * Handles one message. Returning normally acknowledges it; throwing sends it to the next retry
 * tier, or after the last attempt to the dead-letter queue, with the exception as the reason.
 *
 * <p>Called from the consumer's dispatch threads: sequentially per channel, concurrently across the
 * channels of one consumer ({@link ConsumerOptions#concurrency()}). A message may be delivered more
 * than once (at-least-once); wrap the handler in an {@link IdempotentHandler} when its effect must
 * happen once.
 */
@FunctionalInterface
public interface MessageHandler<T> {

  /** Handles the message; throws to have it retried. */
  void handle(ReceivedMessage<T> message) throws Exception;
}

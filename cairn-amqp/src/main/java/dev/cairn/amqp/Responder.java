package dev.cairn.amqp;

/**
 * Answers requests sent to an {@link RpcEndpoint}. Throwing sends an error reply: the requester's
 * future fails with {@link dev.cairn.common.ErrorCode#INTERNAL} and the exception's message.
 *
 * <p>Called from the consumer's dispatch threads, like a {@link MessageHandler}.
 */
@FunctionalInterface
public interface Responder<Q, R> {

  /** The reply to the request. */
  R respond(ReceivedMessage<Q> request) throws Exception;
}

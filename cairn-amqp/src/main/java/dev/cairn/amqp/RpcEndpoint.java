package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;

/**
 * A request/reply endpoint: the queue its responders consume and the codecs of requests and
 * replies. Immutable and thread-safe.
 */
public final class RpcEndpoint<Q, R> {

  private final String name;
  private final MessageCodec<Q> requestCodec;
  private final MessageCodec<R> replyCodec;

  private RpcEndpoint(String name, MessageCodec<Q> requestCodec, MessageCodec<R> replyCodec) {
    this.name = Checks.name("name", name);
    this.requestCodec = requireNonNull(requestCodec, "requestCodec");
    this.replyCodec = requireNonNull(replyCodec, "replyCodec");
  }

  public static <Q, R> RpcEndpoint<Q, R> of(
      String name, MessageCodec<Q> requestCodec, MessageCodec<R> replyCodec) {
    return new RpcEndpoint<>(name, requestCodec, replyCodec);
  }

  /** An endpoint with JSON requests and replies. */
  public static <Q, R> RpcEndpoint<Q, R> json(String name, Class<Q> request, Class<R> reply) {
    return new RpcEndpoint<>(name, MessageCodec.json(request), MessageCodec.json(reply));
  }

  /** The request queue's name. */
  public String name() {
    return name;
  }

  public MessageCodec<Q> requestCodec() {
    return requestCodec;
  }

  public MessageCodec<R> replyCodec() {
    return replyCodec;
  }

  @Override
  public String toString() {
    return "RpcEndpoint(" + name + ")";
  }
}

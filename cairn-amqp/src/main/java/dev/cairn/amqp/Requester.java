package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import dev.cairn.amqp.internal.ConfirmingPublisher;
import dev.cairn.amqp.internal.Properties;
import dev.cairn.amqp.internal.ReplyInbox;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends requests to an {@link RpcEndpoint} and completes each with its reply. Obtained from {@link
 * Messaging#requester(RpcEndpoint)}; owns a publishing channel and an exclusive reply queue; close
 * it when done.
 *
 * <p>Each request carries a correlation id, the reply queue and its deadline (also as the message
 * expiration, so a request nobody took in time is dropped by the broker). The future completes with
 * the reply, or fails with a {@link dev.cairn.common.CairnException}: {@code DEADLINE_EXCEEDED} at
 * the deadline (no responder, or too slow), {@code INTERNAL} when the responder failed, or the
 * publish errors of {@link Publisher}. A reply arriving after its deadline is dropped and counted
 * ({@link #lateReplies()}); nothing is kept for it.
 *
 * <p>Thread-safe.
 */
public final class Requester<Q, R> implements AutoCloseable {

  /** Longest deadline a request may have. */
  public static final Duration MAX_DEADLINE = Duration.ofHours(1);

  private final RpcEndpoint<Q, R> endpoint;
  private final ConfirmingPublisher publisher;
  private final Properties properties;
  private final ReplyInbox<R> inbox;

  Requester(
      RpcEndpoint<Q, R> endpoint,
      ConfirmingPublisher publisher,
      Properties properties,
      ReplyInbox<R> inbox) {
    this.endpoint = endpoint;
    this.publisher = publisher;
    this.properties = properties;
    this.inbox = inbox;
  }

  /** Sends a request; the future completes with the reply or fails by the deadline. */
  public CompletableFuture<R> request(Q body, Duration deadline) {
    return request(OutgoingMessage.of(body), deadline);
  }

  /**
   * Sends a request with the properties it names (its correlation id is replaced by a fresh one).
   *
   * @param deadline how long to wait for the reply, 1 ms..1 h
   */
  public CompletableFuture<R> request(OutgoingMessage<Q> message, Duration deadline) {
    requireNonNull(message, "message");
    Checks.positive("deadline", deadline);
    if (deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException(
          "deadline: " + deadline + " (expected: at most " + MAX_DEADLINE + ")");
    }
    ReplyInbox.Call<R> call = inbox.open(deadline);
    OutgoingMessage.Builder<Q> b =
        OutgoingMessage.builder(message.body()).correlationId(call.correlationId());
    if (message.messageId() != null) {
      b.messageId(message.messageId());
    }
    message.headers().forEach(b::header);
    Properties.Outgoing out =
        properties.outgoing(
            endpoint.requestCodec(),
            b.build(),
            inbox.replyQueue(),
            deadline.toMillis(),
            Map.of(MessageHeaders.DEADLINE, call.deadlineEpochMillis()));
    publisher
        .publish("", endpoint.name(), true, out.props(), out.body())
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                call.fail(e);
              }
            });
    return call.future();
  }

  /** Requests waiting for their reply. */
  public int pending() {
    return inbox.pending();
  }

  /** Replies that arrived after their request's deadline (or for unknown ids) and were dropped. */
  public long lateReplies() {
    return inbox.lateReplies();
  }

  public RpcEndpoint<Q, R> endpoint() {
    return endpoint;
  }

  /** Fails pending requests, deletes the reply queue and closes the channels. */
  @Override
  public void close() {
    inbox.close();
    publisher.close();
  }
}

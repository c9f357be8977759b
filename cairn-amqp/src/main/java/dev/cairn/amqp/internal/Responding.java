package dev.cairn.amqp.internal;

import dev.cairn.amqp.MessageHandler;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.OutgoingMessage;
import dev.cairn.amqp.ReceivedMessage;
import dev.cairn.amqp.Responder;
import dev.cairn.amqp.RpcEndpoint;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler behind a responder: skips requests past their deadline, decodes the request, calls
 * the responder and publishes its reply (or an error reply) to the request's reply queue with the
 * request's correlation id and trace context.
 */
public final class Responding<Q, R> implements MessageHandler<byte[]> {

  private static final Logger log = LoggerFactory.getLogger(Responding.class);

  private final RpcEndpoint<Q, R> endpoint;
  private final Responder<Q, R> responder;
  private final ConfirmingPublisher replies;
  private final Properties properties;
  private final Clock clock;

  public Responding(
      RpcEndpoint<Q, R> endpoint,
      Responder<Q, R> responder,
      ConfirmingPublisher replies,
      Properties properties,
      Clock clock) {
    this.endpoint = endpoint;
    this.responder = responder;
    this.replies = replies;
    this.properties = properties;
    this.clock = clock;
  }

  @Override
  public void handle(ReceivedMessage<byte[]> raw) {
    String replyTo = raw.replyTo();
    String deadline = raw.headers().get(MessageHeaders.DEADLINE);
    if (deadline != null && parseOr(deadline, Long.MAX_VALUE) <= clock.millis()) {
      log.debug("dropping request {} to '{}': past its deadline", raw.messageId(), endpoint.name());
      return;
    }
    R reply = null;
    String error = null;
    try {
      Q request = endpoint.requestCodec().decode(raw.body());
      reply =
          responder.respond(
              new ReceivedMessage<>(
                  request,
                  raw.messageId(),
                  raw.correlationId(),
                  raw.replyTo(),
                  raw.type(),
                  raw.timestamp(),
                  raw.routingKey(),
                  raw.attempt(),
                  raw.redelivered(),
                  raw.headers()));
      if (reply == null) {
        error = "java.lang.NullPointerException: the responder returned null";
      }
    } catch (Exception e) {
      error = QueueConsumer.describe(e);
    }
    if (replyTo == null || raw.correlationId() == null) {
      log.warn("request {} to '{}' has no reply-to or correlation id", raw.messageId(), endpoint);
      return;
    }
    Properties.Outgoing out;
    if (error == null) {
      out =
          properties.outgoing(
              endpoint.replyCodec(),
              OutgoingMessage.builder(reply)
                  .correlationId(raw.correlationId())
                  .traceContext(raw.traceContext())
                  .build(),
              null,
              null,
              Map.of());
    } else {
      out =
          properties.outgoing(
              dev.cairn.amqp.MessageCodec.bytes(),
              OutgoingMessage.builder(new byte[0])
                  .correlationId(raw.correlationId())
                  .traceContext(raw.traceContext())
                  .build(),
              null,
              null,
              Map.of(MessageHeaders.ERROR, error));
    }
    replies
        .publish("", replyTo, false, out.props(), out.body())
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                log.warn("reply to {} lost: {}", replyTo, e.toString());
              }
            });
  }

  private static long parseOr(String value, long fallback) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}

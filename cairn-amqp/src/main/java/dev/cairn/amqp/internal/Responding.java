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
 * The handler behind a responder: skips requests past their deadline, checks the request's type and
 * content type against the request codec, decodes the request, calls the responder and publishes
 * its reply (or an error reply: empty body, {@code x-cairn-error}) to the request's reply queue
 * with the request's correlation id and trace context.
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
    if (deadline != null && deadlineMillis(deadline) <= clock.millis()) {
      log.debug("dropping request {} to '{}': past its deadline", raw.messageId(), endpoint.name());
      return;
    }
    R reply = null;
    String error = Codecs.unread(endpoint.requestCodec(), raw.type(), raw.contentType());
    try {
      if (error == null) {
        Q request = endpoint.requestCodec().decode(raw.body());
        reply =
            responder.respond(
                new ReceivedMessage<>(
                    request,
                    raw.messageId(),
                    raw.correlationId(),
                    raw.replyTo(),
                    raw.type(),
                    raw.contentType(),
                    raw.timestamp(),
                    raw.routingKey(),
                    raw.attempt(),
                    raw.redelivered(),
                    raw.headers(),
                    raw.priority(),
                    raw.expiration()));
        if (reply == null) {
          error = "java.lang.NullPointerException: the responder returned null";
        }
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

  /**
   * A request's deadline in epoch milliseconds from its header: an AMQP integer of any width (as
   * Java, pika and amqplib send it) or a string of digits; a floating-point number is truncated. A
   * value that is none of these is no deadline (logged), rather than a reason to drop the request.
   */
  private long deadlineMillis(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException notAnInteger) {
      try {
        double d = Double.parseDouble(value.strip());
        if (Double.isFinite(d)) {
          return (long) d;
        }
      } catch (NumberFormatException notANumber) {
        // below
      }
    }
    log.debug(
        "request to '{}' has an unreadable {}: '{}'", endpoint, MessageHeaders.DEADLINE, value);
    return Long.MAX_VALUE;
  }
}

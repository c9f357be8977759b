package dev.cairn.amqp;

/**
 * The AMQP header names Cairn reads and writes, beside the standard properties ({@code message-id},
 * {@code correlation-id}, {@code type}, {@code timestamp}, {@code content-type}, {@code reply-to}).
 */
public final class MessageHeaders {

  /** W3C trace context: {@code 00-<trace-id>-<span-id>-<flags>}. */
  public static final String TRACEPARENT = "traceparent";

  /** W3C trace context vendor state. */
  public static final String TRACESTATE = "tracestate";

  /** W3C baggage. */
  public static final String BAGGAGE = "baggage";

  /** The delivery attempt this copy of the message is for (1 = first); set on retries. */
  public static final String ATTEMPT = "x-cairn-attempt";

  /** Why the previous attempt failed (exception class and message); set on retries. */
  public static final String LAST_FAILURE = "x-cairn-last-failure";

  /** On a parked message: attempts made before it was parked. */
  public static final String ATTEMPTS = "x-cairn-attempts";

  /** On a parked message: why it was parked (the last failure, or why it could not be decoded). */
  public static final String FAILURE_REASON = "x-cairn-failure-reason";

  /**
   * On a retried or parked message: the exchange it was first published to ("" = the default
   * exchange).
   */
  public static final String ORIGINAL_EXCHANGE = "x-cairn-original-exchange";

  /** On a retried or parked message: the routing key it was first published with. */
  public static final String ORIGINAL_ROUTING_KEY = "x-cairn-original-routing-key";

  /**
   * On a retried or parked copy of a message published with an {@code expiration}: that expiration
   * (milliseconds, as it was), which the copy does not carry (decision 0216).
   */
  public static final String ORIGINAL_EXPIRATION = "x-cairn-original-expiration";

  /**
   * On a retried or parked copy of a message published with a {@code user-id} other than the
   * consuming connection's user: that user id, which the broker would refuse on the copy (decision
   * 0216).
   */
  public static final String ORIGINAL_USER_ID = "x-cairn-original-user-id";

  /** On a replayed message: how many times it was moved back from a dead-letter queue. */
  public static final String REPLAYS = "x-cairn-replays";

  /** On a request: the requester's deadline, epoch milliseconds; responders skip later ones. */
  public static final String DEADLINE = "x-cairn-deadline";

  /** On a reply: the responder's failure; the requester's future fails with it. */
  public static final String ERROR = "x-cairn-error";

  private MessageHeaders() {}
}

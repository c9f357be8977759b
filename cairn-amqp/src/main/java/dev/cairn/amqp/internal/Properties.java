package dev.cairn.amqp.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import dev.cairn.amqp.MessageCodec;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.OutgoingMessage;
import dev.cairn.amqp.ReceivedMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/** Builds the AMQP properties of outgoing messages and reads those of received ones. */
public final class Properties {

  /** The header a quorum queue counts unacknowledged deliveries in. */
  static final String DELIVERY_COUNT = "x-delivery-count";

  private final Clock clock;
  private final Supplier<Map<String, String>> traceContext;

  public Properties(Clock clock, Supplier<Map<String, String>> traceContext) {
    this.clock = clock;
    this.traceContext = traceContext;
  }

  /** An outgoing message's properties and encoded body. */
  public record Outgoing(AMQP.BasicProperties props, byte[] body) {}

  /**
   * Encodes a message and fills in its id, type, timestamp and trace context.
   *
   * @param expirationMillis a request's time to its deadline, or null; the message's own expiration
   *     is kept when it is sooner
   * @param extraHeaders Cairn's own headers to add (e.g. a request's deadline)
   */
  public <T> Outgoing outgoing(
      MessageCodec<T> codec,
      OutgoingMessage<T> message,
      String replyTo,
      Long expirationMillis,
      Map<String, Object> extraHeaders) {
    byte[] body = codec.encode(message.body());
    Map<String, Object> headers = new HashMap<>();
    if (!message.headers().containsKey(MessageHeaders.TRACEPARENT)) {
      Map<String, String> trace = traceContext.get();
      if (trace != null) {
        headers.putAll(trace);
      }
    }
    headers.putAll(message.headers());
    headers.putAll(extraHeaders);
    AMQP.BasicProperties.Builder b =
        new AMQP.BasicProperties.Builder()
            .contentType(codec.contentType())
            .type(codec.typeName())
            .deliveryMode(2)
            .messageId(
                message.messageId() != null ? message.messageId() : UUID.randomUUID().toString())
            .timestamp(Date.from(clock.instant()))
            .headers(headers.isEmpty() ? null : headers);
    if (message.correlationId() != null) {
      b.correlationId(message.correlationId());
    }
    if (replyTo != null) {
      b.replyTo(replyTo);
    }
    if (message.priority() != null) {
      b.priority(message.priority());
    }
    Long expiration = message.expiration() == null ? null : message.expiration().toMillis();
    if (expirationMillis != null) {
      // A request's deadline: the sooner of it and the caller's own expiration.
      long deadline = Math.max(1, expirationMillis);
      expiration = expiration == null ? deadline : Math.min(expiration, deadline);
    }
    if (expiration != null) {
      b.expiration(Long.toString(expiration));
    }
    return new Outgoing(b.build(), body);
  }

  /**
   * A copy of a received message with changed headers (for retry tiers and parking), keeping every
   * property but two (decision 0216): the {@code expiration} moves to {@link
   * MessageHeaders#ORIGINAL_EXPIRATION} (a retry waits for its tier's delay; a parked message must
   * not expire out of the dead-letter queue), and a {@code user-id} other than {@code user} (the
   * publishing connection's, which the broker checks it against) moves to {@link
   * MessageHeaders#ORIGINAL_USER_ID}. A message without a message id gets its {@linkplain
   * #messageId derived one}, so every copy carries the id its handler saw; the broker's delivery
   * count is left behind (the copy is a new message).
   */
  public static Outgoing copy(
      AMQP.BasicProperties props, byte[] body, Map<String, Object> changedHeaders, String user) {
    Map<String, Object> headers = new HashMap<>();
    if (props.getHeaders() != null) {
      headers.putAll(props.getHeaders());
    }
    headers.remove(DELIVERY_COUNT);
    headers.putAll(changedHeaders);
    AMQP.BasicProperties.Builder copy =
        props.builder().expiration(null).messageId(messageId(props, body));
    if (props.getExpiration() != null) {
      headers.put(MessageHeaders.ORIGINAL_EXPIRATION, props.getExpiration());
    }
    if (props.getUserId() != null && !props.getUserId().equals(user)) {
      headers.put(MessageHeaders.ORIGINAL_USER_ID, props.getUserId());
      copy.userId(null);
    }
    return new Outgoing(copy.headers(headers).build(), body);
  }

  /**
   * The message's id: its {@code message-id} property, or, for a message published without one (by
   * a plain AMQP client), {@code "sha256:"} and the first 32 hex digits of a SHA-256 over its body,
   * content type, type, correlation id, timestamp and application headers (those the broker and
   * Cairn add on the way excepted). Redeliveries and retries of one message share that id; two
   * messages alike in all of these share it too.
   */
  public static String messageId(AMQP.BasicProperties props, byte[] body) {
    if (props.getMessageId() != null) {
      return props.getMessageId();
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    field(sha, props.getContentType());
    field(sha, props.getType());
    field(sha, props.getCorrelationId());
    field(sha, props.getTimestamp() == null ? null : Long.toString(props.getTimestamp().getTime()));
    if (props.getHeaders() != null) {
      new TreeMap<>(props.getHeaders())
          .forEach(
              (k, v) -> {
                if (!addedOnTheWay(k)) {
                  field(sha, k);
                  field(sha, v == null ? "" : stringOf(v));
                }
              });
    }
    sha.update(body);
    return "sha256:" + HexFormat.of().formatHex(sha.digest(), 0, 16);
  }

  private static boolean addedOnTheWay(String header) {
    return header.startsWith("x-cairn-")
        || header.equals(DELIVERY_COUNT)
        || header.equals("x-death")
        || header.startsWith("x-first-death-")
        || header.startsWith("x-last-death-");
  }

  private static void field(MessageDigest sha, String value) {
    if (value == null) {
      sha.update((byte) 0);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    sha.update((byte) 1);
    sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    sha.update(bytes);
  }

  /**
   * How many times a quorum queue delivered the message before without an acknowledgement ({@code
   * x-delivery-count}), or 0 (first delivery, or a classic queue, which does not count).
   */
  public static long deliveryCount(AMQP.BasicProperties props) {
    Object v = props.getHeaders() == null ? null : props.getHeaders().get(DELIVERY_COUNT);
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** The received message's properties around its decoded body. */
  public static <T> ReceivedMessage<T> received(
      T body, String messageId, Envelope envelope, AMQP.BasicProperties props) {
    Map<String, String> headers = headers(props);
    Date ts = props.getTimestamp();
    return new ReceivedMessage<>(
        body,
        messageId,
        props.getCorrelationId(),
        props.getReplyTo(),
        props.getType(),
        props.getContentType(),
        ts == null ? null : Instant.ofEpochMilli(ts.getTime()),
        originalRoutingKey(envelope, props),
        attempt(props),
        envelope.isRedeliver(),
        headers,
        props.getPriority(),
        expiration(props));
  }

  /**
   * The expiration the message was first published with: {@link MessageHeaders#ORIGINAL_EXPIRATION}
   * on a retried or replayed copy (which travels without one), else its {@code expiration}
   * property; null when it has none or it is no whole number of milliseconds (which a broker would
   * not have taken).
   */
  static Duration expiration(AMQP.BasicProperties props) {
    String original = header(props, MessageHeaders.ORIGINAL_EXPIRATION);
    String value = original != null ? original : props.getExpiration();
    if (value == null) {
      return null;
    }
    try {
      long millis = Long.parseLong(value.trim());
      return millis < 0 ? null : Duration.ofMillis(millis);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The exchange the message was first published to: {@link MessageHeaders#ORIGINAL_EXCHANGE} on a
   * retried or replayed copy (which travels through the default exchange), else the envelope's.
   */
  public static String originalExchange(Envelope envelope, AMQP.BasicProperties props) {
    String original = header(props, MessageHeaders.ORIGINAL_EXCHANGE);
    return original != null ? original : envelope.getExchange();
  }

  /**
   * The routing key the message was first published with: {@link
   * MessageHeaders#ORIGINAL_ROUTING_KEY} on a retried or replayed copy (sent to its queue by name),
   * else the envelope's.
   */
  public static String originalRoutingKey(Envelope envelope, AMQP.BasicProperties props) {
    String original = header(props, MessageHeaders.ORIGINAL_ROUTING_KEY);
    return original != null ? original : envelope.getRoutingKey();
  }

  /** The attempt a received message is for, from {@link MessageHeaders#ATTEMPT} (default 1). */
  public static int attempt(AMQP.BasicProperties props) {
    Object v = props.getHeaders() == null ? null : props.getHeaders().get(MessageHeaders.ATTEMPT);
    return v instanceof Number n ? Math.max(1, n.intValue()) : 1;
  }

  /** A header's value as a string, or null. */
  public static String header(AMQP.BasicProperties props, String name) {
    Object v = props.getHeaders() == null ? null : props.getHeaders().get(name);
    return v == null ? null : stringOf(v);
  }

  private static Map<String, String> headers(AMQP.BasicProperties props) {
    if (props.getHeaders() == null || props.getHeaders().isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    props.getHeaders().forEach((k, v) -> out.put(k, v == null ? "" : stringOf(v)));
    return out;
  }

  private static String stringOf(Object v) {
    if (v instanceof LongString || v instanceof String || v instanceof Number) {
      return v.toString();
    }
    if (v instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (v instanceof List<?> list) {
      return list.toString();
    }
    return String.valueOf(v);
  }
}

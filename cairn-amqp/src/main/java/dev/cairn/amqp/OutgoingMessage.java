package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A body with the properties its publisher chooses; anything left unset is filled in when it is
 * published (a random message id, the codec's type, the current time and trace context) or left out
 * (correlation id, priority, expiration).
 *
 * <p>Immutable once built; built with {@link #builder(Object)}.
 */
public final class OutgoingMessage<T> {

  private final T body;
  private final String messageId;
  private final String correlationId;
  private final Integer priority;
  private final Duration expiration;
  private final Map<String, String> headers;

  private OutgoingMessage(Builder<T> b) {
    this.body = b.body;
    this.messageId = b.messageId;
    this.correlationId = b.correlationId;
    this.priority = b.priority;
    this.expiration = b.expiration;
    this.headers = Map.copyOf(b.headers);
  }

  public static <T> OutgoingMessage<T> of(T body) {
    return builder(body).build();
  }

  public static <T> Builder<T> builder(T body) {
    return new Builder<>(body);
  }

  public T body() {
    return body;
  }

  /** The message id, or null for a random one. */
  public String messageId() {
    return messageId;
  }

  /** The correlation id, or null for none. */
  public String correlationId() {
    return correlationId;
  }

  /** The AMQP priority (0..255), or null for none. */
  public Integer priority() {
    return priority;
  }

  /** The per-message time to live (AMQP {@code expiration}), or null for none. */
  public Duration expiration() {
    return expiration;
  }

  /** Application headers, including trace context headers when the caller set them. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Builds an {@link OutgoingMessage}; not thread-safe. */
  public static final class Builder<T> {
    private final T body;
    private String messageId;
    private String correlationId;
    private Integer priority;
    private Duration expiration;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Builder(T body) {
      this.body = requireNonNull(body, "body");
    }

    /**
     * The message id consumers deduplicate by (1..255 bytes in UTF-8, an AMQP short string);
     * default a random UUID.
     */
    public Builder<T> messageId(String messageId) {
      this.messageId = Checks.shortString("messageId", messageId, false);
      return this;
    }

    /** The correlation id (at most 255 bytes in UTF-8, an AMQP short string). */
    public Builder<T> correlationId(String correlationId) {
      this.correlationId = Checks.shortString("correlationId", correlationId, true);
      return this;
    }

    /**
     * The message's priority, AMQP {@code priority}: 0..255 (an AMQP octet); default none. Only a
     * queue declared with {@code x-max-priority} orders by it (and caps it at that maximum, which
     * RabbitMQ allows up to 255, recommending at most 10); other queues keep it as a property.
     */
    public Builder<T> priority(int priority) {
      this.priority = Checks.range("priority", priority, 0, 255);
      return this;
    }

    /**
     * The message's time to live, AMQP {@code expiration} (sent as a whole number of milliseconds
     * in a string): a message still in a queue after it is expired, or dead-lettered if the queue
     * has a dead-letter exchange; 0 expires it unless a consumer takes it at once. Whole
     * milliseconds from 0 to 3,650 days (RabbitMQ's limit); default none (the queue's TTL, if any,
     * applies). The broker expires messages at the head of a queue only. Retry and parking copies
     * do not carry it (see the messaging guide).
     */
    public Builder<T> expiration(Duration expiration) {
      this.expiration = Checks.expiration("expiration", expiration);
      return this;
    }

    /**
     * An application header; names (1..255 bytes in UTF-8) starting with {@code x-cairn-} are
     * reserved.
     */
    public Builder<T> header(String name, String value) {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
      if (name.isEmpty() || name.startsWith("x-cairn-")) {
        throw new IllegalArgumentException(
            "name: \"" + name + "\" (expected: non-empty, not starting with \"x-cairn-\")");
      }
      Checks.shortString("name", name, false);
      headers.put(name, value);
      return this;
    }

    /**
     * Trace context to carry ({@code traceparent}, {@code tracestate}, {@code baggage}), e.g. a
     * received message's {@link ReceivedMessage#traceContext()}; overrides the messaging instance's
     * trace context supplier.
     */
    public Builder<T> traceContext(Map<String, String> traceContext) {
      requireNonNull(traceContext, "traceContext").forEach(this::header);
      return this;
    }

    public OutgoingMessage<T> build() {
      return new OutgoingMessage<>(this);
    }
  }
}

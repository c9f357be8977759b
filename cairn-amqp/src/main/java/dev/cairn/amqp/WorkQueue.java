package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * A durable queue of messages of one type, with its retry tiers and its dead-letter queue.
 * Consumers of one queue compete for its messages (a worker pool); bound to a {@link Topic}, the
 * queue is one service's subscription to it (each subscribing service has its own queue).
 *
 * <p>On the broker a queue named {@code jobs} comes with {@code jobs.retry.1} .. {@code
 * jobs.retry.N} (one per delay tier) and {@code jobs.dlq} (parked messages). The main queue is
 * declared durable with no argument but {@code x-queue-type} (quorum queues), so plain AMQP clients
 * declaring it durable declare the same queue; a queue that already exists with other properties is
 * used as it is, with a warning.
 *
 * <p>Immutable and thread-safe.
 */
public final class WorkQueue<T> {

  /** One topic binding of a queue. */
  public record Binding(Topic<?> topic, String bindingKey) {}

  private final String name;
  private final MessageCodec<T> codec;
  private final QueueType type;
  private final RetryPolicy retry;
  private final int deliveryLimit;
  private final List<Binding> bindings;

  private WorkQueue(Builder<T> b) {
    this.name = b.name;
    this.codec = b.codec;
    this.type = b.type;
    this.retry = b.retry;
    this.deliveryLimit = b.deliveryLimit == 0 ? Math.max(retry.maxAttempts(), 2) : b.deliveryLimit;
    this.bindings = List.copyOf(b.bindings);
  }

  /** A builder for a queue with the given name and codec. */
  public static <T> Builder<T> builder(String name, MessageCodec<T> codec) {
    return new Builder<>(name, codec);
  }

  /** A classic queue of JSON bodies with the default retry policy and no bindings. */
  public static <T> WorkQueue<T> json(String name, Class<T> type) {
    return builder(name, MessageCodec.json(type)).build();
  }

  public String name() {
    return name;
  }

  public MessageCodec<T> codec() {
    return codec;
  }

  public QueueType type() {
    return type;
  }

  public RetryPolicy retry() {
    return retry;
  }

  /**
   * For {@link QueueType#QUORUM} queues, how many times a message that was never acknowledged (its
   * consumer died or its connection dropped) is redelivered before the consumer parks it unhandled
   * in the dead-letter queue (the broker counts deliveries in {@code x-delivery-count}).
   */
  public int deliveryLimit() {
    return deliveryLimit;
  }

  public List<Binding> bindings() {
    return bindings;
  }

  /** The name of the queue holding messages for retry tier {@code tier} (0-based). */
  public String retryQueueName(int tier) {
    return name + ".retry." + (tier + 1);
  }

  /** The name of the dead-letter queue where parked messages wait for an operator. */
  public String deadLetterQueueName() {
    return name + ".dlq";
  }

  @Override
  public String toString() {
    return "WorkQueue(" + name + ", " + type + ", " + retry + ")";
  }

  /** Builds a {@link WorkQueue}; not thread-safe. */
  public static final class Builder<T> {
    private final String name;
    private final MessageCodec<T> codec;
    private QueueType type = QueueType.CLASSIC;
    private RetryPolicy retry = RetryPolicy.defaults();
    private int deliveryLimit;
    private final List<Binding> bindings = new ArrayList<>();

    private Builder(String name, MessageCodec<T> codec) {
      this.name = Checks.name("name", name);
      this.codec = requireNonNull(codec, "codec");
    }

    /** The main queue's type; default {@link QueueType#CLASSIC}. */
    public Builder<T> type(QueueType type) {
      this.type = requireNonNull(type, "type");
      return this;
    }

    /** Retry tiers and attempts; default {@link RetryPolicy#defaults()}. */
    public Builder<T> retry(RetryPolicy retry) {
      this.retry = requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Quorum queues only: redeliveries of one unacknowledged message before the consumer parks it
     * (1..1000); default {@code max(maxAttempts, 2)}.
     */
    public Builder<T> deliveryLimit(int deliveryLimit) {
      this.deliveryLimit = Checks.range("deliveryLimit", deliveryLimit, 1, 1000);
      return this;
    }

    /** Binds the queue to a topic with a binding key ({@code *} one word, {@code #} any). */
    public Builder<T> bind(Topic<? extends T> topic, String bindingKey) {
      requireNonNull(topic, "topic");
      bindings.add(new Binding(topic, Checks.bindingKey("bindingKey", bindingKey)));
      return this;
    }

    public WorkQueue<T> build() {
      return new WorkQueue<>(this);
    }
  }
}

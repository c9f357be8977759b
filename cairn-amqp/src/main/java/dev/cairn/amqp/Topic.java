package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;

/**
 * A durable topic exchange carrying messages of one type. Publishers name a routing key per message
 * ({@code order.created.eu}); each subscribing service binds its own {@link WorkQueue} with a
 * binding key ({@code order.created.*}, {@code order.#}).
 *
 * <p>Immutable and thread-safe.
 */
public final class Topic<T> {

  private final String name;
  private final MessageCodec<T> codec;

  private Topic(String name, MessageCodec<T> codec) {
    this.name = Checks.name("name", name);
    this.codec = requireNonNull(codec, "codec");
  }

  /** A topic exchange with the given name and codec. */
  public static <T> Topic<T> of(String name, MessageCodec<T> codec) {
    return new Topic<>(name, codec);
  }

  /** A topic exchange carrying JSON bodies of the given class. */
  public static <T> Topic<T> json(String name, Class<T> type) {
    return new Topic<>(name, MessageCodec.json(type));
  }

  /** The exchange name. */
  public String name() {
    return name;
  }

  public MessageCodec<T> codec() {
    return codec;
  }

  @Override
  public String toString() {
    return "Topic(" + name + ")";
  }
}

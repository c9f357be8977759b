package dev.cairn.amqp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import dev.cairn.amqp.internal.Codecs;

/**
 * Turns message bodies into bytes and back, and names their content type and message type.
 *
 * <p>Implementations must be thread-safe. {@link #decode} may throw anything: a message that cannot
 * be decoded goes straight to the dead-letter queue with the exception as its reason.
 */
public interface MessageCodec<T> {

  /** The AMQP {@code content-type} property, e.g. {@code application/json}. */
  String contentType();

  /**
   * The AMQP {@code type} property: the logical message type consumers in any language can switch
   * on, e.g. {@code order.created}. See {@link MessageType}.
   */
  String typeName();

  /** The bytes of a body. */
  byte[] encode(T body);

  /** The body from its bytes; throws when the bytes are not a valid body. */
  T decode(byte[] bytes) throws Exception;

  /**
   * This codec with another {@link #typeName()} (1..255 printable ASCII characters), e.g. {@code
   * MessageCodec.json(OrderCreated.class).withTypeName("order.created")}.
   */
  default MessageCodec<T> withTypeName(String typeName) {
    return Codecs.withTypeName(this, typeName);
  }

  /**
   * JSON through a default Jackson {@link ObjectMapper}; the type name is the class's {@link
   * MessageType} when it has one, else its simple name.
   */
  static <T> MessageCodec<T> json(Class<T> type) {
    return Codecs.json(type, Codecs.defaultMapper());
  }

  /** JSON through the given mapper (the caller must not reconfigure it afterwards). */
  static <T> MessageCodec<T> json(Class<T> type, ObjectMapper mapper) {
    return Codecs.json(type, mapper);
  }

  /**
   * Protocol Buffers binary encoding; the type name is the message's full protobuf name.
   *
   * @param defaultInstance the message type's default instance, e.g. {@code
   *     OrderCreated.getDefaultInstance()}
   */
  static <T extends Message> MessageCodec<T> protobuf(T defaultInstance) {
    return Codecs.protobuf(defaultInstance);
  }

  /** Raw bytes, unchanged ({@code application/octet-stream}). */
  static MessageCodec<byte[]> bytes() {
    return Codecs.bytes();
  }
}

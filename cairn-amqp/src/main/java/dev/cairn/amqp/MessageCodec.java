package dev.cairn.amqp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import dev.cairn.amqp.internal.Codecs;

/**
 * Turns message bodies into bytes and back, and names their content type and message type.
 *
 * <p>Implementations must be thread-safe. {@link #decode} may throw anything: a message that cannot
 * be decoded goes straight to the dead-letter queue with the exception as its reason.
 *
 * <p>A codec also says which received messages it reads at all ({@link #readsType}, {@link
 * #readsContentType}): a consumer parks a message whose {@code type} or {@code content-type} its
 * codec does not read, without decoding it or calling the handler, as it parks an undecodable one.
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
   * Whether this codec reads a received message whose AMQP {@code type} property is {@code type}
   * (null when the sender set none). By default: no type (plain clients often set none), or exactly
   * {@link #typeName()}. {@link #bytes()} reads any type.
   */
  default boolean readsType(String type) {
    return type == null || type.equals(typeName());
  }

  /**
   * Whether this codec reads a received message whose AMQP {@code content-type} property is {@code
   * contentType} (null when the sender set none). By default: none, or the media type of {@link
   * #contentType()} (case and parameters such as {@code charset} aside). {@link #json(Class)} also
   * reads {@code +json} types (e.g. {@code application/vnd.acme+json}), {@link #protobuf} also
   * {@code application/protobuf} and {@code application/vnd.google.protobuf}, {@link #bytes()} any.
   */
  default boolean readsContentType(String contentType) {
    return contentType == null
        || Codecs.mediaType(contentType).equals(Codecs.mediaType(contentType()));
  }

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
   *
   * <p>The default mapper ignores unknown properties and leaves missing ones at their defaults (so
   * producers and consumers can add fields independently), but coerces no scalar: a string where a
   * number or boolean is declared ({@code "cents":"12"}), a number where a string or boolean is
   * declared, or a fraction where an integer is declared ({@code 12.5}, {@code 12.0}) make the body
   * undecodable. An integer where a floating-point number is declared is read.
   */
  static <T> MessageCodec<T> json(Class<T> type) {
    return Codecs.json(type, Codecs.defaultMapper());
  }

  /**
   * JSON through the given mapper (the caller must not reconfigure it afterwards), with its own
   * leniency; the type and content types read are those of {@link #json(Class)}.
   */
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

package dev.cairn.amqp.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.cairn.amqp.MessageCodec;
import dev.cairn.amqp.MessageType;
import java.io.UncheckedIOException;

/** The built-in codecs behind {@link MessageCodec}'s factories. */
public final class Codecs {

  private static final ObjectMapper DEFAULT_MAPPER =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private Codecs() {}

  /** A shared mapper: unknown properties are ignored (older consumers read newer messages). */
  public static ObjectMapper defaultMapper() {
    return DEFAULT_MAPPER;
  }

  public static <T> MessageCodec<T> json(Class<T> type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    MessageType declared = type.getAnnotation(MessageType.class);
    String typeName =
        declared != null
            ? typeName("@MessageType of " + type.getName(), declared.value())
            : type.getSimpleName();
    return new MessageCodec<>() {
      @Override
      public String contentType() {
        return "application/json";
      }

      @Override
      public String typeName() {
        return typeName;
      }

      @Override
      public byte[] encode(T body) {
        try {
          return mapper.writeValueAsBytes(requireNonNull(body, "body"));
        } catch (JsonProcessingException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public T decode(byte[] bytes) throws Exception {
        T value = mapper.readValue(bytes, type);
        if (value == null) {
          throw new IllegalArgumentException("body: null (expected: a JSON " + typeName() + ")");
        }
        return value;
      }
    };
  }

  @SuppressWarnings("unchecked")
  public static <T extends Message> MessageCodec<T> protobuf(T defaultInstance) {
    requireNonNull(defaultInstance, "defaultInstance");
    Parser<T> parser = (Parser<T>) defaultInstance.getParserForType();
    String name = defaultInstance.getDescriptorForType().getFullName();
    return new MessageCodec<>() {
      @Override
      public String contentType() {
        return "application/x-protobuf";
      }

      @Override
      public String typeName() {
        return name;
      }

      @Override
      public byte[] encode(T body) {
        return requireNonNull(body, "body").toByteArray();
      }

      @Override
      public T decode(byte[] bytes) throws Exception {
        return parser.parseFrom(bytes);
      }
    };
  }

  /** The codec with another type name. */
  public static <T> MessageCodec<T> withTypeName(MessageCodec<T> codec, String typeName) {
    requireNonNull(codec, "codec");
    String name = typeName("typeName", typeName);
    return new MessageCodec<>() {
      @Override
      public String contentType() {
        return codec.contentType();
      }

      @Override
      public String typeName() {
        return name;
      }

      @Override
      public byte[] encode(T body) {
        return codec.encode(body);
      }

      @Override
      public T decode(byte[] bytes) throws Exception {
        return codec.decode(bytes);
      }
    };
  }

  /** A type name: 1..255 printable ASCII characters (an AMQP short string). */
  static String typeName(String field, String value) {
    requireNonNull(value, field);
    if (value.isEmpty()
        || value.length() > 255
        || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          field + ": \"" + value + "\" (expected: 1..255 printable ASCII characters, no spaces)");
    }
    return value;
  }

  public static MessageCodec<byte[]> bytes() {
    return BYTES;
  }

  private static final MessageCodec<byte[]> BYTES =
      new MessageCodec<>() {
        @Override
        public String contentType() {
          return "application/octet-stream";
        }

        @Override
        public String typeName() {
          return "bytes";
        }

        @Override
        public byte[] encode(byte[] body) {
          return requireNonNull(body, "body");
        }

        @Override
        public byte[] decode(byte[] bytes) {
          return bytes;
        }
      };
}

package dev.cairn.amqp.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.cairn.amqp.MessageCodec;
import dev.cairn.amqp.MessageType;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;

/** The built-in codecs behind {@link MessageCodec}'s factories. */
public final class Codecs {

  // Unknown properties are ignored and missing ones keep their defaults (producers and consumers
  // add fields independently), but no scalar is coerced into another kind: "12" is not a number,
  // 12 is not a string, 12.5 (or 12.0) is not an integer, 1 is not a boolean, 1 is not an enum.
  private static final ObjectMapper DEFAULT_MAPPER =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .withCoercionConfig(
              LogicalType.Boolean,
              c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
          .build();

  private static final Set<String> PROTOBUF_TYPES =
      Set.of("application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf");

  private Codecs() {}

  /**
   * A shared mapper: unknown properties are ignored (older consumers read newer messages), scalars
   * are not coerced (a string is not a number).
   */
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
      public boolean readsContentType(String contentType) {
        if (contentType == null) {
          return true;
        }
        String media = mediaType(contentType);
        return media.equals("application/json") || media.endsWith("+json");
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
      public boolean readsContentType(String contentType) {
        return contentType == null || PROTOBUF_TYPES.contains(mediaType(contentType));
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
      public boolean readsType(String type) {
        return type == null || type.equals(name);
      }

      @Override
      public boolean readsContentType(String contentType) {
        return codec.readsContentType(contentType);
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
        public boolean readsType(String type) {
          return true;
        }

        @Override
        public boolean readsContentType(String contentType) {
          return true;
        }

        @Override
        public byte[] decode(byte[] bytes) {
          return bytes;
        }
      };

  /**
   * The media type of a content type, lower case, without parameters: {@code "Application/JSON;
   * charset=utf-8"} is {@code "application/json"}.
   */
  public static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String media = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return media.strip().toLowerCase(Locale.ROOT);
  }

  /**
   * Why the codec does not read a received message with these {@code type} and {@code content-type}
   * properties, or null when it does.
   */
  public static String unread(MessageCodec<?> codec, String type, String contentType) {
    if (!codec.readsType(type)) {
      return "unexpected type '" + type + "' (expected: '" + codec.typeName() + "' or none)";
    }
    if (!codec.readsContentType(contentType)) {
      return "unexpected content type '"
          + contentType
          + "' (expected: '"
          + codec.contentType()
          + "' or none)";
    }
    return null;
  }
}

package dev.cairn.compat.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The front doors' one JSON mapper: unknown fields are ignored, as the original servers do. */
public final class Json {

  /** Shared and thread-safe; never reconfigured after this class loads. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Json() {}

  /** {@code value} as UTF-8 JSON. */
  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses {@code body} as a JSON tree.
   *
   * @throws BadRequest when it is not JSON
   */
  public static JsonNode tree(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new BadRequest("Request decode failed: empty body");
      }
      return node;
    } catch (IOException e) {
      throw new BadRequest("Request decode failed: " + e.getMessage());
    }
  }
}

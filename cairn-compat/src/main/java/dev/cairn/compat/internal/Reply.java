package dev.cairn.compat.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer: status, content type, body and extra headers. Immutable once returned. */
public final class Reply {

  private static final byte[] EMPTY = new byte[0];

  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers = new LinkedHashMap<>(2);

  private Reply(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = requireNonNull(body, "body");
  }

  /** A JSON body, encoded with {@link Json}. */
  public static Reply json(int status, Object value) {
    return new Reply(status, "application/json", Json.bytes(value));
  }

  /** A body already encoded. */
  public static Reply bytes(int status, String contentType, byte[] body) {
    return new Reply(status, contentType, body);
  }

  /** A plain-text body (how Consul and Eureka report most errors). */
  public static Reply text(int status, String text) {
    return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  /** No body. */
  public static Reply empty(int status) {
    return new Reply(status, null, EMPTY);
  }

  /** This reply with one more header; call before the reply is returned. */
  public Reply header(String name, String value) {
    headers.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
    return this;
  }

  public int status() {
    return status;
  }

  /** The content type, or null when there is no body. */
  public String contentType() {
    return contentType;
  }

  public byte[] body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public String toString() {
    return status + " " + new String(body, StandardCharsets.UTF_8);
  }
}

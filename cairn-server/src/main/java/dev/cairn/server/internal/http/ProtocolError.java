package dev.cairn.server.internal.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request refused before it reaches an endpoint (bad framing, an unsupported version or transfer
 * coding, a body over the limit): carried as the request's failed decoder result, so that it is
 * answered in its turn among pipelined requests. Unless {@link #keepOpen()}, the connection closes
 * after the answer and nothing read after this request is served: its framing cannot be trusted.
 */
final class ProtocolError extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final String field;
  private final boolean keepOpen;

  ProtocolError(HttpResponseStatus status, String field, String message, boolean keepOpen) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
    this.keepOpen = keepOpen;
  }

  /** Refused, and the connection closes after the answer. */
  static ProtocolError closing(HttpResponseStatus status, String field, String message) {
    return new ProtocolError(status, field, message, false);
  }

  HttpResponseStatus status() {
    return status;
  }

  String field() {
    return field;
  }

  boolean keepOpen() {
    return keepOpen;
  }
}

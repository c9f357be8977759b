package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An HTTP-level refusal that has no {@link ErrorCode} status of its own (405, 413, 415, an unknown
 * path): the status to answer with, and the code, field and message of the error body.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final ErrorCode code;
  private final String field;

  ApiError(HttpResponseStatus status, ErrorCode code, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  HttpResponseStatus status() {
    return status;
  }

  ErrorCode code() {
    return code;
  }

  String field() {
    return field;
  }
}

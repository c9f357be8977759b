package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An HTTP-level refusal that has no {@link ErrorCode} status of its own (405, 413, 415, an unknown
 * path, a request whose framing this server does not take): the status to answer with, the code,
 * field and message of the error body, and whether the connection closes after the answer.
 *
 * <p>A refusal made before routing ({@link RequestChecks}, {@link BodyLimitAggregator}) travels as
 * the request's failed decoder result, so that it is answered in its turn among pipelined requests;
 * when it {@link #closesConnection()}, nothing read after that request is served: its framing
 * cannot be trusted.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final ErrorCode code;
  private final String field;
  private final boolean closesConnection;
  private final long retryAfterSeconds;

  ApiError(HttpResponseStatus status, ErrorCode code, String field, String message) {
    this(status, code, field, message, false);
  }

  ApiError(
      HttpResponseStatus status,
      ErrorCode code,
      String field,
      String message,
      boolean closesConnection) {
    this(status, code, field, message, closesConnection, 0);
  }

  private ApiError(
      HttpResponseStatus status,
      ErrorCode code,
      String field,
      String message,
      boolean closesConnection,
      long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
    this.closesConnection = closesConnection;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A 429 {@code RESOURCE_EXHAUSTED} refusal telling the client to wait {@code seconds}. */
  static ApiError tooManyRequests(String field, String message, long seconds) {
    return new ApiError(
        HttpResponseStatus.TOO_MANY_REQUESTS,
        ErrorCode.RESOURCE_EXHAUSTED,
        field,
        message,
        false,
        seconds);
  }

  /** The seconds of the {@code Retry-After} header; 0 for none. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** An {@code INVALID_ARGUMENT} refusal of a request's framing, closing the connection. */
  static ApiError framing(HttpResponseStatus status, String field, String message) {
    return new ApiError(status, ErrorCode.INVALID_ARGUMENT, field, message, true);
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

  /** Whether the connection closes after the answer. */
  boolean closesConnection() {
    return closesConnection;
  }
}

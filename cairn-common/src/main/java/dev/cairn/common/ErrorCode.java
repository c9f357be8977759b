package dev.cairn.common;

/**
 * Cairn's error codes. They mirror gRPC status codes (one to one but for {@link
 * #INSUFFICIENT_STORAGE}, which travels over gRPC as {@code RESOURCE_EXHAUSTED}), so each transport
 * maps them with one table; {@link #retryable()} says when the same request may be sent again
 * unchanged.
 */
public enum ErrorCode {
  /** The request is malformed or breaks a limit; the message names the field. */
  INVALID_ARGUMENT(3, 400, false),
  /** A named thing (session, instance, service) does not exist. */
  NOT_FOUND(5, 404, false),
  /** The thing already exists in a conflicting form (e.g. an instance owned by another session). */
  ALREADY_EXISTS(6, 409, false),
  /** The system is not in a state that allows the request (e.g. a closed session). */
  FAILED_PRECONDITION(9, 409, false),
  /** A per-client quota is used up (e.g. watches per connection). */
  RESOURCE_EXHAUSTED(8, 429, true),
  /**
   * The server cannot take the request now (shutting down, no leader); retry elsewhere or later.
   */
  UNAVAILABLE(14, 503, true),
  /** The deadline passed before the request completed; it may or may not have been applied. */
  DEADLINE_EXCEEDED(4, 504, true),
  /** A bug or an unexpected failure. */
  INTERNAL(13, 500, false),
  /**
   * The caller is known but may not do this: a session's secret missing or wrong, or an ACL token
   * without the right.
   */
  PERMISSION_DENIED(7, 403, false),
  /** The request carries no credentials, or an unknown token, where the server requires one. */
  UNAUTHENTICATED(16, 401, false),
  /**
   * The server's disk is (nearly) full: its log cannot take the write, which was not made. Reads
   * still answer; writes succeed again, without a restart, once the disk has room (HTTP 507, gRPC
   * {@code RESOURCE_EXHAUSTED}).
   */
  INSUFFICIENT_STORAGE(8, 507, true);

  private final int grpcCode;
  private final int httpStatus;
  private final boolean retryable;

  ErrorCode(int grpcCode, int httpStatus, boolean retryable) {
    this.grpcCode = grpcCode;
    this.httpStatus = httpStatus;
    this.retryable = retryable;
  }

  /** The numeric {@code google.rpc.Code} of this error. */
  public int grpcCode() {
    return grpcCode;
  }

  /** The HTTP status the HTTP API answers with. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Whether sending the same request again may succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The code with the given {@code google.rpc.Code} value, {@link #INTERNAL} when unknown. */
  public static ErrorCode fromGrpcCode(int code) {
    for (ErrorCode c : values()) {
      if (c.grpcCode == code) {
        return c;
      }
    }
    return INTERNAL;
  }
}

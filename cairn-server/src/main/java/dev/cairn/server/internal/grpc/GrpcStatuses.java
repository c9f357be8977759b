package dev.cairn.server.internal.grpc;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from registry failures to gRPC statuses: a {@link CairnException}'s {@link
 * ErrorCode#grpcCode()} becomes the status code and its message the description; anything else is a
 * bug, logged and answered with {@code INTERNAL}.
 */
final class GrpcStatuses {

  private static final Logger log = LoggerFactory.getLogger(GrpcStatuses.class);

  private GrpcStatuses() {}

  /** The status for a failure thrown by, or completing a future of, the registry. */
  static Status toStatus(Throwable failure) {
    CairnException e = toCairn(failure);
    return Status.fromCodeValue(e.code().grpcCode()).withDescription(e.getMessage());
  }

  /** Like {@link #toStatus}, as an exception to pass to {@code StreamObserver.onError}. */
  static StatusRuntimeException toException(Throwable failure) {
    return toStatus(failure).asRuntimeException();
  }

  /** A status with the given code and description. */
  static StatusRuntimeException error(ErrorCode code, String message) {
    return Status.fromCodeValue(code.grpcCode()).withDescription(message).asRuntimeException();
  }

  /** The failure as a {@link CairnException}: unwrapped, or {@code INTERNAL} for a bug. */
  static CairnException toCairn(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof CairnException) {
      return (CairnException) t;
    }
    log.error("Unexpected failure in the registry", t);
    return CairnException.of(ErrorCode.INTERNAL, "internal error: " + t.getClass().getSimpleName());
  }
}

package dev.cairn.server.internal.grpc;

import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.limits.RequestRateLimit;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Counts each call against its caller's request rate (decision 0170): the ACL token's when it is a
 * known one, else the connection's client address. A call over the rate ends at once with {@code
 * RESOURCE_EXHAUSTED} and a {@code retry-after} trailer (whole seconds). Runs before the ACL check
 * (guessing tokens counts too; the token's policies are cached, so resolving it twice costs a
 * lookup). Installed only when a rate is set. Thread-safe.
 */
final class RateLimitInterceptor implements ServerInterceptor {

  /** The trailer that says how many seconds to wait before calling again. */
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

  private final RequestRateLimit rate;
  private final AclGuard acl;

  RateLimitInterceptor(RequestRateLimit rate, AclGuard acl) {
    this.rate = rate;
    this.acl = acl;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Authorizer caller = acl.enforced() ? counted(headers) : Authorizer.ALL;
    boolean byToken =
        acl.enforced() && caller.kind() == Authorizer.Kind.KNOWN && !caller.accessorId().isEmpty();
    Connections.Connection connection = Connections.current();
    Object key =
        byToken
            ? caller.accessorId()
            : connection.address() != null ? connection.address() : connection.peer();
    long wait = rate.acquire(key);
    if (wait == 0) {
      return next.startCall(call, headers);
    }
    long seconds = RequestRateLimit.retryAfterSeconds(wait);
    Metadata trailers = new Metadata();
    trailers.put(RETRY_AFTER, Long.toString(seconds));
    call.close(
        Status.RESOURCE_EXHAUSTED.withDescription(
            "rate: over "
                + rate.perSecond()
                + " requests a second for "
                + (byToken
                    ? "token " + caller.accessorId()
                    : "client "
                        + (connection.address() != null
                            ? connection.address().getHostAddress()
                            : connection.peer()))
                + " (expected: at most "
                + rate.perSecond()
                + " a second, bursts of "
                + rate.burst()
                + "; retry after "
                + seconds
                + " s)"),
        trailers);
    return new ServerCall.Listener<>() {};
  }

  /**
   * The caller whose rate a call counts against; the anonymous caller (counted by address) when its
   * token headers are refused, which {@link AclInterceptor} then answers.
   */
  private Authorizer counted(Metadata headers) {
    try {
      return acl.authorizer(AclInterceptor.token(headers));
    } catch (dev.cairn.common.CairnException e) {
      return acl.authorizer(null);
    }
  }
}

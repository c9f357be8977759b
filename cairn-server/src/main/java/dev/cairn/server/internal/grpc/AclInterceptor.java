package dev.cairn.server.internal.grpc;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.auth.Requirement;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Resolves the token a call carries (metadata {@code authorization: Bearer <secret>} or {@code
 * x-cairn-token}) into the call's {@link Authorizer}, refuses at once a method without a rule or a
 * caller that fails a rule not scoped to a service, and leaves the scoped rules to the method
 * ({@link #check}). Installed only when ACLs are on; without it every call may do everything.
 */
final class AclInterceptor implements ServerInterceptor {

  private static final Context.Key<Authorizer> CALLER =
      Context.keyWithDefault("cairn-acl-caller", Authorizer.ALL);
  private static final Context.Key<AclGuard> GUARD = Context.key("cairn-acl-guard");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of(
          AclGuard.TOKEN_HEADER.toLowerCase(java.util.Locale.ROOT),
          Metadata.ASCII_STRING_MARSHALLER);

  private final AclGuard guard;

  AclInterceptor(AclGuard guard) {
    this.guard = guard;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Authorizer caller = guard.authorizer(token(headers));
    Requirement rule = GrpcRules.of(call.getMethodDescriptor().getFullMethodName());
    try {
      if (rule == null) {
        throw CairnException.of(
            ErrorCode.PERMISSION_DENIED,
            "method",
            "method: "
                + call.getMethodDescriptor().getFullMethodName()
                + " (no ACL rule: refused)");
      }
      if (rule.scope() == Requirement.Scope.GLOBAL) {
        guard.check(caller, rule, "", "");
      }
    } catch (CairnException e) {
      call.close(GrpcStatuses.toStatus(e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValues(CALLER, caller, GUARD, guard);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** The token a call's {@code headers} carry; null when none. */
  static String token(Metadata headers) {
    return AclGuard.token(headers.get(AUTHORIZATION), headers.get(TOKEN));
  }

  /** The caller of the current call ({@link Authorizer#ALL} when ACLs are off). */
  static Authorizer caller() {
    return CALLER.get();
  }

  /** The current call's checker; null when ACLs are off. */
  static AclGuard guard() {
    return GUARD.get();
  }

  /**
   * Checks a scoped rule for {@code caller} (a call's {@link #caller()}, captured when the call
   * began) under {@code guard} (null: ACLs off, nothing to check).
   *
   * @throws CairnException {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED}
   */
  static void check(
      AclGuard guard, Authorizer caller, Requirement rule, String namespace, String service) {
    if (guard != null) {
      guard.check(caller, rule, namespace, service);
    }
  }
}

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
 * ({@link #check}). Two different tokens in the two keys are refused ({@code INVALID_ARGUMENT}),
 * with ACLs on or off; an {@code authorization} of another scheme than {@code Bearer} is {@code
 * UNAUTHENTICATED} with ACLs on ({@link AclGuard#caller}). With ACLs off that is all it does, and
 * every call may do everything.
 */
final class AclInterceptor implements ServerInterceptor {

  private static final Context.Key<Authorizer> CALLER =
      Context.keyWithDefault("cairn-acl-caller", Authorizer.ALL);
  private static final Context.Key<AclGuard> GUARD = Context.key("cairn-acl-guard");
  private static final Context.Key<String> SECRET = Context.key("cairn-acl-secret");

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
    Authorizer caller = null;
    Requirement rule = GrpcRules.of(call.getMethodDescriptor().getFullMethodName());
    try {
      if (!guard.enforced()) {
        token(headers); // two different tokens are refused with ACLs off too
      } else {
        caller = refuseOrResolve(headers, rule, call.getMethodDescriptor().getFullMethodName());
      }
    } catch (CairnException e) {
      call.close(GrpcStatuses.toStatus(e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (caller == null) {
      return next.startCall(call, headers);
    }
    Context context =
        Context.current().withValues(CALLER, caller, GUARD, guard, SECRET, token(headers));
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** The caller of a call to {@code method} with ACLs on; throws its refusal. */
  private Authorizer refuseOrResolve(Metadata headers, Requirement rule, String method) {
    Authorizer caller = guard.caller(headers.get(AUTHORIZATION), headers.get(TOKEN));
    if (rule == null) {
      throw CairnException.of(
          ErrorCode.PERMISSION_DENIED, "method", "method: " + method + " (no ACL rule: refused)");
    }
    if (rule.scope() == Requirement.Scope.GLOBAL) {
      guard.check(caller, rule, "", "");
    }
    return caller;
  }

  /** The token a call's {@code headers} carry; null when none. */
  static String token(Metadata headers) {
    return AclGuard.token(headers.get(AUTHORIZATION), headers.get(TOKEN));
  }

  /** The caller of the current call ({@link Authorizer#ALL} when ACLs are off). */
  static Authorizer caller() {
    return CALLER.get();
  }

  /**
   * The token the current call carries (null: none), for checks made again while a stream is open
   * (decision 0217).
   */
  static String secret() {
    return SECRET.get();
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

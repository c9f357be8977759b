package dev.cairn.xds.internal;

import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The xDS front door's share of the server's security (decision 0174), in two places:
 *
 * <ul>
 *   <li>as a {@link ServerInterceptor}, on every call: counts it against the request rate (per ACL
 *       token, else per client address) and the streams one client address may hold open ({@code
 *       --max-watches-per-client}; a discovery stream is a watch) and one ACL token may hold open
 *       across the server ({@code --max-watches-per-token}, with the API's watches and the other
 *       front doors'; decision 0175), given back when the stream ends however it ends, ending it
 *       with {@code RESOURCE_EXHAUSTED} (and a {@code retry-after} trailer for the rate) when over;
 *       and resolves the call's ACL token ({@code authorization: Bearer <token>} or {@code
 *       x-cairn-token} metadata, as the server's API: two different tokens end the call {@code
 *       INVALID_ARGUMENT}, and with ACLs on another {@code authorization} scheme {@code
 *       UNAUTHENTICATED}) once, for the stream's requests;
 *   <li>on every discovery request ({@link #check}): resources named in it need {@code service}
 *       read on their service, else the stream ends with {@code UNAUTHENTICATED} (no token) or
 *       {@code PERMISSION_DENIED} (an unknown token, or one without the right), as the server's own
 *       gRPC API answers. A wildcard subscription (no names, or {@code *}: every cluster or
 *       listener) from a token that may read only some services is filtered: from then on the
 *       stream is answered from the mirror's {@link FilteredGroup} of its read rules (decision
 *       0176); one that may read no service of the served namespaces is refused as above, and one
 *       that would need a group over {@code XdsOptions.maxFilteredSnapshots} ends {@code
 *       RESOURCE_EXHAUSTED}.
 * </ul>
 *
 * <p>The cache finds a request's group with {@link #group()}, from the call's context.
 *
 * <p>Thread-safe.
 */
final class XdsAccess implements ServerInterceptor {

  /**
   * The token metadata keys: {@code authorization} (with {@code Bearer }), {@code x-cairn-token}.
   */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("x-cairn-token", Metadata.ASCII_STRING_MARSHALLER);

  /** The trailer that says how many seconds to wait before calling again. */
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

  private static final Context.Key<Caller> CALLER = Context.key("cairn-xds-caller");

  private final FrontDoorSecurity security;
  private final List<String> namespaces;
  private final CatalogMirror mirror;

  XdsAccess(FrontDoorSecurity security, List<String> namespaces, CatalogMirror mirror) {
    this.security = security;
    this.namespaces = namespaces;
    this.mirror = mirror;
  }

  /**
   * The cache group of the current call's requests: its {@link FilteredGroup} once it subscribed to
   * a wildcard it may read only part of, else the group every stream shares. Called by the cache as
   * it takes a request, on the call's thread.
   */
  static Object group() {
    Caller c = CALLER.get();
    return c == null || c.filtered == null ? CatalogMirror.GROUP : c.filtered;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Authorizer caller;
    try {
      caller = security.caller(headers.get(AUTHORIZATION), headers.get(TOKEN));
    } catch (dev.cairn.common.CairnException e) {
      call.close(
          Status.fromCodeValue(e.code().grpcCode()).withDescription(e.getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    InetAddress client = address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    boolean byToken =
        security.aclEnforced()
            && caller.kind() == Authorizer.Kind.KNOWN
            && !caller.accessorId().isEmpty();
    Object key = byToken ? caller.accessorId() : client;
    long wait = key == null ? 0 : security.acquireRequest(key);
    if (wait > 0) {
      Metadata trailers = new Metadata();
      trailers.put(RETRY_AFTER, Long.toString(FrontDoorSecurity.retryAfterSeconds(wait)));
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "rate: over the request rate for "
                  + (byToken ? "token " + caller.accessorId() : "client " + hostOf(client))
                  + " (expected: at most --rate-limit calls a second)"),
          trailers);
      return new ServerCall.Listener<>() {};
    }
    FrontDoorSecurity.Held stream = security.openWatch(client, caller);
    if (!stream.granted()) {
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription("discovery streams: " + stream.refusal()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Caller c = new Caller(caller);
    ServerCall.Listener<Q> listener;
    try {
      listener =
          Contexts.interceptCall(Context.current().withValue(CALLER, c), call, headers, next);
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
    // The discovery server has cancelled the stream's watches by the time these return.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          end(c, stream);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          end(c, stream);
        }
      }
    };
  }

  private void end(Caller c, FrontDoorSecurity.Held stream) {
    stream.close();
    if (c.filtered != null) {
      mirror.leave(c.filtered);
      c.filtered = null;
    }
  }

  /**
   * Checks a discovery request of the current call for {@code names} ({@code wildcard}: every
   * resource of its type).
   *
   * @throws RequestException {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED} when the call's
   *     token may not read them
   */
  void check(boolean wildcard, Iterable<String> names) throws RequestException {
    Caller c = CALLER.get();
    if (c == null || c.authorizer.allowsEverything()) {
      return;
    }
    Authorizer caller = c.authorizer;
    if (caller.kind() == Authorizer.Kind.UNKNOWN) {
      throw refusal(
          Status.PERMISSION_DENIED,
          "token: unknown (expected: the secret of a token this registry issued)");
    }
    if (wildcard && c.filtered == null && !readsEveryService(caller)) {
      filter(c);
    }
    for (String name : names) {
      if (name.equals("*")) {
        continue;
      }
      String[] nsService = service(name);
      if (!caller.allows(Resource.SERVICE, Access.READ, nsService[0], nsService[1])) {
        throw denied(caller, "service " + nsService[0] + "/" + nsService[1]);
      }
    }
  }

  private boolean readsEveryService(Authorizer caller) {
    for (String ns : namespaces) {
      if (!caller.allowsWholeNamespace(Resource.SERVICE, Access.READ, ns)) {
        return false;
      }
    }
    return true;
  }

  /** Moves the stream to the filtered group of its read rules, or refuses. */
  private void filter(Caller c) throws RequestException {
    boolean some = false;
    for (String ns : namespaces) {
      some |= c.authorizer.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, ns);
    }
    if (!some) {
      throw denied(c.authorizer, "any service of namespaces " + String.join(", ", namespaces));
    }
    c.filtered = mirror.join(c.authorizer);
    if (c.filtered == null) {
      throw refusal(
          Status.RESOURCE_EXHAUSTED,
          "wildcard subscriptions: the filtered snapshots are all held by tokens with other read"
              + " rules (expected: at most XdsOptions.maxFilteredSnapshots; tokens with the same"
              + " policies share one)");
    }
  }

  /**
   * The namespace and service of resource {@code name}: {@code service.namespace} for a served
   * namespace other than the first, else the name (before any {@code :port}) in the first.
   */
  String[] service(String name) {
    int colon = name.indexOf(':');
    String n = colon < 0 ? name : name.substring(0, colon);
    int dot = n.lastIndexOf('.');
    if (dot > 0 && namespaces.subList(1, namespaces.size()).contains(n.substring(dot + 1))) {
      return new String[] {n.substring(dot + 1), n.substring(0, dot)};
    }
    return new String[] {namespaces.get(0), n};
  }

  private static RequestException denied(Authorizer caller, String what) {
    if (caller.kind() == Authorizer.Kind.ANONYMOUS) {
      return refusal(
          Status.UNAUTHENTICATED,
          "token: missing (expected: an ACL token, sent as authorization: Bearer <secret> or"
              + " x-cairn-token metadata: ACLs are on)");
    }
    return refusal(
        Status.PERMISSION_DENIED,
        "token: "
            + caller.accessorId()
            + " may not read "
            + what
            + " (expected: a policy that grants it)");
  }

  private static RequestException refusal(Status status, String message) {
    return new RequestException(status.withDescription(message));
  }

  /**
   * A call's caller and, once it subscribed to a wildcard it may read only part of, its filtered
   * group. The call's callbacks run one at a time (gRPC serializes them), which is what guards
   * {@code filtered}.
   */
  private static final class Caller {
    final Authorizer authorizer;
    FilteredGroup filtered;

    Caller(Authorizer authorizer) {
      this.authorizer = authorizer;
    }
  }

  private static InetAddress address(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getAddress() : null;
  }

  private static String hostOf(InetAddress a) {
    return a == null ? "?" : a.getHostAddress();
  }
}

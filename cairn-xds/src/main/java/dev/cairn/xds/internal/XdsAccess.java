package dev.cairn.xds.internal;

import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
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
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
 * <p>A stream keeps its token, not the rights it had (decision 0232, as 0217 for the server's own
 * watches): with ACLs on, what it subscribed to is checked against the token's current rights
 * before each response it is sent, at each request, and every {@code XdsOptions.tokenCheckInterval}
 * while it is sent nothing. A token deleted, or no longer allowed a resource it named or any
 * service its wildcard covers, ends the stream with {@code PERMISSION_DENIED} ({@code
 * UNAUTHENTICATED} for the anonymous policy); a token whose policies changed what its wildcard
 * subscription sees ends it with {@code UNAVAILABLE}, and the client's new stream is answered from
 * the filtered snapshot of the new rules.
 *
 * <p>The cache finds a request's group with {@link #group()}, from the call's context.
 *
 * <p>Thread-safe.
 */
final class XdsAccess implements ServerInterceptor, AutoCloseable {

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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(XdsAccess.class);

  /** What a refusal of a stream that was allowed when it opened adds to its message (0217). */
  private static final String OPEN_SINCE_BEFORE =
      "; the stream was open since before: its token was deleted or its policies changed";

  private final FrontDoorSecurity security;
  private final List<String> namespaces;
  private final CatalogMirror mirror;
  // The streams open with ACLs on, checked again every tokenCheckInterval (decision 0232).
  private final Set<Guarded<?, ?>> open = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService rechecks; // null: ACLs off

  XdsAccess(
      FrontDoorSecurity security,
      List<String> namespaces,
      CatalogMirror mirror,
      Duration tokenCheckInterval) {
    this.security = security;
    this.namespaces = namespaces;
    this.mirror = mirror;
    if (security.aclEnforced()) {
      rechecks =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "cairn-xds-tokens");
                t.setDaemon(true);
                return t;
              });
      long every = tokenCheckInterval.toNanos();
      rechecks.scheduleWithFixedDelay(this::recheckOpenStreams, every, every, TimeUnit.NANOSECONDS);
    } else {
      rechecks = null;
    }
  }

  /**
   * The cache group of the current call's requests: its {@link FilteredGroup} once it subscribed to
   * a wildcard it may read only part of, else the group every stream shares. Called by the cache as
   * it takes a request, on the call's thread.
   */
  static Object group() {
    Caller c = CALLER.get();
    FilteredGroup filtered = c == null ? null : c.filtered;
    return filtered == null ? CatalogMirror.GROUP : filtered;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Supplier<Authorizer> rights;
    try {
      rights = security.liveCaller(headers.get(AUTHORIZATION), headers.get(TOKEN));
    } catch (dev.cairn.common.CairnException e) {
      call.close(
          Status.fromCodeValue(e.code().grpcCode()).withDescription(e.getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Authorizer caller = rights.get();
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
    Caller c = new Caller(rights, caller);
    // With ACLs on, every response is sent through the check of the token's current rights.
    Guarded<Q, A> guarded = rechecks == null ? null : new Guarded<>(call, c);
    ServerCall.Listener<Q> listener;
    try {
      listener =
          Contexts.interceptCall(
              Context.current().withValue(CALLER, c),
              guarded == null ? call : guarded,
              headers,
              next);
    } catch (RuntimeException e) {
      stream.close();
      throw e;
    }
    if (guarded != null) {
      open.add(guarded);
    }
    // The discovery server has cancelled the stream's watches by the time these return.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          if (guarded != null && guarded.endedHere()) {
            // Ended here, under the discovery server: what makes it drop the stream's watches
            // is its cancel handler.
            super.onCancel();
          } else {
            super.onComplete();
          }
        } finally {
          end(c, stream, guarded);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          end(c, stream, guarded);
        }
      }
    };
  }

  private void end(Caller c, FrontDoorSecurity.Held stream, Guarded<?, ?> guarded) {
    stream.close();
    if (guarded != null) {
      open.remove(guarded);
    }
    FilteredGroup left;
    synchronized (c) {
      left = c.filtered;
      c.filtered = null;
    }
    if (left != null) {
      mirror.leave(left);
    }
  }

  /**
   * Checks a discovery request of the current call of type {@code typeUrl} for {@code names}
   * ({@code wildcard}: every resource of its type), after checking what the stream holds already
   * against the token's current rights. A state-of-the-world request ({@code replace}) names every
   * resource of the type the stream subscribes to; a delta one adds {@code names} and removes
   * {@code unsubscribed}.
   *
   * @throws RequestException {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED} when the call's
   *     token may not read them, or may no longer read what the stream subscribed to; {@code
   *     UNAVAILABLE} when the services its wildcard subscription sees changed (decision 0232)
   */
  void check(
      String typeUrl,
      boolean replace,
      boolean wildcard,
      List<String> names,
      List<String> unsubscribed)
      throws RequestException {
    Caller c = CALLER.get();
    if (c == null) {
      return;
    }
    synchronized (c) {
      Status ended = recheck(c);
      if (ended != null) {
        throw new RequestException(ended);
      }
      Authorizer caller = c.authorizer;
      if (!caller.allowsEverything()) {
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
            throw new RequestException(
                denied(caller, "service " + nsService[0] + "/" + nsService[1]));
          }
        }
      }
      if (rechecks == null) {
        return; // ACLs off: nothing to check again
      }
      c.wildcard |= wildcard;
      Set<String> held =
          replace ? new HashSet<>() : c.names.computeIfAbsent(typeUrl, t -> new HashSet<>());
      held.addAll(names);
      unsubscribed.forEach(held::remove);
      held.remove("*");
      if (replace) {
        c.names.put(typeUrl, held);
      }
    }
  }

  /**
   * What ends stream {@code c} now (decision 0232): null while its token's current rights allow
   * what it subscribed to and give its wildcard subscriptions the view it is answered from. Once
   * refused, always refused. Cheap while no ACL changed (the core answers the same authorizer).
   * Under {@code c}'s lock.
   */
  private Status recheck(Caller c) {
    if (c.ended != null) {
      return c.ended;
    }
    Authorizer now = c.rights.get();
    if (now == c.authorizer) {
      return null;
    }
    Status refusal = refusalNow(c, now);
    if (refusal == null) {
      c.authorizer = now;
      return null;
    }
    c.ended = refusal;
    return refusal;
  }

  private Status refusalNow(Caller c, Authorizer now) {
    if (now.allowsEverything()) {
      return c.filtered == null ? null : changed(now);
    }
    if (now.kind() == Authorizer.Kind.UNKNOWN) {
      return Status.PERMISSION_DENIED.withDescription(
          "token: unknown (expected: the secret of a token this registry issued)"
              + OPEN_SINCE_BEFORE);
    }
    for (Set<String> held : c.names.values()) {
      for (String name : held) {
        String[] nsService = service(name);
        if (!now.allows(Resource.SERVICE, Access.READ, nsService[0], nsService[1])) {
          return openSinceBefore(denied(now, "service " + nsService[0] + "/" + nsService[1]));
        }
      }
    }
    if (c.wildcard) {
      if (!readsSomeService(now)) {
        return openSinceBefore(
            denied(now, "any service of namespaces " + String.join(", ", namespaces)));
      }
      boolean same =
          c.filtered == null
              ? readsEveryService(now)
              : c.filtered.rules.equals(mirror.rulesOf(now));
      if (!same) {
        return changed(now);
      }
    }
    return null;
  }

  /**
   * The end of a stream whose wildcard subscription would now see other services: it is answered
   * from the snapshot of its old rules, shared with other streams, and a new stream is answered
   * from the snapshot of the new ones (decision 0232). {@code UNAVAILABLE}: the client opens a new
   * stream at once, and is allowed.
   */
  private static Status changed(Authorizer now) {
    String who =
        now.kind() == Authorizer.Kind.ANONYMOUS
            ? "the anonymous policy"
            : "token " + now.accessorId();
    return Status.UNAVAILABLE.withDescription(
        "token: the policies of "
            + who
            + " changed since the stream opened, and with them the services its wildcard"
            + " subscription sees (expected: a new stream, answered with the services they allow"
            + " now)");
  }

  private static Status openSinceBefore(Status refusal) {
    return refusal.withDescription(refusal.getDescription() + OPEN_SINCE_BEFORE);
  }

  /** Checks every open stream against its token's current rights, ending those refused. */
  private void recheckOpenStreams() {
    for (Guarded<?, ?> g : open) {
      try {
        g.recheck();
      } catch (RuntimeException e) {
        LOG.warn("xds: checking a stream's token again failed", e);
      }
    }
  }

  /** Stops checking open streams again; the server is closing. */
  @Override
  public void close() {
    if (rechecks != null) {
      rechecks.shutdownNow();
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

  private boolean readsSomeService(Authorizer caller) {
    for (String ns : namespaces) {
      if (caller.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, ns)) {
        return true;
      }
    }
    return false;
  }

  /** Moves the stream to the filtered group of its read rules, or refuses. Under c's lock. */
  private void filter(Caller c) throws RequestException {
    if (!readsSomeService(c.authorizer)) {
      throw new RequestException(
          denied(c.authorizer, "any service of namespaces " + String.join(", ", namespaces)));
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

  private static Status denied(Authorizer caller, String what) {
    if (caller.kind() == Authorizer.Kind.ANONYMOUS) {
      return Status.UNAUTHENTICATED.withDescription(
          "token: missing (expected: an ACL token, sent as authorization: Bearer <secret> or"
              + " x-cairn-token metadata: ACLs are on)");
    }
    return Status.PERMISSION_DENIED.withDescription(
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
   * A call's token and what it holds: the rights it was last checked with, the resources it
   * subscribed to by name (by type), whether it subscribed to a wildcard, and, once it subscribed
   * to a wildcard it may read only part of, its filtered group. Guarded by itself: requests check
   * it on the call's thread, responses on the thread that sends them, the periodic check on its
   * own.
   */
  private static final class Caller {
    final Supplier<Authorizer> rights;
    Authorizer authorizer;
    volatile FilteredGroup filtered; // read without the lock by group(), on the call's thread
    boolean wildcard;
    final Map<String, Set<String>> names = new HashMap<>();
    Status ended; // once refused

    Caller(Supplier<Authorizer> rights, Authorizer authorizer) {
      this.rights = rights;
      this.authorizer = authorizer;
    }
  }

  /**
   * A discovery call with ACLs on: each response is sent only while the stream's token may still
   * have it ({@link #recheck}), else the call ends with the refusal instead — and so does the
   * periodic check of an idle stream. Whatever the discovery server sends after that is dropped (it
   * learns of the end from its cancel handler, see {@link #interceptCall}). Its methods are called
   * by the discovery server's threads and the periodic check: guarded by itself.
   */
  private final class Guarded<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private final Caller caller;
    private boolean closed;
    private boolean endedHere;

    Guarded(ServerCall<Q, A> call, Caller caller) {
      super(call);
      this.caller = caller;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (closed) {
        return;
      }
      Status refused;
      synchronized (caller) {
        refused = XdsAccess.this.recheck(caller);
      }
      if (refused != null) {
        endHere(refused);
        return;
      }
      super.sendMessage(message);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    /** Ends the call if its token may no longer have what it subscribed to. */
    synchronized void recheck() {
      if (closed) {
        return;
      }
      Status refused;
      synchronized (caller) {
        refused = XdsAccess.this.recheck(caller);
      }
      if (refused != null) {
        endHere(refused);
      }
    }

    synchronized boolean endedHere() {
      return endedHere;
    }

    private void endHere(Status refused) {
      closed = true;
      endedHere = true;
      LOG.debug("xds: stream ended: {}", refused);
      super.close(refused, new Metadata());
    }
  }

  private static InetAddress address(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getAddress() : null;
  }

  private static String hostOf(InetAddress a) {
    return a == null ? "?" : a.getHostAddress();
  }
}

package dev.cairn.compat.internal.eureka;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.common.Limits;
import dev.cairn.compat.internal.Acl;
import dev.cairn.compat.internal.BadRequest;
import dev.cairn.compat.internal.Json;
import dev.cairn.compat.internal.Reply;
import dev.cairn.compat.internal.Req;
import dev.cairn.compat.internal.Route;
import dev.cairn.compat.internal.RouteTable;
import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.Author;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.acl.Authorizer;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The Eureka-compatible endpoints under the base path (see {@code docs/interop.md}). Every
 * registration opens a Cairn session whose TTL is the lease's {@code durationInSecs} (1..300 s); a
 * heartbeat renews it, a cancel closes it, and a lease that runs out removes the instance as an
 * expired session does. Reads list every instance of the {@code default} namespace.
 *
 * <p>The door acts only on its own leases (sessions named {@link #LEASE}, decision 0197): a
 * heartbeat for an instance that holds none is 404 (the client then registers again), and a cancel
 * or a registration over an instance that another client's session owns needs what the server's API
 * needs to replace or remove it: with ACLs on, a token with write on the service; otherwise it is
 * refused with 403.
 *
 * <p>With ACLs on, a lease takes one of its token's {@code --max-sessions-per-token} (the count of
 * the token's sessions on the server's API, decision 0177), given back when it is cancelled or
 * replaced by a new registration of the instance, and once it expired; a registration over the
 * limit is answered 429 with {@code Retry-After}.
 */
public final class EurekaRoute implements Route {

  private static final String NS = Limits.DEFAULT_NAMESPACE;
  private static final long DEFAULT_LEASE_SECONDS = 90;

  /** The name of the sessions this door opens, one per lease (decision 0197). */
  static final String LEASE = Registry.SERVER_SESSION_PREFIX + "eureka-lease";

  /** The name leases had before decision 0197. */
  private static final String OLD_LEASE = "eureka";

  /** The endpoints ({@link EurekaEndpoint}: methods, paths and what each needs of the token). */
  static final RouteTable<EurekaEndpoint> TABLE = new RouteTable<>(EurekaEndpoint.class);

  private final Registry registry;
  private final String base;

  /**
   * The leases holding a place of their token's session count, by session id; at most that limit
   * per token (an expired lease leaves when its place is reclaimed).
   */
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();

  public EurekaRoute(Registry registry, String basePath) {
    this.registry = requireNonNull(registry, "registry");
    this.base = requireNonNull(basePath, "basePath");
  }

  @Override
  public CompletableFuture<Reply> handle(Req req) {
    String path = req.path();
    if (!path.startsWith(base + "/")) {
      return done(Reply.text(404, "Not found: " + path));
    }
    String relative = path.substring(base.length());
    if (relative.endsWith("/")) {
      relative = relative.substring(0, relative.length() - 1); // apps/ is apps
    }
    RouteTable.Match<EurekaEndpoint> match = TABLE.match(req.method(), relative);
    EurekaEndpoint endpoint = match.endpoint();
    if (endpoint == null) {
      return done(match.methodAllowed() ? Reply.text(404, "Not found: " + path) : Reply.empty(405));
    }
    Authorizer caller = req.caller();
    return switch (endpoint) {
      case APPS -> allowed(caller, Acl.readsSome(caller, NS), () -> applications(req, false));
      case APPS_DELTA -> allowed(caller, Acl.readsSome(caller, NS), () -> applications(req, true));
      case APP -> {
        String service = EurekaCodec.service(match.param(0));
        yield allowed(caller, Acl.reads(caller, NS, service), () -> application(req, service));
      }
      case REGISTER -> {
        String service = EurekaCodec.service(match.param(0));
        yield allowedAsync(caller, Acl.writes(caller, NS, service), () -> register(req, service));
      }
      case APP_INSTANCE -> {
        String service = EurekaCodec.service(match.param(0));
        yield allowed(
            caller,
            Acl.reads(caller, NS, service),
            () -> instance(req, find(service, match.param(1))));
      }
      case HEARTBEAT -> {
        String service = EurekaCodec.service(match.param(0));
        yield allowedAsync(
            caller, Acl.writes(caller, NS, service), () -> heartbeat(service, match.param(1)));
      }
      case CANCEL -> {
        String service = EurekaCodec.service(match.param(0));
        yield allowedAsync(
            caller, Acl.writes(caller, NS, service), () -> cancel(req, service, match.param(1)));
      }
      case INSTANCE ->
          allowed(
              caller,
              Acl.readsSome(caller, NS),
              () -> instance(req, readable(caller, findAnywhere(match.param(0)))));
    };
  }

  private CompletableFuture<Reply> register(Req req, String service) {
    Instance.Builder b =
        EurekaCodec.parse(
            req.body(),
            isXml(req.headers().get(HttpHeaderNames.CONTENT_TYPE)),
            service,
            req.remote());
    long leaseSeconds = leaseSeconds(req);
    Instance previous = find(service, b.build().id());
    Author author = Acl.author(req.caller(), req.remote());
    boolean replacesLease = previous != null && isLease(previous.sessionId());
    // An instance of another client's session is replaced only by a caller that may act for it
    // (decision 0197); the core checks it again where the write is applied.
    boolean actsForAny =
        replacesLease
            || Acl.sessionAccess(req.security(), req.caller(), NS, service).actsForAnySession();
    if (previous != null
        && !replacesLease
        && !previous.sessionId().isEmpty()
        && !actsForAny
        && registry.isSessionOpen(previous.sessionId())) {
      return done(Reply.text(403, ownedElsewhere(previous)));
    }
    // A registration of an instance that holds a lease replaces it: the old lease's place is the
    // new one's, whatever becomes of the old session.
    if (replacesLease) {
      endLease(previous.sessionId());
    }
    Lease lease = new Lease();
    FrontDoorSecurity.Held place = req.security().openSession(req.caller(), lease);
    if (!place.granted()) {
      return done(
          Reply.json(
                  429,
                  Map.of(
                      "error",
                      "Too Many Requests",
                      "limit",
                      "--max-sessions-per-token",
                      "message",
                      "Too many leases: " + place.refusal()))
              .header("Retry-After", "1"));
    }
    lease.place = place;
    boolean counted = req.security().countsSessionsOf(req.caller());
    CompletableFuture<Reply> reply =
        registry
            .openSession(
                Duration.ofSeconds(leaseSeconds), "", SessionAccess.anySession(), LEASE, author)
            .thenCompose(
                session -> {
                  lease.sessionId = session.id();
                  if (counted) {
                    leases.put(session.id(), lease);
                  }
                  return registry
                      .register(
                          NS,
                          b.kind(InstanceKind.EPHEMERAL).sessionId(session.id()).build(),
                          actsForAny
                              ? SessionAccess.anySession()
                              : SessionAccess.secret(session.secret()),
                          author.inSession(session.id()))
                      .whenComplete(
                          (stored, e) -> {
                            if (e != null) {
                              registry.closeSession(session.id());
                              endLease(session.id());
                            }
                          });
                })
            .thenApply(
                stored -> {
                  if (replacesLease && !previous.sessionId().equals(stored.sessionId())) {
                    registry.closeSession(previous.sessionId());
                  }
                  return Reply.empty(204);
                });
    reply.whenComplete(
        (r, e) -> {
          if (e != null) {
            place.close(); // also when the session never opened
          }
        });
    return reply;
  }

  /** Gives back the place of the lease of session {@code sessionId}, if it holds one. */
  private void endLease(String sessionId) {
    Lease lease = sessionId.isEmpty() ? null : leases.remove(sessionId);
    if (lease != null) {
      lease.place.close();
    }
  }

  /**
   * A lease's hold on its token's place: held while its session is being opened and while it is
   * open. Asked only when the token is full; a lease found ended leaves {@link #leases}.
   */
  private final class Lease implements BooleanSupplier {
    volatile String sessionId; // null while opening
    volatile FrontDoorSecurity.Held place;

    @Override
    public boolean getAsBoolean() {
      String id = sessionId;
      if (id == null || registry.isSessionOpen(id)) {
        return true;
      }
      leases.remove(id, this);
      return false;
    }
  }

  /**
   * Whether session {@code sessionId} is a lease this door opened (on any member, by any version):
   * the door renews and closes only those. Leases were named {@value #OLD_LEASE} before decision
   * 0197; a session so named is still taken for one, so that leases opened before an upgrade go on
   * being renewed.
   */
  private boolean isLease(String sessionId) {
    if (sessionId.isEmpty()) {
      return false;
    }
    String name = registry.sessionName(sessionId);
    return LEASE.equals(name) || OLD_LEASE.equals(name);
  }

  private static String ownedElsewhere(Instance i) {
    return "Forbidden: instance "
        + i.service()
        + "/"
        + i.id()
        + " belongs to session "
        + i.sessionId()
        + ", not to a Eureka lease: only its owner, or with ACLs on a token with write on the"
        + " service, may replace or remove it";
  }

  private CompletableFuture<Reply> heartbeat(String service, String id) {
    Instance i = find(service, id);
    if (i == null || !isLease(i.sessionId())) {
      return done(Reply.empty(404));
    }
    try {
      registry.keepAlive(i.sessionId());
      return done(Reply.empty(200));
    } catch (CairnException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        return done(Reply.empty(404));
      }
      throw e;
    }
  }

  private CompletableFuture<Reply> cancel(Req req, String service, String id) {
    Instance i = find(service, id);
    if (i == null) {
      return done(Reply.empty(404));
    }
    Author author = Acl.author(req.caller(), req.remote());
    // A lease holds its one instance: cancelling closes it. Any other instance is removed alone,
    // as the server's API would remove it for this caller.
    CompletableFuture<Long> removed =
        isLease(i.sessionId())
            ? registry.closeSession(i.sessionId(), SessionAccess.anySession(), author)
            : registry.deregister(
                NS,
                service,
                id,
                Acl.sessionAccess(req.security(), req.caller(), NS, service),
                author);
    return removed.handle(
        (r, e) -> {
          endLease(i.sessionId());
          if (e == null) {
            return Reply.empty(200);
          }
          Throwable cause =
              e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof CairnException ce && ce.code() == ErrorCode.NOT_FOUND) {
            return Reply.empty(404);
          }
          throw new CompletionException(cause);
        });
  }

  private Reply applications(Req req, boolean delta) {
    Authorizer caller = req.caller();
    if (!Acl.readsSome(caller, NS)) {
      return refusal(caller);
    }
    boolean whole = Acl.readsAll(caller, NS);
    ServiceList list = registry.services(NS);
    Map<String, List<Instance>> apps = new TreeMap<>();
    for (ServiceSummary s : list.services()) {
      if (!whole && !Acl.reads(caller, NS, s.name())) {
        continue;
      }
      List<Instance> instances = registry.service(NS, s.name()).instances();
      if (!instances.isEmpty()) {
        apps.put(s.name(), instances);
      }
    }
    Map<String, Object> all = EurekaCodec.applications(apps, list.revision(), "ADDED");
    if (!delta) {
      return encode(req, all);
    }
    // The delta lists no instance but carries the hash of the full state: a client whose copy
    // matches keeps it; one whose copy differs fetches everything, as Eureka clients do.
    @SuppressWarnings("unchecked")
    Map<String, Object> body =
        new java.util.LinkedHashMap<>((Map<String, Object>) all.get("applications"));
    body.put("application", List.of());
    return encode(req, Map.of("applications", body));
  }

  private Reply application(Req req, String service) {
    List<Instance> instances = registry.service(NS, service).instances();
    if (instances.isEmpty()) {
      return Reply.empty(404);
    }
    return encode(req, Map.of("application", EurekaCodec.application(service, instances, "ADDED")));
  }

  private Reply instance(Req req, Instance i) {
    if (i == null) {
      return Reply.empty(404);
    }
    return encode(req, Map.of("instance", EurekaCodec.instance(i, "ADDED")));
  }

  /**
   * Runs {@code action} when {@code allowed}; else refuses as a Eureka server behind HTTP basic
   * authentication does: 401 with a {@code WWW-Authenticate} challenge without a token, 403 for an
   * unknown token or one without the right.
   */
  private static CompletableFuture<Reply> allowedAsync(
      Authorizer caller, boolean allowed, Supplier<CompletableFuture<Reply>> action) {
    return allowed ? action.get() : done(refusal(caller));
  }

  private static CompletableFuture<Reply> allowed(
      Authorizer caller, boolean allowed, Supplier<Reply> read) {
    return done(allowed ? read.get() : refusal(caller));
  }

  private static Reply refusal(Authorizer caller) {
    return switch (caller.kind()) {
      case ANONYMOUS ->
          Reply.text(401, "Unauthorized: an ACL token is needed (as the basic-auth password)")
              .header("WWW-Authenticate", "Basic realm=\"cairn\"");
      case UNKNOWN -> Reply.text(403, "Forbidden: unknown ACL token");
      default ->
          Reply.text(403, "Forbidden: token " + caller.accessorId() + " lacks the permission");
    };
  }

  /** {@code i}, or null when {@code caller} may not read its service (as if it did not exist). */
  private static Instance readable(Authorizer caller, Instance i) {
    return i == null || Acl.reads(caller, NS, i.service()) ? i : null;
  }

  private Instance find(String service, String id) {
    for (Instance i : registry.service(NS, service).instances()) {
      if (i.id().equals(id)) {
        return i;
      }
    }
    return null;
  }

  private Instance findAnywhere(String id) {
    for (ServiceSummary s : registry.services(NS).services()) {
      Instance i = find(s.name(), id);
      if (i != null) {
        return i;
      }
    }
    return null;
  }

  private static long leaseSeconds(Req req) {
    try {
      var tree =
          isXml(req.headers().get(HttpHeaderNames.CONTENT_TYPE))
              ? new com.fasterxml.jackson.dataformat.xml.XmlMapper().readTree(req.body())
              : Json.MAPPER.readTree(req.body());
      var info = tree.has("instance") ? tree.get("instance") : tree;
      long s = info.path("leaseInfo").path("durationInSecs").asLong(DEFAULT_LEASE_SECONDS);
      long min = Limits.MIN_SESSION_TTL_MILLIS / 1000;
      long max = Limits.MAX_SESSION_TTL_MILLIS / 1000;
      return s <= 0 ? DEFAULT_LEASE_SECONDS : Math.max(min, Math.min(max, s));
    } catch (java.io.IOException e) {
      throw new BadRequest("cannot parse the instance: " + e.getMessage());
    }
  }

  /**
   * Eureka's choice of format: JSON when the client accepts it by name, XML otherwise — also
   * without an {@code Accept} header, which is how Prometheus' {@code eureka_sd_configs} asks and
   * what it decodes.
   */
  private static Reply encode(Req req, Map<String, Object> value) {
    String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
    if (!accept.contains("json")) {
      return Reply.bytes(
          200, "application/xml", EurekaCodec.xml(value).getBytes(StandardCharsets.UTF_8));
    }
    return Reply.json(200, value);
  }

  private static boolean isXml(String contentType) {
    return contentType != null && contentType.contains("xml");
  }

  private static CompletableFuture<Reply> done(Reply reply) {
    return CompletableFuture.completedFuture(reply);
  }
}

package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.log.StorageStatus;
import dev.cairn.server.internal.BuildInfo;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.auth.Requirement;
import dev.cairn.server.internal.limits.RequestRateLimit;
import dev.cairn.server.internal.trends.Trends;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** The API's endpoints, shared by all connections of one server. Thread-safe. */
final class HttpApi {

  private final Registry registry;
  private final Instant startedAt;
  private final Clock clock;
  private final CatalogEndpoints catalog;
  private final SessionEndpoints sessions;
  private final WatchEndpoint watches;
  private final HttpMetrics metrics;
  private final ConsoleEndpoint console;
  private final HealthEndpoints health;
  private final DrainEndpoint drains;
  private final ClusterEndpoints cluster;
  private final AclGuard acl;
  private final AclEndpoints aclEndpoints;
  private final HistoryEndpoints history;
  private final AuditEndpoint audit;
  private final RequestRateLimit rate; // null: no limit

  HttpApi(
      Registry registry,
      Instant startedAt,
      HttpApiSettings settings,
      HttpMetrics metrics,
      AclGuard acl,
      Trends trends) {
    this.registry = registry;
    this.history = new HistoryEndpoints(registry, trends);
    this.audit = new AuditEndpoint(registry);
    this.acl = acl;
    this.aclEndpoints = new AclEndpoints(acl);
    this.metrics = metrics;
    this.startedAt = startedAt;
    this.clock = settings.clock();
    this.catalog = new CatalogEndpoints(registry);
    this.sessions =
        new SessionEndpoints(
            registry, settings.maxSessionsPerClient(), settings.sessionsPerToken());
    this.rate = settings.requestRate();
    this.health = new HealthEndpoints(registry);
    this.drains = new DrainEndpoint(registry);
    this.cluster = new ClusterEndpoints(registry.cluster(), registry::historyId);
    this.watches =
        new WatchEndpoint(
            registry,
            settings.maxWatchesPerClient(),
            settings.watchesPerToken(),
            settings.sseKeepAlive());
    this.console = ConsoleEndpoint.load();
  }

  /** The long-polls waiting for a change. */
  int pendingPolls() {
    return catalog.pendingPolls();
  }

  /** The event streams open now. */
  int openStreams() {
    return watches.openStreams();
  }

  /**
   * Adds the headers every answer carries (the registry's id, a cluster member's contact with its
   * leader).
   */
  void decorate(HttpHeaders headers) {
    cluster.decorate(headers);
  }

  /**
   * Serves {@code ex} on {@code route}; called on the connection's event loop. A read that asks for
   * a consistent answer or a minimum revision is served once this member is there.
   */
  void handle(Route route, Exchange ex) {
    refuseCrossOriginWrite(ex);
    refuseNonJsonWrite(ex);
    if (acl.enforced()) {
      ex.authorized(ex.caller(acl), acl);
    } else {
      ex.token(); // two different tokens are refused with ACLs off too: the request means one thing
    }
    if (rate != null) {
      limitRate(ex); // before the ACL check: guessing tokens counts too
    }
    authorize(route, ex);
    if (isRead(route)) {
      java.util.concurrent.CompletableFuture<Long> gate = cluster.readGate(ex);
      if (gate != null) {
        gate.whenComplete(
            (r, e) ->
                ex.execute(
                    () -> {
                      if (e != null) {
                        ex.fail(e);
                        return;
                      }
                      try {
                        serve(route, ex);
                      } catch (RuntimeException x) {
                        ex.fail(x);
                      }
                    }));
        return;
      }
    }
    serve(route, ex);
  }

  /**
   * Refuses a write that a page of another origin sent (issue 13: no cross-origin writes). A
   * browser names the page's origin in {@code Origin}; SDKs, scripts and curl send none. Without
   * it, a form or a {@code fetch} with no body on any web page could open sessions or use the
   * one-time ACL bootstrap on a developer's local server (a body other than JSON is refused
   * already, and JSON needs a CORS preflight, which this API never grants).
   */
  static void refuseCrossOriginWrite(Exchange ex) {
    HttpMethod m = ex.method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)) {
      return;
    }
    HttpHeaders h = ex.headers();
    String origin = h.get(HttpHeaderNames.ORIGIN);
    if (origin == null) {
      return;
    }
    String host = h.get(HttpHeaderNames.HOST);
    if (Origins.allowsWrite(origin, host)) {
      return;
    }
    throw new ApiError(
        HttpResponseStatus.FORBIDDEN,
        ErrorCode.PERMISSION_DENIED,
        "origin",
        "origin: "
            + origin
            + " is not this server ("
            + host
            + "): writes from pages of other origins are refused");
  }

  /**
   * Refuses a write whose body is not {@code application/json} (415), also on the endpoints that
   * read no body (renew, close, deregister, bootstrap): every body a page of another origin can
   * send without a CORS preflight (a form's {@code text/plain}, {@code
   * application/x-www-form-urlencoded}, {@code multipart/form-data}) is refused, whatever the
   * endpoint, before anything changes.
   */
  static void refuseNonJsonWrite(Exchange ex) {
    HttpMethod m = ex.method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)) {
      return;
    }
    ex.jsonBody(); // throws when a body is there and is not JSON
  }

  /**
   * Checks the request's token against what the route requires (decision 0167); throws the refusal.
   */
  private void authorize(Route route, Exchange ex) {
    if (!acl.enforced()) {
      return;
    }
    Authorizer caller = ex.authorizer();
    Requirement required = HttpRules.of(route);
    if (required.scope() == Requirement.Scope.PUBLIC || caller.allowsEverything()) {
      return;
    }
    String namespace = required.scope() == Requirement.Scope.GLOBAL ? "" : ex.namespace();
    String service =
        required.scope() == Requirement.Scope.SERVICE
            ? Names.checkLabel("service", ex.segment(route.serviceSegment()))
            : "";
    acl.check(caller, required, namespace, service);
  }

  /**
   * Counts the request against its caller's rate (decision 0170): the token's when ACLs are on and
   * it is a known one, else the client address's; refuses it with 429 and {@code Retry-After} when
   * the caller is over its rate.
   */
  private void limitRate(Exchange ex) {
    Authorizer caller = ex.authorizer();
    boolean byToken =
        acl.enforced() && caller.kind() == Authorizer.Kind.KNOWN && !caller.accessorId().isEmpty();
    java.net.SocketAddress remote = ex.channel().remoteAddress();
    Object key =
        byToken
            ? caller.accessorId()
            : remote instanceof java.net.InetSocketAddress a ? a.getAddress() : remote;
    long wait = rate.acquire(key);
    if (wait == 0) {
      return;
    }
    long seconds = RequestRateLimit.retryAfterSeconds(wait);
    throw ApiError.tooManyRequests(
        "rate",
        "rate: over "
            + rate.perSecond()
            + " requests a second for "
            + (byToken
                ? "token " + caller.accessorId()
                : "client " + (key instanceof java.net.InetAddress a ? a.getHostAddress() : key))
            + " (expected: at most "
            + rate.perSecond()
            + " a second, bursts of "
            + rate.burst()
            + "; retry after "
            + seconds
            + " s)",
        seconds);
  }

  private static boolean isRead(Route route) {
    switch (route) {
      case LIST_SERVICES:
      case LIST_INSTANCES:
      case GET_INSTANCE:
      case WATCH_SERVICE:
      case WATCH_SERVICES:
        return true;
      default:
        return false;
    }
  }

  private void serve(Route route, Exchange ex) {
    if (route.method() == HttpMethod.DELETE) {
      ex.refuseBody("a removal takes none; what it removes is named by its path");
    }
    switch (route) {
      case LIST_SERVICES:
        catalog.listServices(ex);
        break;
      case LIST_INSTANCES:
        catalog.listInstances(ex);
        break;
      case GET_INSTANCE:
        catalog.getInstance(ex);
        break;
      case REGISTER:
        catalog.register(ex);
        break;
      case DEREGISTER:
        catalog.deregister(ex);
        break;
      case WATCH_SERVICE:
        watches.watch(ex);
        break;
      case CREATE_SESSION:
        sessions.create(ex);
        break;
      case RENEW_SESSION:
        sessions.renew(ex);
        break;
      case DELETE_SESSION:
        sessions.delete(ex);
        break;
      case STATUS:
        status(ex);
        break;
      case METRICS:
        metrics(ex);
        break;
      case WATCH_SERVICES:
        watches.watchServices(ex);
        break;
      case CONSOLE_ROOT:
        console.root(ex);
        break;
      case CONSOLE:
        console.asset(ex);
        break;
      case REPORT_HEALTH:
        health.report(ex);
        break;
      case GET_SERVICE_CONFIG:
        health.getConfig(ex);
        break;
      case SET_SERVICE_CONFIG:
        health.setConfig(ex);
        break;
      case LIST_CHECKS:
        health.checks(ex);
        break;
      case DRAINED:
        drains.drained(ex);
        break;
      case LIST_MEMBERS:
        cluster.members(ex);
        break;
      case ADD_MEMBER:
        cluster.add(ex);
        break;
      case REMOVE_MEMBER:
        cluster.remove(ex);
        break;
      case TRANSFER_LEADER:
        cluster.transfer(ex);
        break;
      case SNAPSHOT:
        snapshot(ex);
        break;
      case ACL_BOOTSTRAP:
        aclEndpoints.bootstrap(ex);
        break;
      case LIST_TOKENS:
        aclEndpoints.listTokens(ex);
        break;
      case CREATE_TOKEN:
        aclEndpoints.createToken(ex);
        break;
      case DELETE_TOKEN:
        aclEndpoints.deleteToken(ex);
        break;
      case LIST_POLICIES:
        aclEndpoints.listPolicies(ex);
        break;
      case CREATE_POLICY:
        aclEndpoints.createPolicy(ex);
        break;
      case DELETE_POLICY:
        aclEndpoints.deletePolicy(ex);
        break;
      case HISTORY_SERVICES:
        history.services(ex);
        break;
      case HISTORY_EVENTS:
        history.events(ex);
        break;
      case HISTORY_SERVER:
        history.server(ex);
        break;
      case AUDIT:
        audit.audit(ex);
        break;
      case ACL_SELF:
        aclEndpoints.self(ex);
        break;
    }
  }

  /** {@code GET /metrics}: the Prometheus text format; 404 when metrics are off. */
  private void metrics(Exchange ex) {
    ex.checkParams(Set.of(), false);
    String page = metrics.scrape();
    if (page == null) {
      throw new ApiError(
          HttpResponseStatus.NOT_FOUND,
          ErrorCode.NOT_FOUND,
          "path",
          "path: \"/metrics\" (metrics are off on this server)");
    }
    ex.okText(page.getBytes(java.nio.charset.StandardCharsets.UTF_8), HttpMetrics.CONTENT_TYPE);
  }

  /**
   * {@code GET /v1/snapshot}: a consistent backup of the registry's durable state — every
   * persistent instance and every service's protection threshold, at one revision, after a
   * linearizable read barrier on a cluster. Ephemeral instances belong to live sessions and are
   * counted, not saved: their clients register them again. {@code cairn snapshot restore} writes a
   * backup back through the API (decision 0105).
   */
  private void snapshot(Exchange ex) {
    ex.checkParams(Set.of(), false);
    registry
        .cluster()
        .readBarrier()
        .whenComplete(
            (r, e) ->
                ex.execute(
                    () -> {
                      if (e != null) {
                        ex.fail(e);
                        return;
                      }
                      try {
                        ex.ok(snapshotBody(), registry.revision());
                      } catch (RuntimeException x) {
                        ex.fail(x);
                      }
                    }));
  }

  private byte[] snapshotBody() {
    long revision = registry.revision();
    java.util.List<dev.cairn.server.core.ServiceSnapshot> services =
        new java.util.ArrayList<>(registry.allServices());
    // A service's settings are saved also when it holds no instance now (decision 0105).
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (dev.cairn.server.core.ServiceSnapshot s : services) {
      listed.add(s.namespace() + "/" + s.name());
    }
    for (dev.cairn.server.core.ServiceSnapshot s : registry.configuredServices()) {
      if (listed.add(s.namespace() + "/" + s.name())) {
        services.add(s);
      }
    }
    return JsonBodies.encode(
        g -> {
          int ephemeral = 0;
          g.writeStartObject();
          g.writeStringField("format", "cairn-snapshot-1");
          g.writeNumberField("revision", revision);
          g.writeStringField("registryId", registry.historyId());
          g.writeStringField("takenAt", clock.instant().toString());
          g.writeArrayFieldStart("services");
          for (dev.cairn.server.core.ServiceSnapshot s : services) {
            g.writeStartObject();
            g.writeStringField("namespace", s.namespace());
            g.writeStringField("service", s.name());
            dev.cairn.server.core.ServiceConfig config =
                registry.serviceConfig(s.namespace(), s.name());
            if (!config.isDefault()) {
              g.writeNumberField("protectionThreshold", config.protectionThreshold());
            }
            g.writeArrayFieldStart("instances");
            for (dev.cairn.common.Instance i : s.instances()) {
              if (i.kind() == dev.cairn.common.InstanceKind.EPHEMERAL) {
                ephemeral++;
                continue;
              }
              JsonBodies.writeInstance(g, i);
            }
            g.writeEndArray();
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeNumberField("ephemeralNotSaved", ephemeral);
          g.writeEndObject();
        });
  }

  /**
   * The {@code log} object of {@code GET /v1/status}: whether the log can write (decision 0094).
   */
  private static void writeLog(JsonGenerator g, StorageStatus s) throws IOException {
    g.writeObjectFieldStart("log");
    g.writeBooleanField("writable", s.writable());
    g.writeStringField("error", s.error());
    g.writeStringField("dataDir", s.path());
    g.writeNumberField("usableBytes", s.usableBytes());
    g.writeNumberField("minFreeBytes", s.reserveBytes());
    g.writeNumberField("failedWrites", s.failedWrites());
    g.writeNumberField("recoveries", s.recoveries());
    g.writeEndObject();
  }

  /** {@code GET /v1/status}. */
  private void status(Exchange ex) {
    ex.checkParams(Set.of(), false);
    long revision = registry.revision();
    long uptimeMillis = Math.max(0, Duration.between(startedAt, clock.instant()).toMillis());
    int instances = registry.instanceCount();
    int sessionCount = registry.sessionCount();
    StorageStatus storage = registry.logStorage();
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeStringField("version", BuildInfo.VERSION);
              g.writeNumberField("revision", revision);
              g.writeNumberField("uptimeMillis", uptimeMillis);
              g.writeNumberField("instances", instances);
              g.writeNumberField("sessions", sessionCount);
              g.writeNumberField("pid", ProcessHandle.current().pid());
              HealthEndpoints.writeStatus(g, registry);
              ClusterEndpoints.writeStatus(g, registry.cluster());
              writeLog(g, storage);
              g.writeEndObject();
            }),
        revision);
  }
}

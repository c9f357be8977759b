package dev.cairn.compat.internal.consul;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.compat.internal.Acl;
import dev.cairn.compat.internal.BadRequest;
import dev.cairn.compat.internal.BlockingQuery;
import dev.cairn.compat.internal.Json;
import dev.cairn.compat.internal.Need;
import dev.cairn.compat.internal.Reply;
import dev.cairn.compat.internal.Req;
import dev.cairn.compat.internal.Route;
import dev.cairn.compat.internal.RouteTable;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.acl.Authorizer;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Consul-compatible endpoints (see {@code docs/interop.md} for the table). Namespaces come from
 * {@code ?ns=} (Consul Enterprise's namespace parameter), {@code default} when absent.
 */
public final class ConsulRoute implements Route {

  /** The endpoints ({@link ConsulEndpoint}: methods, paths and what each needs of the token). */
  static final RouteTable<ConsulEndpoint> TABLE = new RouteTable<>(ConsulEndpoint.class);

  /** Consul's header on a read that left out what the token may not read. */
  static final String FILTERED = "X-Consul-Results-Filtered-By-ACLs";

  private final Registry registry;
  private final ConsulEntries entries;
  private final AnswerCache answers = new AnswerCache();
  // Instance id -> service, for the agent's id-only endpoints; a hint, checked on use.
  private final Map<String, String> serviceOfId = new ConcurrentHashMap<>();

  public ConsulRoute(Registry registry, String datacenter, String nodeAddress) {
    this.registry = requireNonNull(registry, "registry");
    this.entries = new ConsulEntries(datacenter, nodeAddress);
  }

  @Override
  public CompletableFuture<Reply> handle(Req req) {
    String path = req.path();
    RouteTable.Match<ConsulEndpoint> match = TABLE.match(req.method(), path);
    ConsulEndpoint endpoint = match.endpoint();
    if (req.caller().kind() == Authorizer.Kind.UNKNOWN
        && (endpoint == null || endpoint.need().scope() != Need.Scope.NONE)) {
      return done(Reply.text(403, "ACL not found"));
    }
    if (endpoint == null) {
      if (isKv(path)) {
        return kv(req, path);
      }
      if (!match.methodAllowed()) {
        return done(Reply.text(405, "method " + req.method() + " not allowed"));
      }
      // To Consul's clients a 404 under /v1/ reads as "no such key" or "no such thing": an
      // endpoint this door does not serve is an error instead (decision 0209).
      return done(
          path.startsWith("/v1/")
              ? Reply.text(501, notServed(path))
              : Reply.text(404, "Not found: " + path));
    }
    Reply refused = refusedQuery(req, endpoint);
    if (refused != null) {
      return done(refused);
    }
    String ns = namespace(req);
    return switch (endpoint) {
      case CATALOG_SERVICES -> catalogServices(req, ns);
      case CATALOG_SERVICE -> serviceQuery(req, ns, service(match.param(0)), false);
      case HEALTH_SERVICE -> serviceQuery(req, ns, service(match.param(0)), true);
      case AGENT_SERVICES -> done(agentServices(req.caller(), ns));
      case REGISTER -> register(req, ns);
      case DEREGISTER -> deregister(req, ns, match.param(0));
      case CHECK_PASS -> updateCheck(req, ns, "pass", match.param(0));
      case CHECK_WARN -> updateCheck(req, ns, "warn", match.param(0));
      case CHECK_FAIL -> updateCheck(req, ns, "fail", match.param(0));
      case CHECK_UPDATE -> updateCheck(req, ns, "update", match.param(0));
      case AGENT_SELF -> {
        if (!Acl.readsServer(req.caller())) {
          throw denied(req.caller(), "agent:read", null);
        }
        yield done(Reply.json(200, entries.agentSelf()));
      }
      case STATUS_LEADER -> done(entries.headers(Reply.json(200, entries.leader()), 0));
      case STATUS_PEERS -> done(Reply.json(200, List.of(entries.leader())));
      case CATALOG_DATACENTERS -> done(Reply.json(200, List.of(entries.datacenter())));
    };
  }

  /**
   * Consul's answer to a query parameter this door cannot honour, or null: another datacenter is
   * Consul's 500 {@code No path to datacenter}, and a {@code ?filter=} expression, which this door
   * does not evaluate, a 400 rather than an unfiltered list (decision 0209).
   */
  private Reply refusedQuery(Req req, ConsulEndpoint endpoint) {
    boolean catalogRead =
        endpoint == ConsulEndpoint.CATALOG_SERVICES
            || endpoint == ConsulEndpoint.CATALOG_SERVICE
            || endpoint == ConsulEndpoint.HEALTH_SERVICE;
    String dc = req.param("dc");
    if (catalogRead && dc != null && !dc.isEmpty() && !dc.equals(entries.datacenter())) {
      return Reply.text(500, "No path to datacenter");
    }
    String filter = req.param("filter");
    if ((catalogRead || endpoint == ConsulEndpoint.AGENT_SERVICES)
        && filter != null
        && !filter.isBlank()) {
      return Reply.text(
          400,
          "Failed to create boolean expression evaluator: Cairn's Consul-compatible API does not"
              + " evaluate ?filter= expressions; use ?tag= or filter in the client");
    }
    return null;
  }

  private static boolean isKv(String path) {
    return path.equals("/v1/kv") || path.startsWith("/v1/kv/");
  }

  /**
   * Consul's KV store, as an empty one that takes no writes (decision 0224): a read is Consul's
   * answer for a missing key, 404 with an empty body and {@code X-Consul-Index} 1, and a blocking
   * read waits out its wait, since nothing ever changes; a write ({@code PUT}, {@code POST}, {@code
   * DELETE}, also a lock's {@code ?acquire=}) is 501, an error every client reports, so no client
   * believes it stored a key or holds a lock. Not an entry of {@link #TABLE}: there is nothing to
   * read, so a read needs no right (an unknown token is still refused, above).
   */
  private CompletableFuture<Reply> kv(Req req, String path) {
    HttpMethod method = req.method();
    if (method.equals(HttpMethod.PUT)
        || method.equals(HttpMethod.POST)
        || method.equals(HttpMethod.DELETE)) {
      return done(
          Reply.text(
              501,
              "Not implemented: Cairn's Consul-compatible API has no KV store and takes no"
                  + " writes to "
                  + path
                  + "; its reads answer as an empty store (every key missing)"));
    }
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      return done(Reply.text(405, "method " + method + " not allowed"));
    }
    String dc = req.param("dc");
    if (dc != null && !dc.isEmpty() && !dc.equals(entries.datacenter())) {
      return done(Reply.text(500, "No path to datacenter"));
    }
    String key = path.length() > "/v1/kv/".length() ? path.substring("/v1/kv/".length()) : "";
    boolean keys = req.has("keys");
    if (key.isEmpty() && !req.has("recurse") && !keys) {
      return done(Reply.text(400, "Missing key name"));
    }
    // Consul lists the keys of the root as an empty list, not a 404.
    Reply empty = key.isEmpty() && keys ? Reply.json(200, List.of()) : Reply.empty(404);
    return BlockingQuery.answer(
        req, index -> new CompletableFuture<>(), () -> entries.headers(empty, 1));
  }

  private static String notServed(String path) {
    return "Not implemented: Cairn's Consul-compatible API does not serve "
        + path
        + " (no sessions, transactions, ACLs, prepared queries, events or nodes); it serves the"
        + " catalog and health service reads, agent service registration and checks, status, and"
        + " KV reads as an empty store";
  }

  /**
   * Whether the query asks for nodes with some metadata ({@code ?node-meta=key:value}): Cairn's one
   * node has none, so as in Consul such a query matches nothing.
   */
  private static boolean nodeMetaFilter(Req req) {
    return req.params("node-meta").stream().anyMatch(v -> !v.isEmpty());
  }

  private CompletableFuture<Reply> catalogServices(Req req, String ns) {
    return BlockingQuery.answer(
        req,
        index -> registry.awaitServices(ns, index),
        () -> {
          ServiceList list = registry.services(ns);
          if (nodeMetaFilter(req)) {
            return entries.headers(Reply.json(200, Map.of()), list.revision());
          }
          // The token's rights when the answer is made: a blocking query may have waited minutes
          // (decision 0217).
          Authorizer caller = req.callerNow();
          if (caller.kind() == Authorizer.Kind.UNKNOWN) {
            return Reply.text(403, "ACL not found");
          }
          boolean all = Acl.readsAll(caller, ns);
          boolean filtered = false;
          Map<String, List<String>> out = new LinkedHashMap<>();
          for (ServiceSummary s : list.services()) {
            if (s.instanceCount() == 0) {
              continue;
            }
            if (!all && !Acl.reads(caller, ns, s.name())) {
              filtered = true;
              continue;
            }
            java.util.TreeSet<String> tags = new java.util.TreeSet<>();
            registry
                .service(ns, s.name())
                .instances()
                .forEach(i -> tags.addAll(ConsulEntries.tags(i)));
            out.put(s.name(), List.copyOf(tags));
          }
          Reply reply = entries.headers(Reply.json(200, out), list.revision());
          return filtered ? reply.header(FILTERED, "true") : reply;
        });
  }

  private CompletableFuture<Reply> serviceQuery(
      Req req, String ns, String service, boolean health) {
    boolean passingOnly = health && truthy(req, "passing");
    List<String> tags = req.params("tag");
    if (!Names.isLabel(service)) {
      // No Cairn service can have this name: Consul answers an empty list for an unknown service,
      // and so does Cairn, at index 1, so that a blocking client waits out its wait.
      return BlockingQuery.answer(
          req,
          index -> new CompletableFuture<>(),
          () -> entries.headers(Reply.json(200, List.of()), 1));
    }
    if (!Acl.reads(req.caller(), ns, service)) {
      // As Consul: a read the token may not make is filtered to nothing, and says so.
      return BlockingQuery.answer(
          req,
          index -> new CompletableFuture<>(),
          () -> entries.headers(Reply.json(200, List.of()), 1).header(FILTERED, "true"));
    }
    return BlockingQuery.answer(
        req,
        index -> registry.awaitService(ns, service, index),
        () -> {
          // The token's rights when the answer is made: a blocking query may have waited minutes
          // (decision 0217). Deleted, it is refused as an unknown token; narrowed, filtered.
          Authorizer now = req.callerNow();
          if (now.kind() == Authorizer.Kind.UNKNOWN) {
            return Reply.text(403, "ACL not found");
          }
          if (!Acl.reads(now, ns, service)) {
            return entries.headers(Reply.json(200, List.of()), 1).header(FILTERED, "true");
          }
          ServiceSnapshot snapshot = registry.service(ns, service);
          if (nodeMetaFilter(req)) {
            return entries.headers(Reply.json(200, List.of()), snapshot.revision());
          }
          AnswerCache.Query query =
              new AnswerCache.Query(ns, service, health, passingOnly, List.copyOf(tags));
          return answers.get(query, snapshot.revision(), () -> serviceAnswer(ns, snapshot, query));
        });
  }

  private Reply serviceAnswer(String ns, ServiceSnapshot snapshot, AnswerCache.Query query) {
    List<Object> out = new ArrayList<>();
    for (Instance i : snapshot.instances()) {
      if (!ConsulEntries.tags(i).containsAll(query.tags())) {
        continue;
      }
      if (query.passing() && i.health() != Health.PASSING) {
        continue;
      }
      out.add(query.health() ? entries.healthEntry(ns, i) : entries.catalogEntry(ns, i));
    }
    return entries.headers(Reply.json(200, out), snapshot.revision());
  }

  private CompletableFuture<Reply> register(Req req, String ns) {
    Instance instance = ConsulRegistration.parse(Json.tree(req.body()), req.remote());
    if (!Acl.writes(req.caller(), ns, instance.service())) {
      throw denied(req.caller(), "service:write", instance.service());
    }
    return registry
        .register(
            ns,
            instance,
            Acl.sessionAccess(req.security(), req.caller(), ns, instance.service()),
            Acl.author(req.caller(), req.remote()))
        .thenApply(
            stored -> {
              serviceOfId.put(ns + "/" + stored.id(), stored.service());
              return Reply.empty(200);
            });
  }

  private CompletableFuture<Reply> deregister(Req req, String ns, String id) {
    String service = serviceOf(ns, id);
    if (service == null) {
      throw new BadRequest(
          404,
          "Unknown service ID \""
              + id
              + "\". Ensure that the service ID is passed, not the service name.");
    }
    if (!Acl.writes(req.caller(), ns, service)) {
      throw denied(req.caller(), "service:write", service);
    }
    return registry
        .deregister(
            ns,
            service,
            id,
            Acl.sessionAccess(req.security(), req.caller(), ns, service),
            Acl.author(req.caller(), req.remote()))
        .thenApply(
            revision -> {
              serviceOfId.remove(ns + "/" + id);
              return Reply.empty(200);
            });
  }

  private CompletableFuture<Reply> updateCheck(Req req, String ns, String verb, String checkId) {
    String id = ConsulEntries.instanceIdOfCheck(checkId);
    String service = id == null ? null : serviceOf(ns, id);
    if (service == null) {
      throw new BadRequest(
          404,
          "Unknown check ID \""
              + checkId
              + "\". Ensure that the check ID is passed, not the check name.");
    }
    if (!Acl.reportsHealth(req.caller(), ns, service)) {
      throw denied(req.caller(), "service:write", service);
    }
    Health health =
        switch (verb) {
          case "pass" -> Health.PASSING;
          case "warn" -> Health.WARNING;
          case "fail" -> Health.CRITICAL;
          default -> statusOf(Json.tree(req.body()));
        };
    return registry
        .reportHealth(ns, service, id, health, Acl.author(req.caller(), req.remote()))
        .handle(
            (h, e) -> {
              if (e == null) {
                return Reply.empty(200);
              }
              Throwable cause = e.getCause() != null ? e.getCause() : e;
              if (cause instanceof CairnException ce
                  && ce.code() == ErrorCode.FAILED_PRECONDITION) {
                return Reply.text(400, "CheckID \"" + checkId + "\" does not have associated TTL");
              }
              if (cause instanceof RuntimeException re) {
                throw re;
              }
              throw new IllegalStateException(cause);
            });
  }

  private Reply agentServices(Authorizer caller, String ns) {
    Map<String, Object> out = new LinkedHashMap<>();
    boolean filtered = false;
    for (ServiceSummary s : registry.services(ns).services()) {
      if (!Acl.reads(caller, ns, s.name())) {
        filtered |= s.instanceCount() > 0;
        continue;
      }
      for (Instance i : registry.service(ns, s.name()).instances()) {
        out.put(i.id(), entries.agentService(i));
      }
    }
    Reply reply = Reply.json(200, out);
    return filtered ? reply.header(FILTERED, "true") : reply;
  }

  /**
   * Consul's refusal: 403 {@code Permission denied: token with AccessorID '…' lacks permission
   * 'service:write' on "web"}.
   */
  private static BadRequest denied(Authorizer caller, String permission, String on) {
    String who =
        caller.kind() == Authorizer.Kind.ANONYMOUS
            ? "anonymous token"
            : "token with AccessorID '" + caller.accessorId() + "'";
    return new BadRequest(
        403,
        "Permission denied: "
            + who
            + " lacks permission '"
            + permission
            + "'"
            + (on == null ? "" : " on \"" + on + "\""));
  }

  /**
   * The service of instance {@code id}: the hint if it still holds, else a scan of the namespace.
   */
  private String serviceOf(String ns, String id) {
    String hint = serviceOfId.get(ns + "/" + id);
    if (hint != null && contains(ns, hint, id)) {
      return hint;
    }
    for (ServiceSummary s : registry.services(ns).services()) {
      if (contains(ns, s.name(), id)) {
        serviceOfId.put(ns + "/" + id, s.name());
        return s.name();
      }
    }
    return null;
  }

  private boolean contains(String ns, String service, String id) {
    for (Instance i : registry.service(ns, service).instances()) {
      if (i.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private static Health statusOf(com.fasterxml.jackson.databind.JsonNode body) {
    String status = ConsulRegistration.field(body, "Status").asText("");
    return switch (status) {
      case "passing" -> Health.PASSING;
      case "warning" -> Health.WARNING;
      case "critical" -> Health.CRITICAL;
      default -> throw new BadRequest("Invalid check status: \"" + status + "\"");
    };
  }

  private static String namespace(Req req) {
    try {
      return Names.namespace(req.param("ns"));
    } catch (CairnException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  private static String service(String service) {
    if (service.isEmpty()) {
      throw new BadRequest("Missing service name");
    }
    return service;
  }

  private static boolean truthy(Req req, String name) {
    if (!req.has(name)) {
      return false;
    }
    String v = req.param(name);
    return v == null || v.isEmpty() || !(v.equals("false") || v.equals("0"));
  }

  private static CompletableFuture<Reply> done(Reply reply) {
    return CompletableFuture.completedFuture(reply);
  }
}

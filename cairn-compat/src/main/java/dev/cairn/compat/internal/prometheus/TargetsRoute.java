package dev.cairn.compat.internal.prometheus;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.compat.internal.Acl;
import dev.cairn.compat.internal.BadRequest;
import dev.cairn.compat.internal.Reply;
import dev.cairn.compat.internal.Req;
import dev.cairn.compat.internal.Route;
import dev.cairn.compat.internal.RouteTable;
import dev.cairn.server.FrontDoorKeys;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.acl.Authorizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /targets}: the instances as Prometheus HTTP SD target groups, one per instance, so
 * that each keeps its own labels. Query: {@code namespace} (default {@code default}), {@code
 * service} and {@code tag} (repeatable; every tag must match), {@code port} (a port name), {@code
 * healthy=true} (leave out critical instances).
 */
public final class TargetsRoute implements Route {

  /** The label prefix, like Prometheus' own {@code __meta_consul_}. */
  static final String META = "__meta_cairn_";

  /** Port names tried, in order, when the query names none. */
  static final List<String> DEFAULT_PORTS = List.of("metrics", "http");

  /** The endpoints ({@link TargetsEndpoint}: one, {@code GET /targets}). */
  static final RouteTable<TargetsEndpoint> TABLE = new RouteTable<>(TargetsEndpoint.class);

  private final Registry registry;

  public TargetsRoute(Registry registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  @Override
  public CompletableFuture<Reply> handle(Req req) {
    RouteTable.Match<TargetsEndpoint> match = TABLE.match(req.method(), req.path());
    if (match.endpoint() == null) {
      return CompletableFuture.completedFuture(
          match.methodAllowed()
              ? Reply.text(404, "Not found: " + req.path())
              : Reply.text(405, "Method not allowed: " + req.method()).header("Allow", "GET"));
    }
    return switch (match.endpoint()) {
      case TARGETS -> targets(req);
    };
  }

  private CompletableFuture<Reply> targets(Req req) {
    String namespace = label("namespace", req.param("namespace"), true);
    List<String> services = new ArrayList<>();
    for (String s : req.params("service")) {
      services.add(label("service", s, false));
    }
    List<String> tags = new ArrayList<>();
    for (String t : req.params("tag")) {
      tags.add(label("tag", t, false));
    }
    String port = req.param("port");
    if (port != null) {
      label("port", port, false);
    }
    boolean healthyOnly = Boolean.parseBoolean(req.param("healthy"));
    Authorizer caller = req.caller();
    if (services.isEmpty()) {
      if (!Acl.readsSome(caller, namespace)) {
        return CompletableFuture.completedFuture(refusal(caller, namespace, null));
      }
      boolean all = Acl.readsAll(caller, namespace);
      for (ServiceSummary s : registry.services(namespace).services()) {
        if (all || Acl.reads(caller, namespace, s.name())) {
          services.add(s.name());
        }
      }
    } else {
      for (String service : services) {
        if (!Acl.reads(caller, namespace, service)) {
          return CompletableFuture.completedFuture(refusal(caller, namespace, service));
        }
      }
    }
    List<Map<String, Object>> groups = new ArrayList<>();
    for (String service : services) {
      ServiceSnapshot snapshot = registry.service(namespace, service);
      for (Instance i : snapshot.instances()) {
        if (!i.tags().containsAll(tags) || (healthyOnly && !i.health().isHealthy())) {
          continue;
        }
        String portName = port != null ? port : defaultPort(i);
        int p = portName == null ? -1 : i.port(portName);
        if (p < 0) {
          continue;
        }
        groups.add(group(namespace, i, portName, p));
      }
    }
    return CompletableFuture.completedFuture(Reply.json(200, groups));
  }

  /**
   * 401 without a token (Prometheus shows the status; its {@code authorization} setting sends one),
   * 403 for an unknown token or one that may not read what was asked.
   */
  private static Reply refusal(Authorizer caller, String namespace, String service) {
    return switch (caller.kind()) {
      case ANONYMOUS ->
          Reply.text(401, "Unauthorized: an ACL token is needed (Authorization: Bearer <token>)")
              .header("WWW-Authenticate", "Bearer realm=\"cairn\"");
      case UNKNOWN -> Reply.text(403, "Forbidden: unknown ACL token");
      default ->
          Reply.text(
              403,
              "Forbidden: token "
                  + caller.accessorId()
                  + " may not read "
                  + (service == null ? "any service of " + namespace : namespace + "/" + service));
    };
  }

  private static Map<String, Object> group(String namespace, Instance i, String portName, int p) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(META + "namespace", namespace);
    labels.put(META + "service", i.service());
    labels.put(META + "instance_id", i.id());
    labels.put(META + "address", i.address());
    labels.put(META + "port_name", portName);
    labels.put(META + "zone", i.zone());
    labels.put(META + "health", i.health().name().toLowerCase(Locale.ROOT));
    labels.put(META + "weight", Integer.toString(i.weight()));
    labels.put(META + "tags", i.tags().isEmpty() ? "" : "," + String.join(",", i.tags()) + ",");
    // Without the front doors' own keys (decision 0225).
    for (Map.Entry<String, String> m : FrontDoorKeys.without(i.metadata()).entrySet()) {
      labels.put(META + "metadata_" + labelName(m.getKey()), m.getValue());
    }
    Map<String, Object> group = new LinkedHashMap<>(2);
    group.put("targets", List.of(hostPort(i.address(), p)));
    group.put("labels", labels);
    return group;
  }

  /** The first of {@link #DEFAULT_PORTS} the instance has, else its only port, else null. */
  static String defaultPort(Instance i) {
    for (String name : DEFAULT_PORTS) {
      if (i.ports().containsKey(name)) {
        return name;
      }
    }
    return i.ports().size() == 1 ? i.ports().keySet().iterator().next() : null;
  }

  /** A Prometheus label name: {@code [a-zA-Z0-9_]}, anything else becomes {@code _}. */
  static String labelName(String key) {
    StringBuilder b = new StringBuilder(key.length());
    for (int k = 0; k < key.length(); k++) {
      char c = key.charAt(k);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      b.append(ok ? c : '_');
    }
    return b.toString();
  }

  static String hostPort(String address, int port) {
    boolean ipv6 = address.indexOf(':') >= 0 && !address.startsWith("[");
    return (ipv6 ? "[" + address + "]" : address) + ":" + port;
  }

  private static String label(String field, String value, boolean namespace) {
    try {
      return namespace ? Names.namespace(value) : Names.checkLabel(field, value);
    } catch (CairnException e) {
      throw new BadRequest(e.getMessage());
    }
  }
}

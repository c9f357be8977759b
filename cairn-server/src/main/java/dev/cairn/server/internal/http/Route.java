package dev.cairn.server.internal.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API's endpoints: a method and a path pattern each. A pattern segment {@code {}} matches
 * any one path segment, which becomes a path parameter in order; a last segment {@code **} matches
 * any number of segments, none included. {@code HEAD} matches the {@code GET} routes that {@link
 * #answersHead() answer it}.
 */
enum Route {
  LIST_SERVICES(HttpMethod.GET, "v1", "services"),
  LIST_INSTANCES(HttpMethod.GET, "v1", "services", "{}", "instances"),
  GET_INSTANCE(HttpMethod.GET, "v1", "services", "{}", "instances", "{}"),
  REGISTER(HttpMethod.PUT, "v1", "services", "{}", "instances", "{}"),
  DEREGISTER(HttpMethod.DELETE, "v1", "services", "{}", "instances", "{}"),
  WATCH_SERVICE(HttpMethod.GET, "v1", "watch", "services", "{}"),
  CREATE_SESSION(HttpMethod.POST, "v1", "sessions"),
  RENEW_SESSION(HttpMethod.PUT, "v1", "sessions", "{}", "renew"),
  DELETE_SESSION(HttpMethod.DELETE, "v1", "sessions", "{}"),
  STATUS(HttpMethod.GET, "v1", "status"),
  METRICS(HttpMethod.GET, "metrics"),
  WATCH_SERVICES(HttpMethod.GET, "v1", "watch", "services"),
  CONSOLE_ROOT(HttpMethod.GET, ""),
  CONSOLE(HttpMethod.GET, "ui", "**"),
  REPORT_HEALTH(HttpMethod.PUT, "v1", "services", "{}", "instances", "{}", "health"),
  GET_SERVICE_CONFIG(HttpMethod.GET, "v1", "services", "{}", "config"),
  SET_SERVICE_CONFIG(HttpMethod.PUT, "v1", "services", "{}", "config"),
  LIST_CHECKS(HttpMethod.GET, "v1", "services", "{}", "checks"),
  DRAINED(HttpMethod.GET, "v1", "services", "{}", "drained"),
  LIST_MEMBERS(HttpMethod.GET, "v1", "cluster", "members"),
  ADD_MEMBER(HttpMethod.POST, "v1", "cluster", "members"),
  REMOVE_MEMBER(HttpMethod.DELETE, "v1", "cluster", "members", "{}"),
  TRANSFER_LEADER(HttpMethod.POST, "v1", "cluster", "leader"),
  SNAPSHOT(HttpMethod.GET, "v1", "snapshot"),
  ACL_BOOTSTRAP(HttpMethod.POST, "v1", "acl", "bootstrap"),
  LIST_TOKENS(HttpMethod.GET, "v1", "acl", "tokens"),
  CREATE_TOKEN(HttpMethod.POST, "v1", "acl", "tokens"),
  DELETE_TOKEN(HttpMethod.DELETE, "v1", "acl", "tokens", "{}"),
  LIST_POLICIES(HttpMethod.GET, "v1", "acl", "policies"),
  CREATE_POLICY(HttpMethod.POST, "v1", "acl", "policies"),
  DELETE_POLICY(HttpMethod.DELETE, "v1", "acl", "policies", "{}"),
  HISTORY_SERVICES(HttpMethod.GET, "v1", "history", "services"),
  HISTORY_EVENTS(HttpMethod.GET, "v1", "history", "events"),
  HISTORY_SERVER(HttpMethod.GET, "v1", "history", "server"),
  AUDIT(HttpMethod.GET, "v1", "audit"),
  ACL_SELF(HttpMethod.GET, "v1", "acl", "self");

  private static final Route[] ALL = values();

  private final String tag = name().toLowerCase(java.util.Locale.ROOT);

  private final HttpMethod method;
  private final String[] pattern;

  Route(HttpMethod method, String... pattern) {
    this.method = method;
    this.pattern = pattern;
  }

  /** The index of the path segment that names the service (the first parameter), or -1. */
  int serviceSegment() {
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].equals("{}")) {
        return i;
      }
    }
    return -1;
  }

  /** The route's method. */
  HttpMethod method() {
    return method;
  }

  /**
   * An example path of the route, each {@code {}} replaced by {@code example} and {@code **} by
   * nothing: {@code /v1/services/web/instances}.
   */
  String examplePath(String example) {
    StringBuilder b = new StringBuilder();
    for (String p : pattern) {
      if (p.equals("**")) {
        break;
      }
      b.append('/').append(p.equals("{}") ? example : p);
    }
    return b.length() == 0 ? "/" : b.toString();
  }

  /** The route's name in lower case, for metrics: {@code list_instances}. */
  String tag() {
    return tag;
  }

  /**
   * Finds the route for {@code method} and the path's (still percent-encoded) segments. Returns
   * {@code null} when no route has this path; {@link Match#route()} is {@code null} when routes
   * have this path but none this method, and {@link Match#allowed()} lists their methods.
   */
  static Match match(HttpMethod method, String[] segments) {
    boolean head = method.equals(HttpMethod.HEAD);
    List<HttpMethod> allowed = null;
    for (Route r : ALL) {
      if (!r.matchesPath(segments)) {
        continue;
      }
      if (r.method.equals(method) || head && r.answersHead()) {
        return new Match(r, List.of());
      }
      if (allowed == null) {
        allowed = new ArrayList<>(3);
      }
      allowed.add(r.method);
      if (r.answersHead()) {
        allowed.add(HttpMethod.HEAD);
      }
    }
    return allowed == null ? null : new Match(null, allowed);
  }

  /**
   * Whether {@code HEAD} is served here as {@code GET} without the body (RFC 9110): every {@code
   * GET} but the event streams, whose answer has no end to take the headers from.
   */
  boolean answersHead() {
    return method.equals(HttpMethod.GET) && this != WATCH_SERVICE && this != WATCH_SERVICES;
  }

  private boolean matchesPath(String[] segments) {
    int fixed = pattern.length;
    if (fixed > 0 && pattern[fixed - 1].equals("**")) {
      fixed--;
      if (segments.length < fixed) {
        return false;
      }
    } else if (segments.length != fixed) {
      return false;
    }
    for (int i = 0; i < fixed; i++) {
      String p = pattern[i];
      if (!p.equals("{}") && !p.equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** The route found for a request, or the methods the path allows. */
  record Match(Route route, List<HttpMethod> allowed) {}
}

package dev.cairn.server.internal.http;

import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.internal.auth.Requirement;

/**
 * What each HTTP route requires of the caller's token (decision 0167). The switch has no default: a
 * new {@link Route} without a rule here does not compile, and the ACL tests walk every route.
 */
final class HttpRules {

  private HttpRules() {}

  static Requirement of(Route route) {
    return switch (route) {
      case LIST_SERVICES, WATCH_SERVICES, HISTORY_SERVICES, HISTORY_EVENTS ->
          Requirement.namespace(Resource.SERVICE, Access.READ);
      case LIST_INSTANCES, GET_INSTANCE, WATCH_SERVICE, LIST_CHECKS, DRAINED ->
          Requirement.service(Resource.SERVICE, Access.READ);
      case REGISTER, DEREGISTER -> Requirement.service(Resource.SERVICE, Access.WRITE);
      case REPORT_HEALTH -> Requirement.service(Resource.HEALTH, Access.WRITE);
      case GET_SERVICE_CONFIG -> Requirement.service(Resource.SETTINGS, Access.READ);
      case SET_SERVICE_CONFIG -> Requirement.service(Resource.SETTINGS, Access.WRITE);
      case CREATE_SESSION, RENEW_SESSION, DELETE_SESSION ->
          Requirement.global(Resource.SESSION, Access.WRITE);
      case STATUS, METRICS, LIST_MEMBERS, HISTORY_SERVER ->
          Requirement.global(Resource.CLUSTER, Access.READ);
      case ADD_MEMBER, REMOVE_MEMBER, TRANSFER_LEADER, SNAPSHOT ->
          Requirement.global(Resource.CLUSTER, Access.WRITE);
      case LIST_TOKENS, LIST_POLICIES, AUDIT -> Requirement.global(Resource.ACL, Access.READ);
      case CREATE_TOKEN, DELETE_TOKEN, CREATE_POLICY, DELETE_POLICY ->
          Requirement.global(Resource.ACL, Access.WRITE);
      case CONSOLE_ROOT, CONSOLE, ACL_BOOTSTRAP, ACL_SELF -> Requirement.PUBLIC;
    };
  }

  /** Whether the route names a service in its path (third segment). */
  static boolean namesService(Route route) {
    return of(route).scope() == Requirement.Scope.SERVICE;
  }
}

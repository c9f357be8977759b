package dev.cairn.server.internal.grpc;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.internal.auth.Requirement;
import java.util.Map;

/**
 * What each {@code cairn.v1.Registry} method requires of the caller's token (decision 0167). A
 * method without a rule here is refused ({@link AclInterceptor}), and the ACL tests walk every
 * method of the service descriptor, so a new method without a rule fails them.
 *
 * <p>Scoped rules are checked by the method itself, once it has read the namespace and service from
 * the request; {@code Watch} of a service list (no service) needs the whole namespace; on the
 * {@code Session} stream, each registration and removal needs write on its service.
 */
final class GrpcRules {

  private static final Map<String, Requirement> RULES =
      Map.of(
          RegistryGrpc.getRegisterMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.WRITE),
          RegistryGrpc.getDeregisterMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.WRITE),
          RegistryGrpc.getGetServiceMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.READ),
          RegistryGrpc.getListServicesMethod().getFullMethodName(),
          Requirement.namespace(Resource.SERVICE, Access.READ),
          RegistryGrpc.getStatusMethod().getFullMethodName(),
          Requirement.global(Resource.CLUSTER, Access.READ),
          RegistryGrpc.getReportHealthMethod().getFullMethodName(),
          Requirement.service(Resource.HEALTH, Access.WRITE),
          RegistryGrpc.getWatchMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.READ),
          RegistryGrpc.getWatchWithAcksMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.READ),
          RegistryGrpc.getAwaitDrainedMethod().getFullMethodName(),
          Requirement.service(Resource.SERVICE, Access.READ),
          RegistryGrpc.getSessionMethod().getFullMethodName(),
          Requirement.global(Resource.SESSION, Access.WRITE));

  private GrpcRules() {}

  /** The rule of a method, by its full name; null when it has none. */
  static Requirement of(String fullMethodName) {
    return RULES.get(fullMethodName);
  }
}

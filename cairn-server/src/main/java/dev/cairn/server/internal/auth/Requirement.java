package dev.cairn.server.internal.auth;

import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;

/**
 * What an endpoint or a gRPC method requires of the caller's token: an access to a resource, for
 * one service, a whole namespace, the resource as a whole — or nothing ({@link #PUBLIC}).
 */
public record Requirement(Resource resource, Access access, Scope scope) {

  /** What the requirement is scoped to. */
  public enum Scope {
    /** Nothing required: anyone may call it (the console's files, the one-time bootstrap). */
    PUBLIC,
    /** The resource as a whole (sessions, the cluster, ACLs). */
    GLOBAL,
    /** Every service of the request's namespace (service lists). */
    NAMESPACE,
    /** The request's service. */
    SERVICE
  }

  /** No requirement. */
  public static final Requirement PUBLIC =
      new Requirement(Resource.CLUSTER, Access.READ, Scope.PUBLIC);

  /** {@code access} to a resource as a whole. */
  public static Requirement global(Resource resource, Access access) {
    return new Requirement(resource, access, Scope.GLOBAL);
  }

  /** {@code access} to the request's service. */
  public static Requirement service(Resource resource, Access access) {
    return new Requirement(resource, access, Scope.SERVICE);
  }

  /** {@code access} to every service of the request's namespace. */
  public static Requirement namespace(Resource resource, Access access) {
    return new Requirement(resource, access, Scope.NAMESPACE);
  }
}

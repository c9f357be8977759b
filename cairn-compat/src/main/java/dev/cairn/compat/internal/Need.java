package dev.cairn.compat.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;

/**
 * What a front-door endpoint asks of the caller's ACL token (decision 0174), on the server's rules
 * (decision 0167). Every {@link Endpoint} declares one: an endpoint cannot be added without a rule,
 * and the ACL tests are generated from the route tables.
 *
 * @param scope what the right is on
 * @param resource the resource ({@code service}, {@code health}, {@code cluster}); null for {@link
 *     Scope#NONE}
 * @param access the access; null for {@link Scope#NONE}
 */
public record Need(Scope scope, Resource resource, Access access) {

  /** What the right is on. */
  public enum Scope {
    /** Nothing: answered whatever the token (Consul's status endpoints). */
    NONE,
    /** The service the request names (in its path, its body, or through the instance it names). */
    SERVICE,
    /** Some service of the namespace: a list, which holds only what the token may read. */
    SOME_SERVICE,
    /** The server itself ({@code cluster}), not a service. */
    SERVER
  }

  /** Nothing needed. */
  public static final Need NOTHING = new Need(Scope.NONE, null, null);

  /** {@code service} read on some service of the namespace; the answer is filtered to those. */
  public static final Need LIST = new Need(Scope.SOME_SERVICE, Resource.SERVICE, Access.READ);

  /** {@code resource} {@code access} on the service the request names. */
  public static Need service(Resource resource, Access access) {
    return new Need(
        Scope.SERVICE, requireNonNull(resource, "resource"), requireNonNull(access, "access"));
  }

  /** {@code resource} {@code access} on the server (a global resource). */
  public static Need server(Resource resource, Access access) {
    return new Need(
        Scope.SERVER, requireNonNull(resource, "resource"), requireNonNull(access, "access"));
  }
}

package dev.cairn.compat.internal;

import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;

/**
 * The front doors' questions to a caller's {@link Authorizer}, on the server's ACL rules (decision
 * 0167): reads of a service need {@code service} read, lists are filtered to the services the
 * caller may read (decision 0173), registrations and removals need {@code service} write, health
 * reports {@code health} write. Each front door answers a refusal its protocol's way. Allocates
 * nothing.
 */
public final class Acl {

  private Acl() {}

  /** Whether {@code caller} may read {@code service} of {@code namespace}. */
  public static boolean reads(Authorizer caller, String namespace, String service) {
    return caller.allows(Resource.SERVICE, Access.READ, namespace, service);
  }

  /** Whether {@code caller} may read every service of {@code namespace}: no filter needed. */
  public static boolean readsAll(Authorizer caller, String namespace) {
    return caller.allowsWholeNamespace(Resource.SERVICE, Access.READ, namespace);
  }

  /** Whether a list of {@code namespace} can hold anything for {@code caller}. */
  public static boolean readsSome(Authorizer caller, String namespace) {
    return caller.kind() != Authorizer.Kind.UNKNOWN
        && caller.allowsSomeOfNamespace(Resource.SERVICE, Access.READ, namespace);
  }

  /** Whether {@code caller} may register and remove instances of {@code service}. */
  public static boolean writes(Authorizer caller, String namespace, String service) {
    return caller.allows(Resource.SERVICE, Access.WRITE, namespace, service);
  }

  /** Whether {@code caller} may report the health of {@code service}'s instances. */
  public static boolean reportsHealth(Authorizer caller, String namespace, String service) {
    return caller.allows(Resource.HEALTH, Access.WRITE, namespace, service);
  }

  /** Whether {@code caller} may read the server's own state (Consul's {@code agent:read}). */
  public static boolean readsServer(Authorizer caller) {
    return caller.allows(Resource.CLUSTER, Access.READ);
  }

  /**
   * What {@code caller} proves about sessions when it writes to {@code service}, as on the server's
   * API (decision 0165): with ACLs on, a token with write on the service acts for every session;
   * otherwise it proves none, so an instance another client's session owns is neither replaced nor
   * removed through a front door (the protocols carry no session secret).
   */
  public static SessionAccess sessionAccess(
      FrontDoorSecurity security, Authorizer caller, String namespace, String service) {
    return security.aclEnforced() && writes(caller, namespace, service)
        ? SessionAccess.anySession()
        : SessionAccess.none();
  }

  /** The audit's author of a write by {@code caller} from {@code remote}. */
  public static dev.cairn.server.core.Author author(Authorizer caller, String remote) {
    return dev.cairn.server.core.Author.of(caller.accessorId(), remote);
  }
}

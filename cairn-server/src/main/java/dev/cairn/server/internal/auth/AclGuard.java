package dev.cairn.server.internal.auth;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.Acls;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The transports' one ACL check (decision 0167): the token a request carries becomes an {@link
 * Authorizer} (cached per token by the core), and a {@link Requirement} is checked against it. With
 * ACLs off every caller is allowed everything (and sessions are still proved by their secrets).
 *
 * <p>Refusals: no token where the anonymous policy does not allow the request is {@code
 * UNAUTHENTICATED} (HTTP 401); an unknown token, or a token without the right, is {@code
 * PERMISSION_DENIED} (HTTP 403); both name the field {@code token}. Thread-safe.
 */
public final class AclGuard {

  /** The header that carries a token (besides {@code Authorization: Bearer}). */
  public static final String TOKEN_HEADER = "X-Cairn-Token";

  private final Acls acls;
  private final boolean enforced;

  public AclGuard(Acls acls, boolean enforced) {
    this.acls = acls;
    this.enforced = enforced;
  }

  /** Whether ACLs are on. */
  public boolean enforced() {
    return enforced;
  }

  /** The registry's tokens and policies. */
  public Acls acls() {
    return acls;
  }

  /** What the caller with token {@code secret} (null or empty: none) may do. */
  public Authorizer authorizer(String secret) {
    return enforced ? acls.authorizer(secret) : Authorizer.ALL;
  }

  /**
   * The rights of the caller with token {@code secret} (null: none) as they are at each call of the
   * supplier, for what outlives the request that opened it — an event stream, a watch: a token
   * deleted, or a policy changed, since it began applies at its next event (decision 0217). Each
   * call is a look-up in the core's cache, without hashing or allocating while no ACL changed.
   */
  public Supplier<Authorizer> live(String secret) {
    if (!enforced) {
      return () -> Authorizer.ALL;
    }
    return () -> acls.authorizer(secret);
  }

  /**
   * What {@code rights} (see {@link #live}) refuse now of {@code required} on {@code service} of
   * {@code namespace}: null while they allow it, else the refusal, its message saying that an open
   * stream was ended.
   */
  public CairnException refusalNow(
      Supplier<Authorizer> rights, Requirement required, String namespace, String service) {
    Authorizer caller = rights.get();
    if (allows(caller, required, namespace, service)) {
      return null;
    }
    return ofOpenStream(refusal(caller, required, namespace, service));
  }

  /**
   * {@code refusal} of a stream that was allowed when it opened, saying so: the caller learns why a
   * stream that worked ends.
   */
  public static CairnException ofOpenStream(CairnException refusal) {
    return CairnException.of(
        refusal.code(),
        refusal.field(),
        refusal.getMessage()
            + "; the stream was open since before: its token was deleted or its policies changed");
  }

  /**
   * The token in an {@code Authorization: Bearer} or {@value #TOKEN_HEADER} value pair (either may
   * be null); null when neither carries one. An {@code Authorization} of another scheme carries no
   * token (see {@link #caller}).
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code token} when both carry a token
   *     and the two differ: which of them acts would be a guess (the same token in both is one)
   */
  public static String token(String authorization, String tokenHeader) {
    String fromHeader = tokenHeader == null || tokenHeader.isBlank() ? null : tokenHeader.trim();
    String bearer = bearer(authorization);
    if (fromHeader != null && bearer != null && !constantTimeEquals(fromHeader, bearer)) {
      throw CairnException.of(
          ErrorCode.INVALID_ARGUMENT,
          "token",
          "token: Authorization: Bearer and "
              + TOKEN_HEADER
              + " carry different tokens (expected: the token in one of the two headers, or the"
              + " same token in both)");
    }
    return fromHeader != null ? fromHeader : bearer;
  }

  /**
   * What the caller with these headers may do (either may be null): {@link #token} checked, then
   * resolved with {@link #authorizer}. With ACLs on, an {@code Authorization} of a scheme other
   * than {@code Bearer} (a proxy's {@code Basic}, a {@code Digest}) while {@value #TOKEN_HEADER}
   * carries no token is refused rather than served as the anonymous caller: the client meant to
   * authenticate and would otherwise be told only that its token is missing. With ACLs off no token
   * is read, and such a header is not looked at.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code token} for two different tokens;
   *     {@code UNAUTHENTICATED} naming {@code authorization} for another scheme, ACLs on
   */
  public Authorizer caller(String authorization, String tokenHeader) {
    String token = token(authorization, tokenHeader);
    if (enforced && token == null && authorization != null && !authorization.isBlank()) {
      String scheme = scheme(authorization);
      if (!"Bearer".equalsIgnoreCase(scheme) && !"Bearer".equalsIgnoreCase(authorization.trim())) {
        throw CairnException.of(
            ErrorCode.UNAUTHENTICATED,
            "authorization",
            "authorization: "
                + (scheme == null ? "a value with no scheme" : "scheme " + scheme)
                + " (expected: Bearer <secret>, or the secret in "
                + TOKEN_HEADER
                + ": ACLs are on)");
      }
    }
    return authorizer(token);
  }

  /** The secret of an {@code Authorization: Bearer <secret>} value; null for anything else. */
  private static String bearer(String authorization) {
    if (authorization != null
        && authorization.length() > 7
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String t = authorization.substring(7).trim();
      return t.isEmpty() ? null : t;
    }
    return null;
  }

  /**
   * The scheme of an {@code Authorization} value ({@code Basic} of {@code Basic dXNlcjpw}), shown
   * in refusals; null when the value is one word (it may be a secret sent without a scheme) or its
   * first word is no short run of letters, digits and dashes.
   */
  static String scheme(String authorization) {
    String v = authorization.trim();
    int space = v.indexOf(' ');
    if (space <= 0 || space > 32) {
      return null;
    }
    for (int i = 0; i < space; i++) {
      char c = v.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
        return null;
      }
    }
    return v.substring(0, space);
  }

  private static boolean constantTimeEquals(String a, String b) {
    return java.security.MessageDigest.isEqual(
        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Checks {@code required} for {@code caller} on {@code service} of {@code namespace} (either
   * ignored when the requirement is not about them).
   *
   * @throws CairnException {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED}, naming {@code
   *     token}
   */
  public void check(Authorizer caller, Requirement required, String namespace, String service) {
    if (allows(caller, required, namespace, service)) {
      return;
    }
    throw refusal(caller, required, namespace, service);
  }

  /** Whether {@code caller} meets {@code required}; allocates nothing. */
  public boolean allows(Authorizer caller, Requirement required, String namespace, String service) {
    if (caller.allowsEverything()) {
      return true;
    }
    switch (required.scope()) {
      case PUBLIC:
        return true;
      case GLOBAL:
        return caller.kind() != Authorizer.Kind.UNKNOWN
            && caller.allows(required.resource(), required.access());
      case NAMESPACE:
        return caller.kind() != Authorizer.Kind.UNKNOWN
            && caller.allowsSomeOfNamespace(required.resource(), required.access(), namespace);
      case SERVICE:
        return caller.kind() != Authorizer.Kind.UNKNOWN
            && caller.allows(required.resource(), required.access(), namespace, service);
      default:
        return false;
    }
  }

  /**
   * {@code list} as {@code caller} may see it (decision 0173): whole when it may read every service
   * of the namespace (ACLs off, management, a rule for all of it), else only the services it may
   * read. Allocates only when something is left out.
   */
  public static ServiceList readable(Authorizer caller, ServiceList list) {
    if (readsWholeNamespace(caller, list.namespace())) {
      return list;
    }
    List<ServiceSummary> kept = new ArrayList<>(list.services().size());
    for (ServiceSummary s : list.services()) {
      if (caller.allows(Resource.SERVICE, Access.READ, list.namespace(), s.name())) {
        kept.add(s);
      }
    }
    return kept.size() == list.services().size()
        ? list
        : new ServiceList(list.namespace(), list.revision(), List.copyOf(kept));
  }

  /** Whether {@code caller} may read every service of {@code namespace}: lists need no filter. */
  public static boolean readsWholeNamespace(Authorizer caller, String namespace) {
    return caller.allowsWholeNamespace(Resource.SERVICE, Access.READ, namespace);
  }

  /** Whether {@code caller} may read {@code service} of {@code namespace}. */
  public static boolean reads(Authorizer caller, String namespace, String service) {
    return caller.allows(Resource.SERVICE, Access.READ, namespace, service);
  }

  /**
   * What proves sessions for a write to {@code service}: {@code presented}, or — ACLs on and a
   * token with write on the service — the right to act for every session (decision 0165).
   */
  public SessionAccess sessionAccess(
      Authorizer caller, SessionAccess presented, String namespace, String service) {
    if (enforced && caller.allows(Resource.SERVICE, Access.WRITE, namespace, service)) {
      return SessionAccess.anySession();
    }
    return presented;
  }

  private static CairnException refusal(
      Authorizer caller, Requirement required, String namespace, String service) {
    switch (caller.kind()) {
      case ANONYMOUS:
        return CairnException.of(
            ErrorCode.UNAUTHENTICATED,
            "token",
            "token: missing (expected: an ACL token, sent as Authorization: Bearer <secret> or "
                + TOKEN_HEADER
                + ": ACLs are on)");
      case UNKNOWN:
        return CairnException.of(
            ErrorCode.PERMISSION_DENIED,
            "token",
            "token: unknown (expected: the secret of a token this registry issued)");
      default:
        return CairnException.of(
            ErrorCode.PERMISSION_DENIED,
            "token",
            "token: "
                + caller.accessorId()
                + " may not "
                + required.access().label().replace("deny", "use")
                + " "
                + what(required, namespace, service)
                + " (expected: a policy that grants it)");
    }
  }

  private static String what(Requirement required, String namespace, String service) {
    String resource = required.resource().label();
    switch (required.scope()) {
      case SERVICE:
        return resource + " " + namespace + "/" + service;
      case NAMESPACE:
        return "any " + resource + " of namespace " + namespace;
      default:
        return resource.toLowerCase(Locale.ROOT);
    }
  }
}

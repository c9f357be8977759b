package dev.cairn.server.core.acl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A token's policies compiled for checks: what the token may do. Immutable and thread-safe; a check
 * walks arrays and allocates nothing, so the registry caches one per token ({@link TokenCache}) and
 * the read path pays only the walk.
 */
public final class Authorizer {

  /** Everything allowed: ACLs off, or the management policy. */
  public static final Authorizer ALL = new Authorizer("", Kind.KNOWN, true, new Compiled[0][]);

  /** A token the registry does not know: nothing allowed. */
  public static final Authorizer UNKNOWN = new Authorizer("", Kind.UNKNOWN, false, empty());

  /** The kind of caller an authorizer stands for. */
  public enum Kind {
    /** A token the registry issued. */
    KNOWN,
    /** No token: the anonymous policy. */
    ANONYMOUS,
    /** A token the registry does not know. */
    UNKNOWN
  }

  private final String accessorId;
  private final Kind kind;
  private final boolean everything;
  // By resource ordinal.
  private final Compiled[][] rules;

  private Authorizer(String accessorId, Kind kind, boolean everything, Compiled[][] rules) {
    this.accessorId = accessorId;
    this.kind = kind;
    this.everything = everything;
    this.rules = rules;
  }

  /**
   * Compiles {@code policies} for the token {@code accessorId} (empty for anonymous); a policy
   * named {@value Policy#MANAGEMENT} among {@code policyNames} grants everything.
   */
  public static Authorizer compile(
      String accessorId, Kind kind, List<String> policyNames, List<Policy> policies) {
    if (policyNames.contains(Policy.MANAGEMENT)) {
      return new Authorizer(accessorId, kind, true, new Compiled[0][]);
    }
    Resource[] resources = Resource.values();
    List<List<Compiled>> byResource = new ArrayList<>(resources.length);
    for (int i = 0; i < resources.length; i++) {
      byResource.add(new ArrayList<>());
    }
    for (Policy p : policies) {
      for (Rule r : p.rules()) {
        byResource
            .get(r.resource().ordinal())
            .add(new Compiled(r.namespace(), r.prefix(), r.access()));
      }
    }
    Compiled[][] rules = new Compiled[resources.length][];
    for (int i = 0; i < resources.length; i++) {
      rules[i] = byResource.get(i).toArray(new Compiled[0]);
    }
    return new Authorizer(accessorId, kind, false, rules);
  }

  private static Compiled[][] empty() {
    Compiled[][] rules = new Compiled[Resource.values().length][];
    for (int i = 0; i < rules.length; i++) {
      rules[i] = new Compiled[0];
    }
    return rules;
  }

  /** The token's accessor id; empty for anonymous and unknown callers. */
  public String accessorId() {
    return accessorId;
  }

  /** What kind of caller this is. */
  public Kind kind() {
    return kind;
  }

  /** Whether this is the management policy's (or ACLs-off) authorizer, which allows everything. */
  public boolean allowsEverything() {
    return everything;
  }

  /** Whether {@code need} is granted on a resource that is not scoped. */
  public boolean allows(Resource resource, Access need) {
    return allows(resource, need, "", "");
  }

  /**
   * Whether {@code need} is granted on {@code service} of {@code namespace} (for a resource that is
   * not scoped, both are ignored). Allocates nothing.
   */
  public boolean allows(Resource resource, Access need, String namespace, String service) {
    if (everything) {
      return true;
    }
    Compiled[] rs = rules[resource.ordinal()];
    int bestLength = -1;
    int bestNamespace = -1;
    Access best = null;
    for (int i = 0; i < rs.length; i++) {
      Compiled r = rs[i];
      int ns;
      if (!resource.scoped()) {
        ns = 0;
      } else if (r.namespace.equals(Rule.ANY_NAMESPACE)) {
        ns = 0;
      } else if (r.namespace.equals(namespace)) {
        ns = 1;
      } else {
        continue;
      }
      if (resource.scoped() && !service.startsWith(r.prefix)) {
        continue;
      }
      int length = r.prefix.length();
      if (length > bestLength || (length == bestLength && ns > bestNamespace)) {
        bestLength = length;
        bestNamespace = ns;
        best = r.access;
      } else if (length == bestLength && ns == bestNamespace) {
        best = combine(best, r.access);
      }
    }
    return best != null && best != Access.DENY && best.ordinal() >= need.ordinal();
  }

  /**
   * Whether {@code need} is granted on every service of {@code namespace}, present and future (to
   * list a namespace's services): a rule for all of its services grants it and no narrower rule
   * takes anything away.
   */
  public boolean allowsWholeNamespace(Resource resource, Access need, String namespace) {
    if (everything) {
      return true;
    }
    if (!allows(resource, need, namespace, "")) {
      return false;
    }
    Compiled[] rs = rules[resource.ordinal()];
    for (int i = 0; i < rs.length; i++) {
      Compiled r = rs[i];
      boolean applies = r.namespace.equals(Rule.ANY_NAMESPACE) || r.namespace.equals(namespace);
      if (applies && (r.access == Access.DENY || r.access.ordinal() < need.ordinal())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code need} may be granted on some service of {@code namespace}: a rule of the
   * resource for this namespace (or every namespace) grants it, whatever its prefix. What decides
   * for one service is {@link #allows(Resource, Access, String, String)}; this only tells whether a
   * list of the namespace can hold anything (lists are filtered per token, decision 0173).
   * Allocates nothing.
   */
  public boolean allowsSomeOfNamespace(Resource resource, Access need, String namespace) {
    if (everything) {
      return true;
    }
    Compiled[] rs = rules[resource.ordinal()];
    for (int i = 0; i < rs.length; i++) {
      Compiled r = rs[i];
      boolean applies = r.namespace.equals(Rule.ANY_NAMESPACE) || r.namespace.equals(namespace);
      if (applies && r.access != Access.DENY && r.access.ordinal() >= need.ordinal()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The rules of {@code resource} this authorizer checks, as a set: two authorizers (that do not
   * allow everything) with equal sets decide every check on {@code resource} alike, whatever their
   * tokens, so a caller may share work between them (the xDS front door shares one filtered
   * snapshot, decision 0176). Empty for {@link #ALL}. Allocates; not for the read path.
   */
  public Set<Rule> rules(Resource resource) {
    Set<Rule> set = new HashSet<>();
    for (Compiled r : rules.length == 0 ? new Compiled[0] : rules[resource.ordinal()]) {
      set.add(new Rule(resource, r.namespace, r.prefix, r.access));
    }
    return Set.copyOf(set);
  }

  private static Access combine(Access a, Access b) {
    if (a == Access.DENY || b == Access.DENY) {
      return Access.DENY;
    }
    return a.ordinal() >= b.ordinal() ? a : b;
  }

  @Override
  public String toString() {
    return "Authorizer[" + kind + (accessorId.isEmpty() ? "" : " " + accessorId) + "]";
  }

  /** One rule, as checked. */
  private record Compiled(String namespace, String prefix, Access access) {}
}

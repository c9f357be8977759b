package dev.cairn.server.core.acl;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;

/**
 * One rule of a policy: {@code access} to a {@code resource}. A scoped resource's rule names a
 * namespace ({@code *} for every namespace) and a service-name prefix (empty for every service);
 * other resources' rules name neither (both empty).
 */
public record Rule(Resource resource, String namespace, String prefix, Access access) {

  /** Every namespace. */
  public static final String ANY_NAMESPACE = "*";

  /**
   * Checks the fields.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming the field at fault
   */
  public Rule {
    requireNonNull(resource, "resource");
    requireNonNull(access, "access");
    namespace = namespace == null ? "" : namespace;
    prefix = prefix == null ? "" : prefix;
    if (resource.scoped()) {
      if (namespace.isEmpty()) {
        namespace = ANY_NAMESPACE;
      } else if (!namespace.equals(ANY_NAMESPACE)) {
        Names.checkLabel("rules.namespace", namespace);
      }
      if (prefix.length() > Limits.MAX_NAME_LENGTH
          || !prefix.chars().allMatch(c -> c == '-' || (c >= 'a' && c <= 'z') || isDigit(c))) {
        throw CairnException.invalid(
            "rules.prefix", prefix, "the start of a service name ([a-z0-9-], empty for all)");
      }
    } else if (!namespace.isEmpty() || !prefix.isEmpty()) {
      boolean namespaced = !namespace.isEmpty();
      throw CairnException.invalid(
          namespaced ? "rules.namespace" : "rules.prefix",
          namespaced ? namespace : prefix,
          "none on a " + resource.label() + " rule (it is not scoped)");
    }
  }

  /** A rule on a resource that is not scoped. */
  public static Rule of(Resource resource, Access access) {
    return new Rule(resource, "", "", access);
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }
}

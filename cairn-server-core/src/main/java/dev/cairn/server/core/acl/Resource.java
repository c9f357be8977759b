package dev.cairn.server.core.acl;

import dev.cairn.common.CairnException;
import java.util.Locale;

/**
 * What a rule is about. The first three are scoped by namespace and service-name prefix; the others
 * are one thing each.
 */
public enum Resource {
  /** A service's instances: read (list, get, watch, checks, drains), write (register, remove). */
  SERVICE(true),
  /** Health reports on a service's instances (write). */
  HEALTH(true),
  /** A service's settings (the protection threshold): read, write. */
  SETTINGS(true),
  /** Sessions: write opens one (its secret still proves it for renewals, closing and resuming). */
  SESSION(false),
  /**
   * The server and its cluster: read (status, metrics, members), write (membership changes,
   * leadership transfer, backups).
   */
  CLUSTER(false),
  /** ACL tokens and policies themselves: read (list), write (create, delete). */
  ACL(false);

  private final boolean scoped;

  Resource(boolean scoped) {
    this.scoped = scoped;
  }

  /** Whether rules on this resource name a namespace and a service-name prefix. */
  public boolean scoped() {
    return scoped;
  }

  /** The name in JSON: {@code service}, {@code health}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The resource named {@code label}.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code field} otherwise
   */
  public static Resource parse(String field, String label) {
    for (Resource r : values()) {
      if (r.label().equals(label)) {
        return r;
      }
    }
    throw CairnException.invalid(
        field, label, "service, health, settings, session, cluster or acl");
  }
}

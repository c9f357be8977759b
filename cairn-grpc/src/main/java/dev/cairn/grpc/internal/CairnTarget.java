package dev.cairn.grpc.internal;

import dev.cairn.client.CairnClient;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A parsed {@code cairn:} target: {@code cairn:///<service>} (default registries) or {@code
 * cairn://<host:port>[,<host:port>...]/<service>}, with an optional {@code ?lb=<policy>}.
 */
public final class CairnTarget {

  /** The policy a channel uses when the target names none. */
  public static final String DEFAULT_POLICY = "cairn_p2c_ewma";

  private final String registries; // null: the defaults
  private final String service;
  private final String policy;

  private CairnTarget(String registries, String service, String policy) {
    this.registries = registries;
    this.service = service;
    this.policy = policy;
  }

  /**
   * Parses a target string.
   *
   * @throws IllegalArgumentException naming {@code target}, {@code registries}, {@code service} or
   *     {@code lb}
   */
  public static CairnTarget parse(String target) {
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException | NullPointerException e) {
      throw bad(target);
    }
    return parse(uri, target);
  }

  /** Parses a target the channel already parsed. */
  public static CairnTarget parse(URI uri) {
    return parse(uri, uri.toString());
  }

  private static CairnTarget parse(URI uri, String text) {
    if (!"cairn".equals(uri.getScheme()) || uri.getRawPath() == null || uri.getFragment() != null) {
      throw bad(text);
    }
    String authority = uri.getRawAuthority();
    String registries = null;
    if (authority != null && !authority.isEmpty()) {
      registries = CairnClient.canonicalRegistries(authority);
    }
    String path = uri.getPath();
    String service = path.startsWith("/") ? path.substring(1) : path;
    if (!Names.isLabel(service)) {
      throw new IllegalArgumentException(
          "service: \""
              + service
              + "\" in target \""
              + text
              + "\" (expected: a DNS label: [a-z0-9] or inner '-', 1.."
              + Limits.MAX_NAME_LENGTH
              + ")");
    }
    String policy = DEFAULT_POLICY;
    String query = uri.getQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&", -1)) {
        if (pair.startsWith("lb=") && pair.length() > 3) {
          policy = pair.substring(3);
        } else {
          throw new IllegalArgumentException(
              "target: \"" + text + "\" has query \"" + pair + "\" (expected: lb=<policy>)");
        }
      }
    }
    return new CairnTarget(registries, service, policy);
  }

  private static IllegalArgumentException bad(String target) {
    return new IllegalArgumentException(
        "target: "
            + (target == null ? "null" : "\"" + target + "\"")
            + " (expected: cairn:///<service> or cairn://<host:port>[,<host:port>...]/<service>)");
  }

  /** The registries the target names, canonical; null when it names none (use the defaults). */
  public String registries() {
    return registries;
  }

  public String service() {
    return service;
  }

  /** The load-balancing policy name. */
  public String policy() {
    return policy;
  }
}

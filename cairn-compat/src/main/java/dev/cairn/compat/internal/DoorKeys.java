package dev.cairn.compat.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The metadata keys a front door keeps in an instance for its protocol's own fields, so that it can
 * answer them back: Consul's free-text tags, Eureka's status and host name. They are that door's
 * bookkeeping, in its own encoding (a JSON list for {@code consul.tags}): every front door leaves
 * all of them out of the metadata it answers, and the one that wrote a key reads it for its own
 * field. Cairn's own API, SDK and console show them, as everything the catalog stores (decision
 * 0225).
 */
public final class DoorKeys {

  /** The Consul registration's tags, as given, a JSON list of strings. */
  public static final String CONSUL_TAGS = "consul.tags";

  /** The Eureka registration's status ({@code UP}, {@code STARTING}, ...). */
  public static final String EUREKA_STATUS = "eureka.status";

  /** The Eureka registration's host name. */
  public static final String EUREKA_HOST_NAME = "eureka.hostName";

  private static final Set<String> ALL = Set.of(CONSUL_TAGS, EUREKA_STATUS, EUREKA_HOST_NAME);

  private DoorKeys() {}

  /** Whether {@code key} is one a front door keeps for itself. */
  public static boolean isDoorKey(String key) {
    return ALL.contains(key);
  }

  /** {@code metadata} without the front doors' own keys, in its order. */
  public static Map<String, String> without(Map<String, String> metadata) {
    Map<String, String> m = new LinkedHashMap<>(metadata);
    m.keySet().removeAll(ALL);
    return m;
  }
}

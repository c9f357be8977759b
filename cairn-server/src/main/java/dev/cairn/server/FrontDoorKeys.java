package dev.cairn.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The metadata keys a {@link FrontDoor} keeps in an instance for its protocol's own fields, so that
 * it can answer them back: Consul's free-text tags, Eureka's status and host name. They are that
 * door's bookkeeping, in its own encoding (a JSON list for {@code consul.tags}): every front door
 * leaves all of them out of the metadata it answers and takes none of them from a registration, and
 * the one that wrote a key reads it for its own field. Cairn's own API, SDK and console show them,
 * as everything the catalog stores (decisions 0225, 0233).
 *
 * <p>Here, next to {@link FrontDoor}, because every front door module sees this API and none sees
 * another's: a front door that keeps a key of its own adds it to this list.
 */
public final class FrontDoorKeys {

  /** The Consul registration's tags, as given, a JSON list of strings. */
  public static final String CONSUL_TAGS = "consul.tags";

  /** The Eureka registration's status ({@code UP}, {@code STARTING}, ...). */
  public static final String EUREKA_STATUS = "eureka.status";

  /** The Eureka registration's host name. */
  public static final String EUREKA_HOST_NAME = "eureka.hostName";

  /** Every key a front door keeps for itself. */
  public static final Set<String> ALL = Set.of(CONSUL_TAGS, EUREKA_STATUS, EUREKA_HOST_NAME);

  private FrontDoorKeys() {}

  /** Whether {@code key} is one a front door keeps for itself. */
  public static boolean isDoorKey(String key) {
    return ALL.contains(key);
  }

  /** {@code metadata} without the front doors' own keys, in its order: a new, mutable map. */
  public static Map<String, String> without(Map<String, String> metadata) {
    Map<String, String> m = new LinkedHashMap<>(metadata);
    m.keySet().removeAll(ALL);
    return m;
  }
}

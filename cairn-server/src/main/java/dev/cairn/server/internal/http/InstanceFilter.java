package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The instance filters of a list request, AND-ed: {@code tag} (repeatable, all required), {@code
 * zone}, {@code healthy=true} (passing or warning) and {@code meta.<key>=<value>} (repeatable).
 */
final class InstanceFilter {

  private final List<String> tags;
  private final String zone;
  private final boolean healthyOnly;
  private final Map<String, String> metadata;

  private InstanceFilter(
      List<String> tags, String zone, boolean healthyOnly, Map<String, String> metadata) {
    this.tags = tags;
    this.zone = zone;
    this.healthyOnly = healthyOnly;
    this.metadata = metadata;
  }

  /** The filter of {@code ex}'s query, or null when it has none. */
  static InstanceFilter of(Exchange ex) {
    List<String> tags = ex.params("tag");
    for (String t : tags) {
      Names.checkLabel("tag", t);
    }
    String zone = ex.param("zone");
    if (zone != null) {
      Names.checkLabel("zone", zone);
    }
    boolean healthyOnly = false;
    String healthy = ex.param("healthy");
    if (healthy != null) {
      if (!healthy.equals("true") && !healthy.equals("false")) {
        throw CairnException.invalid("healthy", healthy, "true or false");
      }
      healthyOnly = healthy.equals("true");
    }
    Map<String, String> metadata = new TreeMap<>();
    for (Map.Entry<String, List<String>> e : ex.params().entrySet()) {
      if (e.getKey().startsWith("meta.")) {
        String key = e.getKey().substring("meta.".length());
        if (key.isEmpty() || e.getValue().size() != 1) {
          throw CairnException.invalid(
              e.getKey(), e.getValue(), "meta.<key>=<value>, once per key");
        }
        metadata.put(key, e.getValue().get(0));
      }
    }
    if (tags.isEmpty() && zone == null && !healthyOnly && metadata.isEmpty()) {
      return null;
    }
    return new InstanceFilter(List.copyOf(tags), zone, healthyOnly, metadata);
  }

  /** Whether only healthy instances were asked for ({@code healthy=true}). */
  boolean healthyOnly() {
    return healthyOnly;
  }

  /**
   * The instances that pass every filter but {@code healthy}, in their order; the caller applies
   * that one with the service's protection threshold.
   */
  List<Instance> applyExceptHealth(List<Instance> instances) {
    List<Instance> kept = new ArrayList<>();
    for (Instance i : instances) {
      if (test(i)) {
        kept.add(i);
      }
    }
    return kept;
  }

  private boolean test(Instance i) {
    if (zone != null && !zone.equals(i.zone())) {
      return false;
    }
    if (!i.tags().containsAll(tags)) {
      return false;
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!e.getValue().equals(i.metadata().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}

package dev.cairn.server.core;

import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer to a healthy-only read: the healthy instances, or every instance when fewer than the
 * service's protection threshold are healthy ({@link #protection()} then says so). Immutable.
 *
 * @param instances the instances to answer with, in their order
 * @param protection whether the threshold was not met, so unhealthy instances are included
 */
public record HealthySelection(List<Instance> instances, boolean protection) {

  /**
   * Selects from {@code candidates}: the passing and warning ones, unless their share is below
   * {@code threshold} (0..1; 0 never protects), then all of them.
   */
  public static HealthySelection of(List<Instance> candidates, double threshold) {
    List<Instance> healthy = new ArrayList<>(candidates.size());
    for (Instance i : candidates) {
      if (i.health().isHealthy()) {
        healthy.add(i);
      }
    }
    if (threshold > 0 && !candidates.isEmpty() && healthy.size() < threshold * candidates.size()) {
      return new HealthySelection(List.copyOf(candidates), true);
    }
    return new HealthySelection(List.copyOf(healthy), false);
  }
}

package dev.cairn.client.lb;

import dev.cairn.common.Ticker;
import java.util.List;

/**
 * Builds {@link Picker}s from endpoint lists: the one SPI every transport's balancing goes through.
 * A policy is stateless and thread-safe; state that must outlive a picker (in-flight counts,
 * latency estimates) lives in each endpoint's {@link EndpointStats}.
 *
 * <p>Implement it and register a {@link LoadBalancingPolicyProvider} to add a policy by name.
 */
public interface LoadBalancingPolicy {

  /** The policy's name as used in configuration, e.g. {@code "round_robin"}. */
  String name();

  /**
   * A picker over {@code endpoints}.
   *
   * @param endpoints the usable endpoints, immutable, possibly empty (the picker then returns null)
   * @param ticker the clock latency-aware policies read on each pick
   */
  <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker);
}

package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.internal.P2cEwmaPolicy;
import dev.cairn.client.lb.internal.RingHashPolicy;
import dev.cairn.client.lb.internal.RoundRobinPolicy;
import dev.cairn.client.lb.internal.WeightedPolicy;
import java.time.Duration;

/** The built-in policies. Each is stateless and may be shared by any number of balancers. */
public final class LoadBalancingPolicies {

  private static final LoadBalancingPolicy ROUND_ROBIN = new RoundRobinPolicy();
  private static final LoadBalancingPolicy WEIGHTED = new WeightedPolicy();
  private static final LoadBalancingPolicy P2C_EWMA =
      new P2cEwmaPolicy(P2cEwmaPolicy.DEFAULT_SLOW_START);
  private static final LoadBalancingPolicy RING_HASH =
      new RingHashPolicy(RingHashPolicy.DEFAULT_MIN_RING_SIZE);

  private LoadBalancingPolicies() {}

  /** {@code "round_robin"}: each usable endpoint in turn. */
  public static LoadBalancingPolicy roundRobin() {
    return ROUND_ROBIN;
  }

  /** {@code "weighted"}: in proportion to each instance's weight, smoothly interleaved. */
  public static LoadBalancingPolicy weighted() {
    return WEIGHTED;
  }

  /**
   * {@code "p2c_ewma"}, the default: power of two choices over peak-EWMA latency × (in flight + 1),
   * with a 10 s slow start.
   */
  public static LoadBalancingPolicy p2cEwma() {
    return P2C_EWMA;
  }

  /**
   * P2C-EWMA with a slow-start window: a new endpoint's cost is divided by a factor growing
   * linearly from 0.1 to 1 over {@code slowStart}; zero disables slow start.
   */
  public static LoadBalancingPolicy p2cEwma(Duration slowStart) {
    requireNonNull(slowStart, "slowStart");
    Checks.notNegative("slowStart", slowStart);
    return new P2cEwmaPolicy(slowStart);
  }

  /** {@code "ring_hash"}: consistent hashing on the request key, 1024 ring points at least. */
  public static LoadBalancingPolicy ringHash() {
    return RING_HASH;
  }

  /** Ring hash with at least {@code minRingSize} points (1..8,388,608). */
  public static LoadBalancingPolicy ringHash(int minRingSize) {
    Checks.range("minRingSize", minRingSize, 1, RingHashPolicy.MAX_RING_SIZE);
    return new RingHashPolicy(minRingSize);
  }
}

package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Policies by name: the built-ins ({@code round_robin}, {@code weighted}, {@code p2c_ewma}, {@code
 * ring_hash}) plus every {@link LoadBalancingPolicyProvider} on the class path. Immutable after
 * creation; thread-safe.
 */
public final class LoadBalancingPolicyRegistry {

  private static final class Holder {
    static final LoadBalancingPolicyRegistry DEFAULT =
        new LoadBalancingPolicyRegistry(
            ServiceLoader.load(
                LoadBalancingPolicyProvider.class,
                LoadBalancingPolicyRegistry.class.getClassLoader()));
  }

  private final Map<String, LoadBalancingPolicyProvider> providers = new TreeMap<>();

  private LoadBalancingPolicyRegistry(Iterable<LoadBalancingPolicyProvider> found) {
    for (LoadBalancingPolicy p :
        new LoadBalancingPolicy[] {
          LoadBalancingPolicies.roundRobin(),
          LoadBalancingPolicies.weighted(),
          LoadBalancingPolicies.p2cEwma(),
          LoadBalancingPolicies.ringHash()
        }) {
      providers.put(p.name(), provider(p));
    }
    for (LoadBalancingPolicyProvider provider : found) {
      providers.putIfAbsent(provider.name(), provider);
    }
  }

  /** The registry of the built-ins and the providers {@link ServiceLoader} finds. */
  public static LoadBalancingPolicyRegistry getDefault() {
    return Holder.DEFAULT;
  }

  /**
   * The policy named {@code name}.
   *
   * @throws IllegalArgumentException when no policy has that name (the message lists the known
   *     ones)
   */
  public LoadBalancingPolicy get(String name) {
    requireNonNull(name, "name");
    LoadBalancingPolicyProvider provider = providers.get(name);
    if (provider == null) {
      throw new IllegalArgumentException(
          "loadBalancing: " + name + " (expected: one of " + providers.keySet() + ")");
    }
    return provider.newPolicy();
  }

  /** The known names, sorted. */
  public java.util.Set<String> names() {
    return java.util.Collections.unmodifiableSet(providers.keySet());
  }

  private static LoadBalancingPolicyProvider provider(LoadBalancingPolicy policy) {
    return new LoadBalancingPolicyProvider() {
      @Override
      public String name() {
        return policy.name();
      }

      @Override
      public LoadBalancingPolicy newPolicy() {
        return policy;
      }
    };
  }
}

package dev.cairn.client.lb;

/**
 * Makes a {@link LoadBalancingPolicy} available by name. Found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.cairn.client.lb.LoadBalancingPolicyProvider}) by {@link
 * LoadBalancingPolicyRegistry}; the built-in policies are registered without it.
 */
public interface LoadBalancingPolicyProvider {

  /** The name configuration uses; lower case with underscores, e.g. {@code "least_loaded"}. */
  String name();

  /** A policy with its default settings. */
  LoadBalancingPolicy newPolicy();
}

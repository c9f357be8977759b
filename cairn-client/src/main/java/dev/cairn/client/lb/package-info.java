/**
 * Load balancing shared by every transport: a {@link dev.cairn.client.lb.Balancer} keeps one {@link
 * dev.cairn.client.lb.Endpoint} per instance id (with live {@link
 * dev.cairn.client.lb.EndpointStats} that survive updates), applies subsets, zone preference and
 * outlier ejection ({@link dev.cairn.client.lb.OutlierDetection}), and publishes an immutable
 * {@link dev.cairn.client.lb.Picker} built by a {@link dev.cairn.client.lb.LoadBalancingPolicy}.
 *
 * <p>Starting points: {@link dev.cairn.client.lb.Balancer#builder}, {@link
 * dev.cairn.client.lb.LoadBalancingPolicies} and, to plug in a policy by name, {@link
 * dev.cairn.client.lb.LoadBalancingPolicyProvider} found through {@link
 * dev.cairn.client.lb.LoadBalancingPolicyRegistry}.
 */
package dev.cairn.client.lb;

/**
 * The built-in load-balancing policies and their pickers; reached through {@link
 * dev.cairn.client.lb.LoadBalancingPolicies}. Not an API.
 */
package dev.cairn.client.lb.internal;

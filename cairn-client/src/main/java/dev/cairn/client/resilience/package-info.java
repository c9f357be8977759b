/**
 * Resilience shared by every transport: per-service {@link dev.cairn.client.resilience.CallPolicy}
 * (deadline, retries, {@link dev.cairn.client.resilience.Backoff}, {@link
 * dev.cairn.client.resilience.RetryBudget}, outlier ejection, circuit breaker and bulkhead via
 * Resilience4j). Starting point: {@link dev.cairn.client.resilience.CallPolicy#builder()}.
 */
package dev.cairn.client.resilience;

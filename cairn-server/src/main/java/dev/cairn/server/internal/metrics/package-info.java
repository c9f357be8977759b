/**
 * The server's metrics on Micrometer, served on {@code GET /metrics} in the Prometheus text format
 * (see {@code docs/metrics.md}). {@link dev.cairn.server.internal.metrics.ServerMetrics} binds the
 * core's {@link dev.cairn.server.core.RegistryMonitor}, the transports' hooks and the JVM's meters.
 */
package dev.cairn.server.internal.metrics;

/**
 * The recent past of a server, kept in bounded memory for the web console's charts and timeline
 * (decision 0153): each service's instance and passing counts, sampled every minute for an hour;
 * the server's write rate and push latency every 10 seconds for an hour; the latest registry
 * events. {@link dev.cairn.server.internal.trends.Trends} is fed through the core's {@link
 * dev.cairn.server.core.RegistryMonitor} and a sampling thread, and read by the HTTP API's {@code
 * /v1/history/...} endpoints.
 */
package dev.cairn.server.internal.trends;

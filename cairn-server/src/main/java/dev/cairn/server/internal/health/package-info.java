/**
 * The network half of the registry's health checks: {@link
 * dev.cairn.server.internal.health.NetworkProbe}, a non-blocking {@link
 * dev.cairn.server.core.HealthProbe} for HTTP and TCP checks (Netty) and gRPC checks ({@link
 * dev.cairn.server.internal.health.GrpcHealthProbe}, grpc-java). Scheduling and judgement live in
 * the core. Not API.
 */
package dev.cairn.server.internal.health;

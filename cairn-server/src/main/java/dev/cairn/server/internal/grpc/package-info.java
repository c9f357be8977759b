/**
 * The gRPC transport: {@link dev.cairn.server.internal.grpc.GrpcListener} starts a grpc-netty
 * server carrying {@code cairn.v1.Registry} ({@code RegistryService}); {@code WatchCall} and {@code
 * SessionCall} drive the two long-lived streams, {@code GrpcStatuses} maps errors to statuses.
 */
package dev.cairn.server.internal.grpc;

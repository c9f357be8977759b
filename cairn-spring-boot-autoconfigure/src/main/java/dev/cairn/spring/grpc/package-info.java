/**
 * gRPC on Cairn in Spring: {@link dev.cairn.spring.grpc.CairnGrpcChannels} ({@code cairn:///}
 * channels through the application's client) and {@link
 * dev.cairn.spring.grpc.CairnGrpcServerLifecycle} (the application's gRPC server, registered).
 */
package dev.cairn.spring.grpc;

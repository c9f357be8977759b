/**
 * grpc-java on Cairn. Channels on {@code cairn:///<service>} targets resolve through {@link
 * dev.cairn.grpc.CairnNameResolverProvider} and balance with Cairn's policies ({@code
 * cairn_p2c_ewma} by default); {@link dev.cairn.grpc.CairnRetries} retries idempotent calls within
 * a budget; {@link dev.cairn.grpc.CairnGrpcServer} registers a server and serves {@code
 * grpc.health.v1}. Starting point: {@link dev.cairn.grpc.CairnGrpc}.
 */
package dev.cairn.grpc;

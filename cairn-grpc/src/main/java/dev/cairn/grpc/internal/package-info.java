/**
 * The gRPC integration's machinery: the resolver ({@link
 * dev.cairn.grpc.internal.CairnNameResolver}), the load balancer over Cairn's {@link
 * dev.cairn.client.lb.Balancer} and the retrying call.
 */
package dev.cairn.grpc.internal;

/**
 * What {@link dev.cairn.server.CairnServer} is made of: the listeners ({@link
 * dev.cairn.server.internal.Listener}; gRPC in {@code internal.grpc}, HTTP in {@code
 * internal.http}), the proto conversions ({@link dev.cairn.server.internal.Protos}) and the
 * listener lines. Not API: anything here may change.
 */
package dev.cairn.server.internal;

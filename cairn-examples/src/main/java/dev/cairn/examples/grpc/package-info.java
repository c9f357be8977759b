/**
 * The gRPC example: {@code HelloService} ({@code src/main/proto/hello.proto}, generated into {@code
 * dev.cairn.examples.grpc.hello}); {@link dev.cairn.examples.grpc.server.Main} registers a server
 * in Cairn, {@link dev.cairn.examples.grpc.client.Main} calls {@code cairn:///hello} in a loop.
 */
package dev.cairn.examples.grpc;

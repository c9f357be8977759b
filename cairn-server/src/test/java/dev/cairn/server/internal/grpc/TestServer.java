package dev.cairn.server.internal.grpc;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A real in-memory server on ephemeral loopback ports, and grpc-netty channels to it; closes all of
 * them.
 */
final class TestServer implements AutoCloseable {

  final CairnServer server;
  final ManagedChannel channel;
  final RegistryGrpc.RegistryBlockingStub blocking;
  final RegistryGrpc.RegistryStub async;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TestServer(CairnServer server) {
    this.server = server;
    this.channel = newChannel();
    this.blocking = RegistryGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    this.async = RegistryGrpc.newStub(channel);
  }

  static TestServer start() {
    return start(b -> {});
  }

  static TestServer start(Consumer<CairnServer.Builder> configure) {
    CairnServer.Builder b = CairnServer.builder().inMemory().httpPort(0).grpcPort(0);
    configure.accept(b);
    try {
      return new TestServer(b.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Registry registry() {
    return server.registry();
  }

  /** A new connection to the server (its own HTTP/2 transport). */
  ManagedChannel newChannel() {
    return newChannel(b -> b);
  }

  ManagedChannel newChannel(UnaryOperator<NettyChannelBuilder> configure) {
    ManagedChannel c =
        configure
            .apply(NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext())
            .build();
    channels.add(c);
    return c;
  }

  /**
   * Closes the server first, then the channels: the server cuts the streams as in a restart. Closed
   * the other way round, the server may see the clients go away first and detach their sessions.
   */
  @Override
  public void close() {
    server.close();
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}

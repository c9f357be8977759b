package dev.cairn.xds;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM entry point for {@link XdsGrpcClientTlsTest}: grpc-java's own xDS client, bootstrapped
 * by the {@code io.grpc.xds.bootstrapConfig} system property, calls {@code xds:///<args[0]>} once,
 * waiting for it to be ready for up to {@code args[1]} seconds, and prints {@code served <name>} or
 * {@code failed <status>}.
 */
final class XdsTlsClientMain {

  private XdsTlsClientMain() {}

  public static void main(String[] args) throws Exception {
    ManagedChannel channel =
        Grpc.newChannelBuilder("xds:///" + args[0], InsecureChannelCredentials.create()).build();
    try {
      String name =
          ClientCalls.blockingUnaryCall(
              channel,
              Hello.SAY,
              CallOptions.DEFAULT
                  .withWaitForReady()
                  .withDeadlineAfter(Long.parseLong(args[1]), TimeUnit.SECONDS),
              "hi");
      System.out.println("served " + name);
    } catch (StatusRuntimeException e) {
      System.out.println("failed " + e.getStatus().getCode());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(0);
  }
}

package dev.cairn.xds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A one-method gRPC service, {@code hello.Hello/Say}, whose servers answer with their own name, so
 * that a test sees which endpoint served a call. Strings on the wire; no generated code.
 */
final class Hello {

  static final MethodDescriptor<String, String> SAY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("hello.Hello/Say")
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .setIdempotent(true)
          .build();

  private Hello() {}

  /** A server on a free loopback port answering {@code name}. */
  static Server serve(String name) throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("hello.Hello")
            .addMethod(
                SAY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(name);
                      response.onCompleted();
                    }))
            .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(service)
        .build()
        .start();
  }

  /** Calls {@code Say} with a 5 s deadline; returns the name of the server that answered. */
  static String call(Channel channel) {
    return ClientCalls.blockingUnaryCall(
        channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi");
  }

  /** Child JVM entry point: serves {@code args[0]} and prints the port, until killed. */
  public static void main(String[] args) throws Exception {
    Server server = serve(args[0]);
    System.out.println("port " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

package dev.cairn.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A one-method test service answering with the name of the server that handled the call. */
final class Echo {

  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
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
      };

  static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Who")
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .setIdempotent(true)
          .build();

  private Echo() {}

  /** The service; every call answers {@code name}. */
  static ServerServiceDefinition service(String name) {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(
            WHO,
            ServerCalls.asyncUnaryCall(
                (request, out) -> {
                  out.onNext(name);
                  out.onCompleted();
                }))
        .build();
  }

  /** One call with a deadline; returns the answering server's name. */
  static String who(Channel channel, Duration deadline) {
    return ClientCalls.blockingUnaryCall(
        channel,
        WHO,
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
        "hi");
  }
}

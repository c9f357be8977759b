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

  /** The same call, not declared idempotent: never retried. */
  static final MethodDescriptor<String, String> WHO_ONCE =
      WHO.toBuilder().setFullMethodName("test.Echo/WhoOnce").setIdempotent(false).build();

  private Echo() {}

  /** A service failing every call with {@code UNAVAILABLE}, as an overloaded server might. */
  static ServerServiceDefinition failing() {
    ServerCalls.UnaryMethod<String, String> fail =
        (request, out) ->
            out.onError(io.grpc.Status.UNAVAILABLE.withDescription("failing").asRuntimeException());
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(WHO, ServerCalls.asyncUnaryCall(fail))
        .addMethod(WHO_ONCE, ServerCalls.asyncUnaryCall(fail))
        .build();
  }

  /** The service; every call answers {@code name}. */
  static ServerServiceDefinition service(String name) {
    ServerCalls.UnaryMethod<String, String> answer =
        (request, out) -> {
          out.onNext(name);
          out.onCompleted();
        };
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(WHO, ServerCalls.asyncUnaryCall(answer))
        .addMethod(WHO_ONCE, ServerCalls.asyncUnaryCall(answer))
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

package dev.cairn.client;

import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/** A client interceptor for tests that act on the SDK's session streams and nothing else. */
public final class SessionStreams {

  /** Wraps one session stream's call. */
  public interface Wrapper {
    <Q, A> ClientCall<Q, A> wrap(ClientCall<Q, A> call);
  }

  private SessionStreams() {}

  /** Passes every call through, each session stream's wrapped by {@code wrapper}. */
  public static ClientInterceptor wrapping(Wrapper wrapper) {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        ClientCall<Q, A> call = next.newCall(method, options);
        boolean session =
            method.getFullMethodName().equals(RegistryGrpc.getSessionMethod().getFullMethodName());
        return session ? wrapper.wrap(call) : call;
      }
    };
  }
}

package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.DeregisterResponse;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegisterResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Unary registry calls as futures, on the async stub, each with a 30 s deadline. */
final class Calls {

  private static final long DEADLINE_SECONDS = 30;

  private Calls() {}

  static CompletableFuture<RegisterResponse> register(
      Channel channel, String namespace, Instance instance) {
    return register(channel, registerRequest(namespace, instance));
  }

  static CompletableFuture<RegisterResponse> register(Channel channel, RegisterRequest request) {
    FutureObserver<RegisterResponse> response = new FutureObserver<>();
    RegistryGrpc.newStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .register(request, response);
    return response.future;
  }

  static CompletableFuture<DeregisterResponse> deregister(
      Channel channel, String namespace, String service, String instanceId) {
    return deregister(channel, deregisterRequest(namespace, service, instanceId));
  }

  static CompletableFuture<DeregisterResponse> deregister(
      Channel channel, DeregisterRequest request) {
    FutureObserver<DeregisterResponse> response = new FutureObserver<>();
    RegistryGrpc.newStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .deregister(request, response);
    return response.future;
  }

  static RegisterRequest registerRequest(String namespace, Instance instance) {
    return RegisterRequest.newBuilder().setNamespace(namespace).setInstance(instance).build();
  }

  static DeregisterRequest deregisterRequest(String namespace, String service, String instanceId) {
    return DeregisterRequest.newBuilder()
        .setNamespace(namespace)
        .setService(service)
        .setInstanceId(instanceId)
        .build();
  }

  private static final class FutureObserver<T> implements StreamObserver<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      future.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      future.completeExceptionally(
          new IllegalStateException("unary call ended without a response"));
    }
  }
}

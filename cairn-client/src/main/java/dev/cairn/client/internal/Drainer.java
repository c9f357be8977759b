package dev.cairn.client.internal;

import dev.cairn.client.DrainResult;
import dev.cairn.common.Limits;
import dev.cairn.proto.v1.AwaitDrainedRequest;
import dev.cairn.proto.v1.AwaitDrainedResponse;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.PendingWatcher;
import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks every registry the client knows whether the watchers of a service received a revision
 * ({@code AwaitDrained}), in parallel, and adds their answers up. Each registry counts the watchers
 * attached to it, so in a cluster every member is asked. Thread-safe; never blocks.
 */
final class Drainer {

  private final RegistryChannels channels;
  private final ClientSettings settings;

  Drainer(RegistryChannels channels, ClientSettings settings) {
    this.channels = channels;
    this.settings = settings;
  }

  /** Checks {@code timeout} as {@link dev.cairn.client.Registration#deregisterAndDrain} says. */
  static void checkTimeout(Duration timeout) {
    Duration max = Duration.ofMillis(Limits.MAX_WAIT_MILLIS);
    if (timeout.isNegative() || timeout.compareTo(max) > 0) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: 0.." + max + ")");
    }
  }

  /**
   * Waits for the removal of an instance of {@code service} at {@code revision}; when the revision
   * is unknown (0: the deregistration was not confirmed), for the service's current revision, which
   * is at or after the removal. {@code startedNanos} is when the whole drain began (ticker time).
   */
  CompletableFuture<DrainResult> drain(
      String service, long revision, Duration timeout, long startedNanos) {
    CompletableFuture<Long> target =
        revision > 0
            ? CompletableFuture.completedFuture(revision)
            : serviceRevision(service).exceptionally(t -> 0L);
    return target.thenCompose(
        r -> {
          if (r == 0) {
            return CompletableFuture.completedFuture(
                DrainResult.of(
                    0,
                    0,
                    List.of(),
                    List.of("the removal's revision is unknown (no registry answered)"),
                    0,
                    waited(startedNanos)));
          }
          return askAll(service, r, timeout, startedNanos);
        });
  }

  private CompletableFuture<DrainResult> askAll(
      String service, long revision, Duration timeout, long startedNanos) {
    int n = channels.size();
    List<CompletableFuture<AwaitDrainedResponse>> answers = new ArrayList<>(n);
    AwaitDrainedRequest request =
        AwaitDrainedRequest.newBuilder()
            .setNamespace(settings.namespace)
            .setService(service)
            .setRevision(revision)
            // 0 means the server's default; ask for at least 1 ms.
            .setTimeoutMillis(Math.max(1, timeout.toMillis()))
            .build();
    // The server answers at its timeout; the call's deadline leaves it time to.
    long deadlineNanos = timeout.toNanos() + settings.requestTimeout.toNanos();
    for (int i = 0; i < n; i++) {
      answers.add(
          call(
              i,
              RegistryGrpc.getAwaitDrainedMethod(),
              request,
              CallOptions.DEFAULT.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)));
    }
    return CompletableFuture.allOf(
            answers.stream()
                .map(f -> f.handle((v, t) -> null))
                .toArray(CompletableFuture<?>[]::new))
        .thenApply(
            done -> {
              int watchers = 0;
              int answered = 0;
              List<String> pending = new ArrayList<>();
              List<String> unreachable = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                String registry = channels.address(i).toString();
                CompletableFuture<AwaitDrainedResponse> f = answers.get(i);
                if (f.isCompletedExceptionally()) {
                  unreachable.add(registry + ": " + f.handle((v, t) -> String.valueOf(t)).join());
                  continue;
                }
                AwaitDrainedResponse a = f.join();
                answered++;
                watchers += a.getWatchers();
                for (PendingWatcher p : a.getPendingList()) {
                  pending.add(
                      registry
                          + ": "
                          + p.getWatcher()
                          + " (acknowledged "
                          + p.getAcknowledged()
                          + ")");
                }
              }
              return DrainResult.of(
                  revision, watchers, pending, unreachable, answered, waited(startedNanos));
            });
  }

  private CompletableFuture<Long> serviceRevision(String service) {
    return call(
            channels.currentIndex(),
            RegistryGrpc.getGetServiceMethod(),
            GetServiceRequest.newBuilder()
                .setNamespace(settings.namespace)
                .setService(service)
                .build(),
            CallOptions.DEFAULT.withDeadlineAfter(
                settings.requestTimeout.toNanos(), TimeUnit.NANOSECONDS))
        .thenApply(GetServiceResponse::getServiceRevision);
  }

  private <Q, A> CompletableFuture<A> call(
      int index, MethodDescriptor<Q, A> method, Q request, CallOptions options) {
    CompletableFuture<A> result = new CompletableFuture<>();
    try {
      ClientCalls.asyncUnaryCall(
          channels.channel(index).newCall(method, options),
          request,
          new StreamObserver<>() {
            @Override
            public void onNext(A value) {
              result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
    } catch (RuntimeException e) {
      result.completeExceptionally(e); // the client is closed
    }
    return result;
  }

  private Duration waited(long startedNanos) {
    return Duration.ofNanos(Math.max(0, settings.ticker.nanos() - startedNanos));
  }
}

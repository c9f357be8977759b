package dev.cairn.server.internal.health;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.server.core.ProbeResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Probes gRPC checks with {@code grpc.health.v1.Health/Check}. One plaintext channel per target
 * address, kept while it is used (idle ones are closed after {@value #IDLE_MILLIS} ms), all on the
 * probe's event loop. Thread-safe.
 */
final class GrpcHealthProbe implements AutoCloseable {

  static final long IDLE_MILLIS = 120_000;

  private final EventLoopGroup group;
  private final ConcurrentHashMap<String, Target> channels = new ConcurrentHashMap<>();

  GrpcHealthProbe(EventLoopGroup group) {
    this.group = group;
    group.scheduleWithFixedDelay(this::closeIdle, IDLE_MILLIS, IDLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  CompletableFuture<ProbeResult> probe(String host, int port, HealthCheck check) {
    long startNanos = System.nanoTime();
    Target target =
        channels.computeIfAbsent(host + ":" + port, k -> new Target(channel(host, port)));
    target.lastUsedMillis = System.currentTimeMillis();
    ListenableFuture<HealthCheckResponse> call =
        HealthGrpc.newFutureStub(target.channel)
            .withDeadlineAfter(check.timeoutMillis(), TimeUnit.MILLISECONDS)
            .check(HealthCheckRequest.newBuilder().setService(check.path()).build());
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    result.whenComplete((h, e) -> call.cancel(true));
    Futures.addCallback(
        call,
        new FutureCallback<>() {
          @Override
          public void onSuccess(HealthCheckResponse r) {
            result.complete(ofResponse(r.getStatus(), startNanos));
          }

          @Override
          public void onFailure(Throwable t) {
            Status s = Status.fromThrowable(t);
            result.complete(
                ProbeResult.of(
                    Health.CRITICAL,
                    "gRPC "
                        + s.getCode()
                        + (s.getDescription() == null ? "" : ": " + s.getDescription())));
          }
        },
        MoreExecutors.directExecutor());
    return result;
  }

  /** SERVING is passing, any other status critical; the output names the status. */
  static ProbeResult ofResponse(HealthCheckResponse.ServingStatus status, long startNanos) {
    return ProbeResult.of(
        status == HealthCheckResponse.ServingStatus.SERVING ? Health.PASSING : Health.CRITICAL,
        "gRPC "
            + status
            + " in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)
            + " ms");
  }

  @Override
  public void close() {
    for (Target t : channels.values()) {
      t.channel.shutdownNow();
    }
    channels.clear();
  }

  private ManagedChannel channel(String host, int port) {
    return NettyChannelBuilder.forAddress(host, port)
        .eventLoopGroup(group)
        .channelType(NioSocketChannel.class)
        .directExecutor()
        .usePlaintext()
        .maxInboundMessageSize(4096)
        .build();
  }

  private void closeIdle() {
    long now = System.currentTimeMillis();
    for (Map.Entry<String, Target> e : channels.entrySet()) {
      if (now - e.getValue().lastUsedMillis > IDLE_MILLIS) {
        if (channels.remove(e.getKey(), e.getValue())) {
          e.getValue().channel.shutdownNow();
        }
      }
    }
  }

  private static final class Target {
    final ManagedChannel channel;
    volatile long lastUsedMillis;

    Target(ManagedChannel channel) {
      this.channel = channel;
    }
  }
}

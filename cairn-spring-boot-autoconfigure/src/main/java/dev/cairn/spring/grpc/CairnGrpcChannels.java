package dev.cairn.spring.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.grpc.CairnGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;

/**
 * The application's gRPC channels to Cairn services, one per target, shared and shut down with the
 * context: {@code channels.channel("hello")} is a channel on {@code cairn:///hello} (Cairn's
 * resolver and balancers, Cairn's retries, and the application's {@link ClientInterceptor} beans,
 * e.g. Micrometer's observation interceptor). Thread-safe.
 */
public final class CairnGrpcChannels implements DisposableBean {

  private final List<ClientInterceptor> interceptors;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  public CairnGrpcChannels(List<ClientInterceptor> interceptors) {
    this.interceptors = List.copyOf(requireNonNull(interceptors, "interceptors"));
  }

  /**
   * The channel to {@code service} ({@code cairn:///service}), or to a full {@code cairn:} target
   * (e.g. {@code cairn:///hello?lb=cairn_weighted}).
   *
   * @throws IllegalArgumentException naming the bad part of the target
   */
  public ManagedChannel channel(String serviceOrTarget) {
    requireNonNull(serviceOrTarget, "serviceOrTarget");
    String target =
        serviceOrTarget.startsWith("cairn:") ? serviceOrTarget : "cairn:///" + serviceOrTarget;
    return channels.computeIfAbsent(
        target, t -> CairnGrpc.channelBuilder(t).intercept(interceptors).build());
  }

  @Override
  public void destroy() throws InterruptedException {
    for (ManagedChannel c : channels.values()) {
      c.shutdown();
    }
    for (ManagedChannel c : channels.values()) {
      if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
      }
    }
  }
}

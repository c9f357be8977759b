package dev.cairn.spring.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import dev.cairn.spring.CairnRegistrationCustomizer;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * A gRPC server for the application's {@link BindableService} beans, serving {@code
 * grpc.health.v1}, started with the context (before the application is ready) and registered as the
 * port named {@code grpc} of the application's Cairn instance, so {@code cairn:///<service>}
 * channels reach it. It stops with the web server, after the drain: NOT_SERVING, then calls in
 * flight get the shutdown grace.
 */
public final class CairnGrpcServerLifecycle implements SmartLifecycle, CairnRegistrationCustomizer {

  /** Stops with the web server's graceful shutdown, after the drain. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

  private final String host;
  private final int port;
  private final List<BindableService> services;
  private final List<ServerInterceptor> interceptors;
  private final Duration shutdownGrace;
  private final HealthStatusManager health = new HealthStatusManager();
  // Written by start/stop (the context's lifecycle thread), read by customize.
  private volatile Server server;

  public CairnGrpcServerLifecycle(
      String host,
      int port,
      List<BindableService> services,
      List<ServerInterceptor> interceptors,
      Duration shutdownGrace) {
    this.host = requireNonNull(host, "host");
    this.port = port;
    this.services = List.copyOf(services);
    this.interceptors = List.copyOf(interceptors);
    this.shutdownGrace = requireNonNull(shutdownGrace, "shutdownGrace");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "cairn.grpc.server.port: " + port + " (expected: 0..65535, 0 for an ephemeral port)");
    }
  }

  /** The running server, or null. */
  public Server server() {
    return server;
  }

  @Override
  public void customize(Instance.Builder instance) {
    Server s = server;
    if (s != null) {
      instance.port("grpc", s.getPort());
    }
  }

  @Override
  public void start() {
    ServerBuilder<?> b =
        io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    for (BindableService service : services) {
      b.addService(ServerInterceptors.intercept(service, interceptors));
    }
    b.addService(health.getHealthService());
    try {
      Server s = b.build().start();
      health.setStatus("", ServingStatus.SERVING);
      for (ServerServiceDefinition d : s.getServices()) {
        health.setStatus(d.getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
      server = s;
    } catch (IOException e) {
      throw new UncheckedIOException("cairn.grpc.server.port: " + port + " (cannot bind)", e);
    }
  }

  @Override
  public void stop() {
    Server s = server;
    if (s == null) {
      return;
    }
    health.enterTerminalState();
    s.shutdown();
    try {
      if (!s.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        s.shutdownNow().awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}

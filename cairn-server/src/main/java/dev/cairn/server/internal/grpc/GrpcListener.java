package dev.cairn.server.internal.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.Listener;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC listener: a grpc-netty server carrying the {@code cairn.v1.Registry} service.
 *
 * <p>Calls are handled on the connection's event loop ({@code directExecutor}): every handler only
 * validates, reads an immutable snapshot or hands a command to the registry, and never blocks, so a
 * hop to another thread per message would cost more than the handling itself (decision 0070).
 * Answers to writes, which complete on the registry's apply thread, are sent from a small shared
 * pool, so that the apply thread never serializes responses. HTTP/2 keepalive pings from clients
 * are allowed every {@value #PERMIT_KEEPALIVE_SECONDS} s, and the server pings idle connections to
 * find dead peers.
 */
public final class GrpcListener implements Listener {

  /** Largest request message. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 1024 * 1024;

  /** Shortest interval between client keepalive pings that the server tolerates. */
  static final long PERMIT_KEEPALIVE_SECONDS = 5;

  private static final long KEEPALIVE_SECONDS = 30;
  private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;
  private static final long GRACE_MILLIS = 2_000;
  private static final long TERMINATION_MILLIS = 5_000;

  private final Server server;
  private final RegistryService service;
  private final ExecutorService executor;
  private final InetSocketAddress address;

  private GrpcListener(
      Server server, RegistryService service, ExecutorService executor, InetSocketAddress address) {
    this.server = server;
    this.service = service;
    this.executor = executor;
    this.address = address;
  }

  /** Binds {@code bind} and serves {@code registry}; {@code ticker} measures uptime. */
  public static GrpcListener start(Registry registry, InetSocketAddress bind, Ticker ticker)
      throws IOException {
    return start(registry, bind, ticker, List.of());
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker)}, with {@code interceptors} around the
   * service (the first given is the outermost), e.g. for metrics.
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors)
      throws IOException {
    requireNonNull(interceptors, "interceptors");
    requireNonNull(registry, "registry");
    requireNonNull(bind, "bind");
    ExecutorService executor =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), threadFactory());
    RegistryService service = new RegistryService(registry, executor, ticker);
    Connections connections = new Connections();
    Server server =
        NettyServerBuilder.forAddress(bind)
            .directExecutor()
            .addTransportFilter(connections)
            .addService(
                ServerInterceptors.intercept(
                    ServerInterceptors.intercept(service, connections), reversed(interceptors)))
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    return new GrpcListener(server, service, executor, bound);
  }

  /** The open {@code Watch} calls. */
  public int watchCount() {
    return service.watchCount();
  }

  /** The open {@code Session} streams. */
  public int sessionStreamCount() {
    return service.sessionStreamCount();
  }

  // ServerInterceptors.intercept makes the last interceptor of a list the outermost.
  private static List<ServerInterceptor> reversed(List<? extends ServerInterceptor> list) {
    List<ServerInterceptor> r = new java.util.ArrayList<>(list);
    java.util.Collections.reverse(r);
    return r;
  }

  @Override
  public String protocol() {
    return "grpc";
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void beginShutdown() {
    service.beginShutdown();
    server.shutdown();
  }

  @Override
  public void close() {
    beginShutdown();
    // Watches and session streams end with UNAVAILABLE: clients resume their watches and sessions
    // elsewhere, or here when this server is back.
    service.endStreams();
    try {
      if (!server.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(TERMINATION_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdown();
    }
  }

  private static ThreadFactory threadFactory() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "cairn-grpc-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

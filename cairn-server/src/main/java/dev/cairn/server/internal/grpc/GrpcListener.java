package dev.cairn.server.internal.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.Listener;
import dev.cairn.server.internal.NettyTransport;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.RequestRateLimit;
import dev.cairn.server.internal.limits.TokenQuotas;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC listener: a grpc-netty server carrying the {@code cairn.v1.Registry} service.
 *
 * <p>Calls are handled on the connection's event loop ({@code directExecutor}): every handler only
 * validates, reads an immutable snapshot or hands a command to the registry, and never blocks, so a
 * hop to another thread per message would cost more than the handling itself (decision 0070).
 * Answers to writes, which complete on the registry's apply thread, are sent from the event loop of
 * their call (decision 0071), so that the apply thread never serializes responses and no other
 * thread joins in. The listener owns its event loops. HTTP/2 keepalive pings from clients are
 * allowed every {@value #PERMIT_KEEPALIVE_SECONDS} s, and the server pings idle connections to find
 * dead peers.
 */
public final class GrpcListener implements Listener {

  /** Largest request message. */
  static final int MAX_INBOUND_MESSAGE_BYTES = 1024 * 1024;

  /** Shortest interval between client keepalive pings that the server tolerates. */
  static final long PERMIT_KEEPALIVE_SECONDS = 5;

  private static final long KEEPALIVE_SECONDS = 30;
  private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;

  /**
   * How often, with ACLs on, the token of every open watch is checked again by default (decision
   * 0234): the HTTP event streams' keep-alive.
   */
  public static final Duration DEFAULT_TOKEN_CHECK_INTERVAL = Duration.ofSeconds(15);

  private static final long GRACE_MILLIS = 2_000;
  private static final long TERMINATION_MILLIS = 5_000;

  private final Server server;
  private final RegistryService service;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final InetSocketAddress address;
  private final Security security;

  private GrpcListener(
      Server server,
      RegistryService service,
      EventLoopGroup boss,
      EventLoopGroup workers,
      InetSocketAddress address,
      Security security) {
    this.server = server;
    this.service = service;
    this.boss = boss;
    this.workers = workers;
    this.address = address;
    this.security = security;
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
    return start(registry, bind, ticker, interceptors, null, Security.PLAIN);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker, List)}, over TLS with {@code tls} (a
   * gRPC context: ALPN h2) unless it is null; {@code security} says which, for the listener line.
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors,
      SslContext tls,
      Security security)
      throws IOException {
    return start(
        registry, bind, ticker, interceptors, tls, security, new AclGuard(registry.acls(), false));
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker, List, SslContext, Security)}, checking
   * every call with {@code acl} when it is on.
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors,
      SslContext tls,
      Security security,
      AclGuard acl)
      throws IOException {
    return start(registry, bind, ticker, interceptors, tls, security, acl, AbuseLimits.DEFAULTS);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker, List, SslContext, Security, AclGuard)},
   * with {@code limits}: watches and session streams per connection, and the request rate per token
   * or client address (on {@code ticker}'s time).
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors,
      SslContext tls,
      Security security,
      AclGuard acl,
      AbuseLimits limits)
      throws IOException {
    return start(
        registry, bind, ticker, interceptors, tls, security, acl, limits, TokenQuotas.of(limits));
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker, List, SslContext, Security, AclGuard,
   * AbuseLimits)}, counting watches and session streams per token in {@code perToken}, which the
   * server's other listeners share (decision 0175).
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors,
      SslContext tls,
      Security security,
      AclGuard acl,
      AbuseLimits limits,
      TokenQuotas perToken)
      throws IOException {
    return start(
        registry,
        bind,
        ticker,
        interceptors,
        tls,
        security,
        acl,
        limits,
        perToken,
        DEFAULT_TOKEN_CHECK_INTERVAL);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Ticker, List, SslContext, Security, AclGuard,
   * AbuseLimits, TokenQuotas)}; with ACLs on, the token of every open watch is checked again every
   * {@code tokenCheckInterval}, so that a watch that is sent nothing still ends once its token was
   * deleted or may no longer read (decision 0234).
   */
  public static GrpcListener start(
      Registry registry,
      InetSocketAddress bind,
      Ticker ticker,
      List<? extends ServerInterceptor> interceptors,
      SslContext tls,
      Security security,
      AclGuard acl,
      AbuseLimits limits,
      TokenQuotas perToken,
      Duration tokenCheckInterval)
      throws IOException {
    requireNonNull(tokenCheckInterval, "tokenCheckInterval");
    if (tokenCheckInterval.isNegative() || tokenCheckInterval.isZero()) {
      throw new IllegalArgumentException(
          "tokenCheckInterval: " + tokenCheckInterval + " (expected: more than 0)");
    }
    requireNonNull(limits, "limits");
    requireNonNull(perToken, "perToken");
    requireNonNull(interceptors, "interceptors");
    requireNonNull(security, "security");
    requireNonNull(registry, "registry");
    requireNonNull(bind, "bind");
    TransportFailureLog.install(); // a connection that is not gRPC: a line a minute, no trace
    // One acceptor thread and one event loop per core (decision 0116; Netty's default is two per
    // core), owned here so that a call can find its own loop (EventLoops).
    EventLoopGroup boss =
        NettyTransport.group(1, new DefaultThreadFactory("cairn-grpc-boss", true));
    EventLoopGroup workers =
        NettyTransport.group(
            Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("cairn-grpc", true));
    RegistryService service =
        new RegistryService(registry, new EventLoops(workers), ticker, perToken);
    Connections connections = new Connections(limits);
    RequestRateLimit rate = limits.requestRateLimit(ticker);
    // The last of the list is the outermost: the rate is counted before the ACL check.
    List<ServerInterceptor> inner = new java.util.ArrayList<>(2);
    inner.add(new AclInterceptor(acl)); // with ACLs off, it only refuses two different tokens
    if (rate != null) {
      inner.add(new RateLimitInterceptor(rate, acl));
    }
    NettyServerBuilder builder = NettyServerBuilder.forAddress(bind);
    if (tls != null) {
      builder.sslContext(tls);
    }
    Server server =
        builder
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(NettyTransport.serverChannel())
            .directExecutor()
            .addTransportFilter(connections)
            .addService(
                ServerInterceptors.intercept(
                    ServerInterceptors.intercept(
                        ServerInterceptors.intercept(service.definition(), inner), connections),
                    reversed(interceptors)))
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
            .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      shutDown(boss, workers);
      throw e;
    }
    if (acl != null && acl.enforced()) {
      // One task on one of the loops checks every open watch (decision 0234); it stops with the
      // loops. With ACLs off nothing is scheduled.
      long every = tokenCheckInterval.toNanos();
      workers
          .next()
          .scheduleWithFixedDelay(service::recheckWatches, every, every, TimeUnit.NANOSECONDS);
    }
    InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
    return new GrpcListener(server, service, boss, workers, bound, security);
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
  public Security security() {
    return security;
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
      shutDown(boss, workers);
    }
  }

  // The server has terminated (or never started): nothing is left for the loops to run.
  private static void shutDown(EventLoopGroup boss, EventLoopGroup workers) {
    boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
  }
}

package dev.cairn.server.internal.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Limits;
import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.NettyTransport;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.trends.Trends;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The registry's HTTP/JSON API (see {@code docs/api.md}) on Netty: HTTP/1.1 with keep-alive,
 * request bodies up to {@link Limits#MAX_REQUEST_BYTES}, long-poll reads and server-sent-event
 * watches, all served by a few event-loop threads.
 *
 * <p>Thread-safe. The caller owns the {@link Registry} and closes it after this server.
 */
public final class HttpApiServer implements AutoCloseable {

  /** Longest request line (method, target, version), in bytes; longer is 414. */
  static final int MAX_REQUEST_LINE_BYTES = 4096;

  /** Most bytes of request headers; more is 431. */
  static final int MAX_HEADER_BYTES = 8192;

  /** How long {@link #close()} lets connections end by themselves before it cuts them. */
  static final long CLOSE_GRACE_MILLIS = 1_000;

  private final HttpApi api;
  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final ChannelGroup channels;
  private final InetSocketAddress localAddress;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpApiServer(
      HttpApi api, EventLoopGroup group, Channel serverChannel, ChannelGroup channels) {
    this.api = api;
    this.group = group;
    this.serverChannel = serverChannel;
    this.channels = channels;
    this.localAddress = (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Binds the API to {@code bind} (port 0 picks a free port) and starts serving {@code registry}.
   * {@code startedAt} is when the server started, for the uptime in {@code /v1/status}.
   *
   * @throws IOException when the address cannot be bound
   */
  public static HttpApiServer start(Registry registry, InetSocketAddress bind, Instant startedAt)
      throws IOException {
    return start(registry, bind, startedAt, HttpApiSettings.defaults());
  }

  /** Like {@link #start(Registry, InetSocketAddress, Instant)}, reporting to {@code metrics}. */
  public static HttpApiServer start(
      Registry registry, InetSocketAddress bind, Instant startedAt, HttpMetrics metrics)
      throws IOException {
    return start(registry, bind, startedAt, HttpApiSettings.defaults(), metrics);
  }

  static HttpApiServer start(
      Registry registry, InetSocketAddress bind, Instant startedAt, HttpApiSettings settings)
      throws IOException {
    return start(registry, bind, startedAt, settings, HttpMetrics.NONE);
  }

  static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpApiSettings settings,
      HttpMetrics metrics)
      throws IOException {
    return start(registry, bind, startedAt, settings, metrics, null);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, HttpMetrics)}, over TLS with {@code
   * tls} unless it is null (plain HTTP). Each connection takes the context's current certificate at
   * its handshake (see {@code ServerTls}).
   */
  public static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpMetrics metrics,
      SslContext tls)
      throws IOException {
    return start(registry, bind, startedAt, HttpApiSettings.defaults(), metrics, tls);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, HttpMetrics, SslContext)}, checking
   * every request with {@code acl}.
   */
  public static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpMetrics metrics,
      SslContext tls,
      AclGuard acl)
      throws IOException {
    return start(registry, bind, startedAt, HttpApiSettings.defaults(), metrics, tls, acl);
  }

  static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpApiSettings settings,
      HttpMetrics metrics,
      SslContext tls)
      throws IOException {
    return start(
        registry, bind, startedAt, settings, metrics, tls, new AclGuard(registry.acls(), false));
  }

  static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpApiSettings settings,
      HttpMetrics metrics,
      SslContext tls,
      AclGuard acl)
      throws IOException {
    return start(
        registry, bind, startedAt, settings, metrics, tls, acl, new Trends(settings.clock()));
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, HttpMetrics, SslContext, AclGuard)},
   * answering {@code /v1/history/...} from {@code trends} (which the caller feeds and closes).
   */
  public static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpMetrics metrics,
      SslContext tls,
      AclGuard acl,
      Trends trends)
      throws IOException {
    return start(registry, bind, startedAt, HttpApiSettings.defaults(), metrics, tls, acl, trends);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, HttpMetrics, SslContext, AclGuard,
   * Trends)}, with {@code settings} (the limits and the {@code Host} names served).
   */
  public static HttpApiServer start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      HttpApiSettings settings,
      HttpMetrics metrics,
      SslContext tls,
      AclGuard acl,
      Trends trends)
      throws IOException {
    requireNonNull(trends, "trends");
    requireNonNull(metrics, "metrics");
    requireNonNull(registry, "registry");
    requireNonNull(bind, "bind");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(settings, "settings");
    HttpApi api = new HttpApi(registry, startedAt, settings, metrics, acl, trends);
    EventLoopGroup group =
        NettyTransport.group(settings.ioThreads(), new DefaultThreadFactory("cairn-http", true));
    ChannelGroup channels = new DefaultChannelGroup("cairn-http", GlobalEventExecutor.INSTANCE);
    ClientQuota connections = new ClientQuota(settings.maxConnectionsPerClient());
    HttpDecoderConfig decoding =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            .setStrictLineParsing(true);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NettyTransport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    ConnectionGuard guard = new ConnectionGuard(connections, settings);
                    ch.pipeline().addLast(guard);
                    if (tls != null) {
                      // After the guard: the request timeout also bounds the handshake.
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new HttpServerCodec(decoding))
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new RequestChecks())
                        .addLast(new BodyLimitAggregator(Limits.MAX_REQUEST_BYTES))
                        .addLast(
                            new HttpApiHandler(
                                api::handle, metrics, guard, api::decorate, settings.hosts()));
                  }
                });
    Channel serverChannel;
    try {
      serverChannel = bootstrap.bind(bind).sync().channel();
    } catch (Exception e) { // NOPMD: bind reports its IOExceptions undeclared
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cannot bind the HTTP API to " + bind + ": " + e.getMessage(), e);
    }
    return new HttpApiServer(api, group, serverChannel, channels);
  }

  /** The bound address, with the actual port when 0 was asked for. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /**
   * Stops accepting connections; those open are served until {@link #close()}. Idempotent. The
   * listening socket is released when the I/O thread next polls, moments after this returns (NIO
   * defers closing a channel registered with a selector); {@link #close()} releases it for good.
   */
  public void beginShutdown() {
    serverChannel.close().awaitUninterruptibly();
  }

  /** The long-polls waiting for a change; for tests and metrics. */
  public int pendingPolls() {
    return api.pendingPolls();
  }

  /** The event streams open now; for tests and metrics. */
  public int openStreams() {
    return api.openStreams();
  }

  /**
   * Stops accepting and ends every connection: a waiting long-poll (or drain) is answered 503
   * {@code UNAVAILABLE} "the server is shutting down", an event stream ends with the last chunk of
   * its body, a request being answered is answered with {@code Connection: close}, an idle
   * connection is closed. Connections still open {@value #CLOSE_GRACE_MILLIS} ms later (a client
   * that does not read, a request not done) are cut; then the I/O threads stop. Idempotent; waits a
   * few seconds at most.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    serverChannel.close().awaitUninterruptibly();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
    List<Channel> open = new ArrayList<>(channels);
    for (Channel ch : open) {
      ChannelHandlerContext ctx = ch.pipeline().context(HttpApiHandler.class);
      if (ctx == null) {
        ch.close();
        continue;
      }
      HttpApiHandler handler = (HttpApiHandler) ctx.handler();
      try {
        ch.eventLoop().execute(() -> handler.shutDown(ctx));
      } catch (RejectedExecutionException e) {
        ch.close();
      }
    }
    for (Channel ch : open) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !ch.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        break;
      }
    }
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}

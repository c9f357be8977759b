package dev.cairn.compat.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.FrontDoor;
import dev.cairn.server.FrontDoorSecurity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP/1.1 front door on Netty: one event-loop thread serves every connection, and a request
 * that waits (a blocking query) holds a future, not a thread. With the server's TLS, every
 * connection is HTTPS (mutual with its client CA). Bodies are limited to {@link #MAX_BODY_BYTES}.
 * Thread-safe.
 */
public final class HttpFrontDoor implements FrontDoor {

  /** The largest request body accepted; larger ones get 413. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  private final String protocol;
  private final String basePath;
  private final boolean tls;
  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final ChannelGroup channels;
  private final InetSocketAddress address;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpFrontDoor(
      String protocol,
      String basePath,
      boolean tls,
      EventLoopGroup group,
      Channel serverChannel,
      ChannelGroup channels) {
    this.protocol = protocol;
    this.basePath = basePath;
    this.tls = tls;
    this.group = group;
    this.serverChannel = serverChannel;
    this.channels = channels;
    this.address = (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Binds {@code route} on {@code bind}:{@code port} (0 for a free port). {@code basePath} (e.g.
   * {@code /eureka}) is only shown in {@link #endpoint()}.
   *
   * @throws IOException when the port cannot be bound
   */
  public static HttpFrontDoor start(
      String protocol,
      String basePath,
      InetAddress bind,
      int port,
      FrontDoorSecurity security,
      Route route)
      throws IOException {
    requireNonNull(protocol, "protocol");
    requireNonNull(basePath, "basePath");
    requireNonNull(security, "security");
    requireNonNull(route, "route");
    SslContext tls = security.httpTls().orElse(null);
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cairn-" + protocol, true), NioIoHandler.newFactory());
    ChannelGroup channels = new DefaultChannelGroup(protocol, GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    channels.add(ch);
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new ConnectionLimit(security))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                        .addLast(new RouteHandler(route, security));
                  }
                });
    InetSocketAddress at = new InetSocketAddress(bind, port);
    try {
      Channel serverChannel = bootstrap.bind(at).sync().channel();
      return new HttpFrontDoor(protocol, basePath, tls != null, group, serverChannel, channels);
    } catch (Exception e) { // NOPMD: bind reports its IOExceptions undeclared
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cannot bind " + protocol + " to " + at + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public String endpoint() {
    return (tls ? "https://" : "http://") + FrontDoor.hostPort(address) + basePath;
  }

  /** The connections open now; for tests and benchmarks. */
  public int connectionCount() {
    return channels.size();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    serverChannel.close().awaitUninterruptibly();
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}

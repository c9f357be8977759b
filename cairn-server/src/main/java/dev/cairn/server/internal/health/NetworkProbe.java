package dev.cairn.server.internal.health;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.core.HealthProbe;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Probes HTTP and TCP checks with Netty on one event loop, and hands gRPC checks to {@link
 * GrpcHealthProbe}. Nothing blocks: a probe is a connect (and for HTTP one request whose status
 * line and headers are read, at most {@value #MAX_HEAD_BYTES} bytes; the body is never read). The
 * registry's timeout cancels the returned future, which closes the connection; a target that drips
 * bytes slowly or hangs is therefore critical after the timeout. Thread-safe; {@link #close()}
 * releases the event loop.
 */
public final class NetworkProbe implements HealthProbe, AutoCloseable {

  /** Largest status line plus headers read from an HTTP target. */
  static final int MAX_HEAD_BYTES = 8 * 1024;

  private final EventLoopGroup group;
  private final Bootstrap tcp;
  private final Bootstrap http;
  private final GrpcHealthProbe grpc;

  public NetworkProbe() {
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cairn-probe", true), NioIoHandler.newFactory());
    this.tcp =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {}
                });
    this.http = tcp.clone();
    this.grpc = new GrpcHealthProbe(group);
  }

  @Override
  public CompletableFuture<Health> probe(Instance instance, HealthCheck check) {
    int port = port(instance, check);
    if (port < 0) {
      return CompletableFuture.completedFuture(Health.CRITICAL);
    }
    switch (check.type()) {
      case TCP:
        return connect(instance.address(), port, check, null);
      case HTTP:
        return connect(instance.address(), port, check, httpRequest(instance, port, check));
      case GRPC:
        return grpc.probe(instance.address(), port, check);
      default:
        return CompletableFuture.completedFuture(Health.CRITICAL);
    }
  }

  @Override
  public void close() {
    grpc.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private CompletableFuture<Health> connect(
      String host, int port, HealthCheck check, HttpRequest request) {
    CompletableFuture<Health> result = new CompletableFuture<>();
    Bootstrap b =
        (request == null ? tcp : http)
            .clone()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.max(1, Math.min(Integer.MAX_VALUE, check.timeoutMillis())));
    if (request != null) {
      b.handler(
          new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline()
                  .addLast(new HttpClientCodec(4096, MAX_HEAD_BYTES, 8192))
                  .addLast(new StatusHandler(result));
            }
          });
    }
    ChannelFuture connecting = b.connect(host, port);
    Channel ch = connecting.channel();
    // Cancelled by the registry's timeout, or done: the connection is closed either way.
    result.whenComplete((h, e) -> ch.close());
    connecting.addListener(
        f -> {
          if (!f.isSuccess()) {
            result.complete(Health.CRITICAL);
          } else if (request == null) {
            result.complete(Health.PASSING);
          } else {
            ch.writeAndFlush(request)
                .addListener(
                    w -> {
                      if (!w.isSuccess()) {
                        result.complete(Health.CRITICAL);
                      }
                    });
          }
        });
    return result;
  }

  private static HttpRequest httpRequest(Instance instance, int port, HealthCheck check) {
    DefaultFullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, check.path());
    String host =
        instance.address().contains(":") ? "[" + instance.address() + "]" : instance.address();
    r.headers()
        .set(HttpHeaderNames.HOST, host + ":" + port)
        .set(HttpHeaderNames.USER_AGENT, "cairn-health-check")
        .set(HttpHeaderNames.ACCEPT, "*/*")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }

  /** The port the check probes: the named one, or the instance's only port; -1 when none. */
  static int port(Instance instance, HealthCheck check) {
    if (!check.port().isEmpty()) {
      return instance.port(check.port());
    }
    return instance.ports().size() == 1 ? instance.ports().values().iterator().next() : -1;
  }

  /** 2xx passing, 429 warning, anything else critical; decided on the status line. */
  static Health ofStatus(int status) {
    if (status >= 200 && status < 300) {
      return Health.PASSING;
    }
    return status == 429 ? Health.WARNING : Health.CRITICAL;
  }

  private static final class StatusHandler extends SimpleChannelInboundHandler<HttpObject> {
    private final CompletableFuture<Health> result;

    StatusHandler(CompletableFuture<Health> result) {
      this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg.decoderResult().isFailure()) {
        result.complete(Health.CRITICAL); // oversized or malformed head
      } else if (msg instanceof HttpResponse) {
        result.complete(ofStatus(((HttpResponse) msg).status().code()));
      }
      // Body parts are ignored; the connection closes as soon as the result is in.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.complete(Health.CRITICAL); // closed before a status line
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.complete(Health.CRITICAL);
      ctx.close();
    }
  }
}

package dev.cairn.server.internal.health;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.core.HealthProbe;
import dev.cairn.server.core.ProbeResult;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Probes HTTP and TCP checks with Netty on one event loop, and hands gRPC checks to {@link
 * GrpcHealthProbe}. Nothing blocks: a probe is a connect (and for HTTP one request whose status
 * line and headers are read, at most {@value #MAX_HEAD_BYTES} bytes; the body is never read). The
 * registry's timeout cancels the returned future, which closes the connection; a target that drips
 * bytes slowly or hangs is therefore critical after the timeout. Each result carries a short output
 * ({@code "HTTP 503 Service Unavailable in 2 ms"}, {@code "connect to 127.0.0.1:9 failed:
 * Connection refused"}). Thread-safe; {@link #close()} releases the event loop.
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
    CompletableFuture<ProbeResult> checked = check(instance, check);
    CompletableFuture<Health> result = checked.thenApply(ProbeResult::health);
    result.whenComplete((h, e) -> checked.cancel(true));
    return result;
  }

  @Override
  public CompletableFuture<ProbeResult> check(Instance instance, HealthCheck check) {
    int port = port(instance, check);
    if (port < 0) {
      return critical(
          check.port().isEmpty()
              ? "no port to probe: the check names none and the instance has "
                  + instance.ports().size()
                  + " ports"
              : "no port to probe: the instance has no port named " + check.port());
    }
    switch (check.type()) {
      case TCP:
        return connect(instance.address(), port, check, null);
      case HTTP:
        return connect(instance.address(), port, check, httpRequest(instance, port, check));
      case GRPC:
        return grpc.probe(instance.address(), port, check);
      default:
        return critical("not probed over the network: " + check.type().label());
    }
  }

  @Override
  public void close() {
    grpc.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private CompletableFuture<ProbeResult> connect(
      String host, int port, HealthCheck check, HttpRequest request) {
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    long startNanos = System.nanoTime();
    String target = hostPort(host, port);
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
                  .addLast(new StatusHandler(result, startNanos));
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
            result.complete(
                ProbeResult.of(
                    Health.CRITICAL, "connect to " + target + " failed: " + describe(f.cause())));
          } else if (request == null) {
            result.complete(
                ProbeResult.of(
                    Health.PASSING,
                    "TCP connect to " + target + " OK in " + millisSince(startNanos) + " ms"));
          } else {
            ch.writeAndFlush(request)
                .addListener(
                    w -> {
                      if (!w.isSuccess()) {
                        result.complete(
                            ProbeResult.of(
                                Health.CRITICAL,
                                "HTTP request to " + target + " failed: " + describe(w.cause())));
                      }
                    });
          }
        });
    return result;
  }

  private static HttpRequest httpRequest(Instance instance, int port, HealthCheck check) {
    DefaultFullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, check.path());
    r.headers()
        .set(HttpHeaderNames.HOST, hostPort(instance.address(), port))
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

  /** The output of an HTTP probe that got a status line: {@code "HTTP 503 Service Unavailable"}. */
  static ProbeResult ofResponse(HttpResponseStatus status, long millis) {
    return ProbeResult.of(
        ofStatus(status.code()),
        "HTTP " + status.code() + " " + status.reasonPhrase() + " in " + millis + " ms");
  }

  /** {@code host:port}, an IPv6 address in brackets. */
  static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** A failure's message, or its type when it has none. */
  static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private static CompletableFuture<ProbeResult> critical(String output) {
    return CompletableFuture.completedFuture(ProbeResult.of(Health.CRITICAL, output));
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static final class StatusHandler extends SimpleChannelInboundHandler<HttpObject> {
    private final CompletableFuture<ProbeResult> result;
    private final long startNanos;

    StatusHandler(CompletableFuture<ProbeResult> result, long startNanos) {
      this.result = result;
      this.startNanos = startNanos;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg.decoderResult().isFailure()) {
        result.complete(
            ProbeResult.of(
                Health.CRITICAL,
                "HTTP response head malformed or over "
                    + MAX_HEAD_BYTES
                    + " bytes: "
                    + describe(msg.decoderResult().cause())));
      } else if (msg instanceof HttpResponse) {
        result.complete(ofResponse(((HttpResponse) msg).status(), millisSince(startNanos)));
      }
      // Body parts are ignored; the connection closes as soon as the result is in.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.complete(
          ProbeResult.of(Health.CRITICAL, "connection closed before an HTTP status line"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.complete(ProbeResult.of(Health.CRITICAL, "HTTP probe failed: " + describe(cause)));
      ctx.close();
    }
  }
}

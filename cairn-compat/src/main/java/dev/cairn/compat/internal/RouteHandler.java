package dev.cairn.compat.internal;

import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.acl.Authorizer;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each whole request to a {@link Route} and writes its reply, on the connection's event loop;
 * requests on one connection are answered in order (HTTP/1.1 has no pipelining reorder).
 */
final class RouteHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(RouteHandler.class);

  private final Route route;
  private final FrontDoorSecurity security;
  // Completes when the channel closes; created in handlerAdded, on the event loop.
  private CompletableFuture<Void> closed;

  RouteHandler(Route route, FrontDoorSecurity security) {
    this.route = route;
    this.security = security;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    closed = new CompletableFuture<>();
    ctx.channel().closeFuture().addListener(f -> closed.complete(null));
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      write(ctx, Reply.text(400, "Bad request"), false);
      return;
    }
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (!security.allowsHost(host)) {
      // DNS rebinding (decision 0168): a name other than the server's is refused.
      write(
          ctx,
          Reply.text(
              403,
              "Forbidden: Host \""
                  + host
                  + "\" is not one of this server's names (expected: "
                  + security.expectedHosts()
                  + "; see --allowed-hosts)"),
          keepAlive);
      return;
    }
    HttpMethod method = request.method();
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (!method.equals(HttpMethod.GET)
        && !method.equals(HttpMethod.HEAD)
        && !method.equals(HttpMethod.OPTIONS)
        && !security.allowsWrite(origin, host)) {
      // A page of another site in a browser (a form, a no-cors fetch): no client of these
      // protocols sends an Origin of its own.
      write(
          ctx,
          Reply.text(
              403,
              "Forbidden: Origin \""
                  + origin
                  + "\" is not this server ("
                  + host
                  + "): writes from pages of other origins are refused"),
          keepAlive);
      return;
    }
    int bodyBytes = request.content().readableBytes();
    if (bodyBytes > 0
        && (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD))) {
      // No read of a front door takes a body (decision 0098, addendum of 2026-12-06): one would be
      // ignored, and a filter sent in it served unfiltered. An empty one (Content-Length: 0, or
      // an empty chunked body, which some clients send) is no body.
      write(
          ctx,
          Reply.text(
              400,
              "Bad request: a "
                  + request.method().name()
                  + " takes no body ("
                  + bodyBytes
                  + " bytes sent; expected: none, the query parameters carry any filter)"),
          keepAlive);
      return;
    }
    CompletableFuture<Reply> answer;
    try {
      QueryStringDecoder query = new QueryStringDecoder(request.uri());
      Map<String, java.util.List<String>> params = query.parameters();
      String token = Credentials.token(request.headers(), params, security.aclEnforced());
      Authorizer caller = security.authorizer(token);
      InetAddress address = remoteAddress(ctx);
      boolean byToken =
          security.aclEnforced()
              && caller.kind() == Authorizer.Kind.KNOWN
              && !caller.accessorId().isEmpty();
      Object key = byToken ? caller.accessorId() : address;
      long wait = key == null ? 0 : security.acquireRequest(key);
      if (wait > 0) {
        write(
            ctx,
            Reply.text(
                    429,
                    "Too many requests from "
                        + (byToken ? "token " + caller.accessorId() : address.getHostAddress())
                        + " (expected: at most the server's --rate-limit a second)")
                .header("Retry-After", Long.toString(FrontDoorSecurity.retryAfterSeconds(wait))),
            keepAlive);
        return;
      }
      Req req =
          new Req(
              request.method(),
              query.path(),
              params,
              request.headers(),
              ByteBufUtil.getBytes(request.content()),
              ctx.channel().eventLoop(),
              closed,
              remoteIp(ctx),
              caller,
              address,
              security,
              token);
      answer = route.handle(req);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Reply> reply = answer;
    if (reply.isDone()) {
      write(ctx, outcome(reply), keepAlive);
      return;
    }
    reply.whenComplete(
        (r, e) -> {
          if (!ctx.channel().isActive()) {
            return;
          }
          // Answers completed on the event loop (blocking queries) are written at once.
          if (ctx.executor().inEventLoop()) {
            write(ctx, outcome(reply), keepAlive);
          } else {
            ctx.executor().execute(() -> write(ctx, outcome(reply), keepAlive));
          }
        });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static InetAddress remoteAddress(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress i
        ? i.getAddress()
        : null;
  }

  private static String remoteIp(ChannelHandlerContext ctx) {
    java.net.SocketAddress a = ctx.channel().remoteAddress();
    if (a instanceof java.net.InetSocketAddress i && i.getAddress() != null) {
      String ip = i.getAddress().getHostAddress();
      int scope = ip.indexOf('%');
      return scope < 0 ? ip : ip.substring(0, scope);
    }
    return "127.0.0.1";
  }

  private static Reply outcome(CompletableFuture<Reply> future) {
    try {
      return future.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof BadRequest bad) {
        Reply r = Reply.text(bad.status(), bad.getMessage());
        return bad.status() == 429 ? r.header("Retry-After", "1") : r;
      }
      if (cause instanceof dev.cairn.common.CairnException ce) {
        return Reply.text(ce.code().httpStatus(), ce.getMessage());
      }
      log.warn("front door request failed", cause);
      return Reply.text(500, "Internal error: " + cause.getClass().getSimpleName());
    }
  }

  private static void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(reply.status()),
            Unpooled.wrappedBuffer(reply.body()));
    if (reply.contentType() != null) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    }
    reply.headers().forEach((k, v) -> response.headers().set(k, v));
    HttpUtil.setContentLength(response, reply.body().length);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}

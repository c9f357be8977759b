package dev.cairn.compat.internal;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
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
  // Completes when the channel closes; created in handlerAdded, on the event loop.
  private CompletableFuture<Void> closed;

  RouteHandler(Route route) {
    this.route = route;
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
    CompletableFuture<Reply> answer;
    try {
      QueryStringDecoder query = new QueryStringDecoder(request.uri());
      Map<String, java.util.List<String>> params = query.parameters();
      Req req =
          new Req(
              request.method(),
              query.path(),
              params,
              request.headers(),
              ByteBufUtil.getBytes(request.content()),
              ctx.channel().eventLoop(),
              closed,
              remoteIp(ctx));
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
        return Reply.text(bad.status(), bad.getMessage());
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

package dev.cairn.compat.internal;

import dev.cairn.server.FrontDoorSecurity;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Holds a connection's place in the per-client-address connection limit ({@code
 * --max-connections-per-client}, decision 0170): a connection beyond it gets 429 and is closed,
 * before anything it sends is read. The first handler after TLS; runs on the connection's event
 * loop.
 */
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

  private final FrontDoorSecurity security;
  private FrontDoorSecurity.Held held; // set once counted
  private boolean refused;

  ConnectionLimit(FrontDoorSecurity security) {
    this.security = security;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress address =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    FrontDoorSecurity.Held connection = security.openConnection(address);
    if (!connection.granted()) {
      refused = true;
      String text = "Too many connections: " + connection.refusal();
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.TOO_MANY_REQUESTS,
              Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      HttpUtil.setContentLength(r, r.content().readableBytes());
      ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    held = connection;
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (held != null) {
      held.close();
      held = null;
    }
    if (!refused) {
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }
}

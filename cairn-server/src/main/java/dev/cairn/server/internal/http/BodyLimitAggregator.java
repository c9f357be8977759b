package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates requests up to a body limit and answers a larger one with 413 and the API's error
 * body. When the size was declared up front the rest of the body is read and dropped and the
 * connection stays open; when it was found while reading a chunked body the connection closes.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

  private final int maxBytes;

  BodyLimitAggregator(int maxBytes) {
    super(maxBytes);
    this.maxBytes = maxBytes;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    boolean close =
        oversized instanceof FullHttpMessage
            || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
    String length = oversized.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    FullHttpResponse r =
        Exchange.response(
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            JsonBodies.error(
                ErrorCode.INVALID_ARGUMENT,
                "body",
                "body: "
                    + (length != null ? length + " bytes" : "more than " + maxBytes + " bytes")
                    + " (expected: <= "
                    + maxBytes
                    + " bytes)"),
            -1);
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ChannelFuture f = ctx.writeAndFlush(r);
    f.addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
  }
}

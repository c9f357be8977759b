package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates requests up to a body limit and refuses a larger one with 413 and the API's error
 * body, answered in its turn among pipelined requests (an {@link ApiError} passed on as the
 * request's decoder result). When the size was declared up front the rest of the body is read and
 * dropped and the connection stays open; when it was found while reading a chunked body, or the
 * request waits for {@code 100 Continue} (which it does not get), the connection closes.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

  private final int maxBytes;

  BodyLimitAggregator(int maxBytes) {
    super(maxBytes);
    this.maxBytes = maxBytes;
  }

  /**
   * Leaves a request that expects {@code 100 Continue} for a body over the limit to {@link
   * #handleOversizedMessage}, so that it is refused with the API's error body in its turn, not with
   * Netty's own empty 413. Other expectations and bodies within the limit are Netty's: 417, or
   * {@code 100 Continue}.
   */
  @Override
  protected Object newContinueResponse(
      HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    if (HttpUtil.is100ContinueExpected(start)
        && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
      return null; // isContentLengthInvalid then holds: handleOversizedMessage answers
    }
    return super.newContinueResponse(start, maxContentLength, pipeline);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (!(oversized instanceof HttpRequest)) {
      return;
    }
    HttpRequest head = (HttpRequest) oversized;
    // A declared body is read and dropped, and the connection kept. One that waits for 100
    // Continue is not sent (or only partly): the connection closes, since where the next request
    // starts is then unknown.
    boolean keepOpen =
        !(oversized instanceof FullHttpMessage)
            && !HttpUtil.is100ContinueExpected(oversized)
            && HttpUtil.isKeepAlive(oversized);
    String length = oversized.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    FullHttpRequest refused =
        new DefaultFullHttpRequest(
            head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER);
    refused.headers().set(head.headers());
    refused.setDecoderResult(
        DecoderResult.failure(
            new ApiError(
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                ErrorCode.INVALID_ARGUMENT,
                "body",
                "body: "
                    + (length != null ? length + " bytes" : "more than " + maxBytes + " bytes")
                    + " (expected: <= "
                    + maxBytes
                    + " bytes)",
                !keepOpen)));
    ctx.fireChannelRead(refused);
  }
}

package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Refuses request heads whose framing this server does not take, before their body is read (RFC
 * 9112): a version other than HTTP/1.0 or HTTP/1.1 (505), a transfer coding other than {@code
 * chunked} alone (400 when {@code chunked} is not the last coding, as the body's length is then
 * unknown; 501 for a coding before it), and {@code Transfer-Encoding} beside {@code Content-Length}
 * (400). A refused head gets a failed decoder result ({@link ApiError}) and is answered in order by
 * {@link HttpApiHandler}, which then closes the connection: the bytes after such a request are
 * never served as another request (no request smuggling behind a proxy that reads the framing
 * differently). A {@code GET} or {@code HEAD} announcing a body is refused too (400 naming {@code
 * body}), with the connection kept: its framing is sound.
 *
 * <p>Sits between the HTTP decoder and the aggregator. One per connection, on its event loop.
 */
final class RequestChecks extends ChannelInboundHandlerAdapter {

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      HttpRequest request = (HttpRequest) msg;
      if (request.decoderResult().isSuccess()) {
        ApiError error = check(request);
        if (error != null) {
          request.setDecoderResult(DecoderResult.failure(error));
        }
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** The reason to refuse {@code request}'s head, or null when it is acceptable. */
  static ApiError check(HttpRequest request) {
    HttpVersion v = request.protocolVersion();
    if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
      return ApiError.framing(
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "version",
          "version: " + v.text() + " (expected: HTTP/1.1 or HTTP/1.0)");
    }
    List<String> te = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (te.isEmpty()) {
      return bodyOnARead(request, null);
    }
    List<String> codings = new ArrayList<>();
    for (String header : te) {
      for (String coding : header.split(",", -1)) {
        codings.add(coding.trim().toLowerCase(Locale.ROOT));
      }
    }
    String shown = String.join(", ", te);
    if (!codings.get(codings.size() - 1).equals("chunked")) {
      return ApiError.framing(
          HttpResponseStatus.BAD_REQUEST,
          "transfer-encoding",
          "transfer-encoding: " + shown + " (expected: chunked)");
    }
    if (codings.size() > 1) {
      return ApiError.framing(
          HttpResponseStatus.NOT_IMPLEMENTED,
          "transfer-encoding",
          "transfer-encoding: " + shown + " (expected: chunked alone)");
    }
    return bodyOnARead(request, shown);
  }

  /**
   * Refuses a {@code GET} or {@code HEAD} that announces a body ({@code Content-Length} over 0, or
   * a transfer coding; {@code chunked} is the shown one, null when there is none): no route of this
   * API reads one on these methods (a read is answered from its path and query), so a filter sent
   * in a body would be served unfiltered (decision 0098, addendum of 2026-12-06). Refused from the
   * head, before the body is read; the framing is sound, so the body is read and dropped and the
   * connection serves the next request. {@code Content-Length: 0} is no body and is served.
   */
  private static ApiError bodyOnARead(HttpRequest request, String chunked) {
    HttpMethod m = request.method();
    if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
      return null;
    }
    String announced;
    if (chunked != null) {
      announced = "Transfer-Encoding: " + chunked;
    } else {
      long length = HttpUtil.getContentLength(request, 0L);
      if (length <= 0) {
        return null;
      }
      announced = "Content-Length: " + length;
    }
    return new ApiError(
        HttpResponseStatus.BAD_REQUEST,
        ErrorCode.INVALID_ARGUMENT,
        "body",
        "body: "
            + announced
            + " on a "
            + m.name()
            + " (expected: no body; a "
            + m.name()
            + " is answered from its path and query parameters, which carry any filter)");
  }
}

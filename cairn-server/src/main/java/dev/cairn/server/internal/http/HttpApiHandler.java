package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * The last handler of a connection's pipeline: routes each aggregated request to its endpoint and
 * keeps answers in request order. One instance per connection; every method runs on the
 * connection's event loop.
 *
 * <p>A request that arrives while another is being answered (HTTP pipelining, or a long-poll in
 * progress) waits in a small queue. A connection that became an event stream takes no more
 * requests.
 */
final class HttpApiHandler extends ChannelInboundHandlerAdapter {

  /** A connection turned into a stream of events (SSE). */
  interface Stream {
    /** The channel's writability changed. */
    void writabilityChanged();
  }

  /** Serves a routed request; called on the connection's event loop. */
  @FunctionalInterface
  interface Dispatcher {
    void handle(Route route, Exchange ex);
  }

  private static final int MAX_QUEUED_REQUESTS = 16;

  private final Dispatcher dispatcher;
  private final HttpMetrics metrics;
  // All fields below are touched only on the event loop.
  private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
  private Exchange current;
  private Stream stream;

  HttpApiHandler(Dispatcher dispatcher) {
    this(dispatcher, HttpMetrics.NONE);
  }

  HttpApiHandler(Dispatcher dispatcher, HttpMetrics metrics) {
    this.dispatcher = dispatcher;
    this.metrics = metrics;
  }

  /** Reports the answer of {@code ex}, sent now with {@code status}. */
  void record(Exchange ex, int status) {
    Route route = ex.route();
    metrics.answered(
        route == null ? "unmatched" : route.tag(),
        ex.method().name(),
        status,
        System.nanoTime() - ex.startNanos());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest) || stream != null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    FullHttpRequest request = (FullHttpRequest) msg;
    if (current != null) {
      if (queued.size() >= MAX_QUEUED_REQUESTS) {
        request.release();
        ctx.close();
        return;
      }
      queued.add(request);
      return;
    }
    dispatch(ctx, request);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.writabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange ex = current;
    current = null;
    if (ex != null) {
      ex.abandon();
    }
    FullHttpRequest r;
    while ((r = queued.poll()) != null) {
      r.release();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // I/O errors (a reset by the peer) end the connection; channelInactive cleans up.
    ctx.close();
  }

  /** The exchange was answered: the next queued request, if any, is served. */
  void answered(Exchange ex) {
    if (current != ex) {
      return;
    }
    current = null;
    FullHttpRequest next = queued.poll();
    if (next != null) {
      dispatch(ex.ctx(), next);
    }
  }

  /** The exchange became a stream: no more requests on this connection. */
  void streaming(Exchange ex, Stream stream) {
    this.stream = stream;
    if (current == ex) {
      current = null;
    }
    FullHttpRequest r;
    while ((r = queued.poll()) != null) {
      r.release();
    }
  }

  private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
    try {
      if (request.decoderResult().isFailure()) {
        badRequest(ctx, request);
        return;
      }
      QueryStringDecoder query = new QueryStringDecoder(request.uri());
      String path = query.rawPath();
      String[] segments =
          !path.isEmpty() && path.charAt(0) == '/'
              ? path.substring(1).split("/", -1)
              : new String[] {path};
      Exchange ex = new Exchange(this, ctx, request, query, segments);
      current = ex;
      Route.Match match = Route.match(request.method(), segments);
      try {
        if (match == null) {
          throw new ApiError(
              HttpResponseStatus.NOT_FOUND,
              ErrorCode.NOT_FOUND,
              "path",
              "path: \"" + path + "\" (not found)");
        }
        if (match.route() == null) {
          ex.methodNotAllowed(match.allowed());
          return;
        }
        ex.route(match.route());
        dispatcher.handle(match.route(), ex);
      } catch (RuntimeException e) {
        ex.fail(e);
      }
    } finally {
      request.release();
    }
  }

  private void badRequest(ChannelHandlerContext ctx, FullHttpRequest request) {
    Throwable cause = request.decoderResult().cause();
    FullHttpResponse r =
        Exchange.response(
            HttpResponseStatus.BAD_REQUEST,
            JsonBodies.error(
                ErrorCode.INVALID_ARGUMENT,
                "request",
                "request: "
                    + (cause == null ? "malformed" : cause.getMessage())
                    + " (expected: an HTTP/1.1 request)"),
            -1);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }
}

package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Set;

/**
 * The last handler of a connection's pipeline: routes each aggregated request to its endpoint and
 * keeps answers in request order. One instance per connection; every method runs on the
 * connection's event loop.
 *
 * <p>A request that arrives while another is being answered (HTTP pipelining, or a long-poll in
 * progress) waits in a queue of {@value #MAX_QUEUED_REQUESTS}; while the queue is full the
 * connection is not read (TCP flow control holds the client back), so no request is ever dropped. A
 * connection that became an event stream takes no more requests. A request refused before routing
 * ({@link ApiError}, or a request the decoder could not read) is answered in its turn and, unless
 * it says otherwise, ends the connection: nothing read after it is served.
 *
 * <p>Metrics name the method only when it is one of the standard ones ({@code other} else), so
 * made-up methods cannot add series.
 */
final class HttpApiHandler extends ChannelInboundHandlerAdapter {

  /** A connection turned into a stream of events (SSE). */
  interface Stream {
    /** The channel's writability changed. */
    void writabilityChanged();

    /** The server is shutting down: ends the stream cleanly, then closes the connection. */
    void end();
  }

  /** Serves a routed request; called on the connection's event loop. */
  @FunctionalInterface
  interface Dispatcher {
    void handle(Route route, Exchange ex);
  }

  /** Requests that wait while another is answered; beyond, the connection is not read. */
  static final int MAX_QUEUED_REQUESTS = 16;

  /** The methods metrics name; any other is {@code other}. */
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

  private final Dispatcher dispatcher;
  private final HttpMetrics metrics;
  private final ConnectionGuard guard;
  // All fields below are touched only on the event loop.
  private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
  private Exchange current;
  private Stream stream;

  /** A refused request ends the connection: everything read after it is dropped. */
  private boolean closing;

  private final java.util.function.Consumer<io.netty.handler.codec.http.HttpHeaders> decorator;

  private final HostAllowList hosts;

  /** The last {@code Host} this connection sent that {@link #hosts} allowed; event loop only. */
  private String allowedHost;

  HttpApiHandler(Dispatcher dispatcher, HttpMetrics metrics, ConnectionGuard guard) {
    this(dispatcher, metrics, guard, h -> {}, HostAllowList.ANY);
  }

  /**
   * @param decorator adds the headers every answer carries (a cluster member's contact with its
   *     leader)
   * @param hosts the {@code Host} names served; others are refused (403, field {@code host})
   */
  HttpApiHandler(
      Dispatcher dispatcher,
      HttpMetrics metrics,
      ConnectionGuard guard,
      java.util.function.Consumer<io.netty.handler.codec.http.HttpHeaders> decorator,
      HostAllowList hosts) {
    this.dispatcher = dispatcher;
    this.metrics = metrics;
    this.guard = guard;
    this.decorator = decorator;
    this.hosts = hosts;
  }

  /** Adds the headers every answer carries. */
  void decorate(io.netty.handler.codec.http.HttpHeaders headers) {
    decorator.accept(headers);
  }

  /** Reports the answer of {@code ex}, sent now with {@code status}. */
  void record(Exchange ex, int status) {
    Route route = ex.route();
    metrics.answered(
        route == null ? "unmatched" : route.tag(),
        methodLabel(ex.method()),
        status,
        System.nanoTime() - ex.startNanos());
  }

  /** {@code method}'s name when it is a standard method, else {@code other}: a bounded label. */
  static String methodLabel(HttpMethod method) {
    String name = method.name();
    return KNOWN_METHODS.contains(name) ? name : "other";
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest) || stream != null || closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    FullHttpRequest request = (FullHttpRequest) msg;
    guard.received();
    if (endsConnection(request)) {
      // Nothing after it is read: its framing cannot be trusted.
      ctx.channel().config().setAutoRead(false);
    }
    if (current != null) {
      queued.add(request);
      if (queued.size() >= MAX_QUEUED_REQUESTS) {
        ctx.channel().config().setAutoRead(false);
      }
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

  /** Whether this connection ends after the answer being sent: every answer then says so. */
  boolean closing() {
    return closing;
  }

  /**
   * The server is shutting down (event loop only): nothing more is read or served; an event stream
   * ends cleanly; a request that waits (a long-poll, a drain) is answered 503 {@code UNAVAILABLE}
   * at once; any other request being answered is answered when it is done, with {@code Connection:
   * close}; an idle connection is closed.
   */
  void shutDown(ChannelHandlerContext ctx) {
    closing = true;
    releaseQueued();
    ctx.channel().config().setAutoRead(false);
    if (stream != null) {
      stream.end();
    } else if (current != null) {
      current.shutDown();
    } else {
      ctx.close();
    }
  }

  /** The exchange was answered: the next queued request, if any, is served. */
  void answered(Exchange ex) {
    if (current != ex) {
      return;
    }
    current = null;
    guard.answered();
    ChannelHandlerContext ctx = ex.ctx();
    FullHttpRequest next;
    while (current == null && !closing && stream == null && (next = queued.poll()) != null) {
      dispatch(ctx, next);
    }
    if (current == null && queued.isEmpty() && !closing && stream == null) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /** The exchange became a stream: no more requests on this connection. */
  void streaming(Exchange ex, Stream stream) {
    this.stream = stream;
    guard.streaming();
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
        refuse(ctx, request);
        return;
      }
      QueryStringDecoder query = new QueryStringDecoder(request.uri());
      String path = query.rawPath();
      String[] segments = segments(path);
      Exchange ex = new Exchange(this, ctx, request, query, segments);
      current = ex;
      Route.Match match = Route.match(request.method(), segments);
      try {
        SingleHeaders.check(request.headers());
        checkHost(request);
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

  /**
   * Refuses a request whose {@code Host} is not a name this server answers to (DNS rebinding,
   * decision 0168). A connection's browser or client sends the same {@code Host} every time, so
   * once allowed it is only compared again, without parsing or allocating.
   */
  private void checkHost(FullHttpRequest request) {
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null || host.equals(allowedHost)) {
      return;
    }
    if (!hosts.allows(host)) {
      throw new ApiError(
          HttpResponseStatus.FORBIDDEN,
          ErrorCode.PERMISSION_DENIED,
          "host",
          "host: "
              + host
              + " is not a name of this server (expected: "
              + hosts.expected()
              + "; add names with --allowed-hosts): requests naming other hosts are refused"
              + " against DNS rebinding");
    }
    allowedHost = host;
  }

  /** The (still percent-encoded) segments of a request's path: {@code /v1/a/} is v1, a and "". */
  static String[] segments(String rawPath) {
    return !rawPath.isEmpty() && rawPath.charAt(0) == '/'
        ? rawPath.substring(1).split("/", -1)
        : new String[] {rawPath};
  }

  /** Whether {@code request} was refused in a way that ends the connection after its answer. */
  private static boolean endsConnection(FullHttpRequest request) {
    if (!request.decoderResult().isFailure()) {
      return false;
    }
    Throwable cause = request.decoderResult().cause();
    return !(cause instanceof ApiError) || ((ApiError) cause).closesConnection();
  }

  /**
   * Answers a request refused before routing: an {@link ApiError}, or a request the decoder could
   * not read (400; 414 for a request line too long, 431 for headers too long). Every answer but a
   * kept-open 413 closes the connection.
   */
  private void refuse(ChannelHandlerContext ctx, FullHttpRequest request) {
    Throwable cause = request.decoderResult().cause();
    HttpResponseStatus status;
    String field;
    String message;
    boolean keepOpen = false;
    ErrorCode code = ErrorCode.INVALID_ARGUMENT;
    if (cause instanceof ApiError) {
      ApiError e = (ApiError) cause;
      code = e.code();
      status = e.status();
      field = e.field();
      message = e.getMessage();
      keepOpen = !e.closesConnection();
    } else if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
      field = "request";
      message =
          "request: line "
              + cause.getMessage()
              + " (expected: at most "
              + HttpApiServer.MAX_REQUEST_LINE_BYTES
              + " bytes)";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      field = "headers";
      message =
          "headers: "
              + cause.getMessage()
              + " (expected: at most "
              + HttpApiServer.MAX_HEADER_BYTES
              + " bytes)";
    } else {
      status = HttpResponseStatus.BAD_REQUEST;
      field = "request";
      message =
          "request: "
              + (cause == null ? "malformed" : cause.getMessage())
              + " (expected: an HTTP/1.1 request)";
    }
    if (!keepOpen) {
      closing = true;
      releaseQueued();
    }
    Exchange ex = new Exchange(this, ctx, request, new QueryStringDecoder("/"), new String[0]);
    current = ex;
    FullHttpResponse r = Exchange.response(status, JsonBodies.error(code, field, message), -1);
    if (!keepOpen) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    // HttpServerKeepAliveHandler closes the connection once an answer saying close is written.
    ex.send(r);
  }

  private void releaseQueued() {
    FullHttpRequest r;
    while ((r = queued.poll()) != null) {
      r.release();
    }
  }
}

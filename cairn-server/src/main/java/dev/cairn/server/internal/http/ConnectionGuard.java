package dev.cairn.server.internal.http;

import dev.cairn.common.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of a connection: holds its place in the per-client-address connection limit and
 * closes connections that hold the server without using it.
 *
 * <ul>
 *   <li>A connection beyond {@code maxConnectionsPerClient} from one address gets 429 ({@code
 *       RESOURCE_EXHAUSTED}) and is closed.
 *   <li><b>Request timeout</b>: a request must arrive whole (head and body) within {@code
 *       requestTimeout} of its first byte; else 408 and the connection closes (a stalled body, or
 *       headers sent a byte at a time).
 *   <li><b>Idle timeout</b>: a connection with nothing to answer and nothing arriving is closed
 *       after {@code idleTimeout}. A long-poll being waited on or an event stream is not idle.
 * </ul>
 *
 * <p>Sits before the HTTP decoder (it sees the bytes as they arrive); {@link HttpApiHandler} tells
 * it when a request was received whole ({@link #received()}), answered ({@link #answered()}) or
 * turned into an event stream ({@link #streaming()}). One per connection; every method runs on the
 * connection's event loop.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

  private final ClientQuota quota;
  private final long requestTimeoutNanos;
  private final long idleTimeoutNanos;
  // Event loop only.
  private ChannelHandlerContext ctx;
  private boolean open;
  private InetAddress client; // null when the peer has no IP address (an embedded channel)
  private int unanswered;
  private boolean streaming;
  private ScheduledFuture<?> requestDeadline;
  private ScheduledFuture<?> idleDeadline;

  ConnectionGuard(ClientQuota quota, HttpApiSettings settings) {
    this.quota = quota;
    this.requestTimeoutNanos = settings.requestTimeout().toNanos();
    this.idleTimeoutNanos = settings.idleTimeout().toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress address =
        ctx.channel().remoteAddress() instanceof InetSocketAddress
            ? ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress()
            : null;
    if (address != null && !quota.tryAcquire(address)) {
      refuse(
          HttpResponseStatus.TOO_MANY_REQUESTS,
          ErrorCode.RESOURCE_EXHAUSTED,
          "connections",
          "connections: "
              + quota.max()
              + " open from "
              + address.getHostAddress()
              + " (expected: at most "
              + quota.max()
              + " per client address)");
      return;
    }
    open = true;
    client = address;
    armIdle();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel(requestDeadline);
    cancel(idleDeadline);
    if (open) {
      open = false;
      if (client != null) {
        quota.release(client);
      }
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!open) {
      ReferenceCountUtil.release(msg); // refused: nothing is read
      return;
    }
    if (!streaming && requestDeadline == null) {
      cancel(idleDeadline);
      idleDeadline = null;
      requestDeadline =
          ctx.executor().schedule(this::requestTimedOut, requestTimeoutNanos, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /** A request arrived whole (or was refused while arriving): it is now waiting for its answer. */
  void received() {
    cancel(requestDeadline);
    requestDeadline = null;
    unanswered++;
  }

  /** One request was answered; the connection is idle once none is left. */
  void answered() {
    unanswered = Math.max(0, unanswered - 1);
    if (unanswered == 0 && requestDeadline == null) {
      armIdle();
    }
  }

  /** The connection became an event stream: it is never idle and takes no more requests. */
  void streaming() {
    streaming = true;
    cancel(requestDeadline);
    cancel(idleDeadline);
    requestDeadline = null;
    idleDeadline = null;
  }

  private void armIdle() {
    cancel(idleDeadline);
    idleDeadline =
        streaming
            ? null
            : ctx.executor().schedule(this::idleTimedOut, idleTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void idleTimedOut() {
    idleDeadline = null;
    if (unanswered == 0 && requestDeadline == null && !streaming) {
      ctx.close();
    }
  }

  private void requestTimedOut() {
    requestDeadline = null;
    if (streaming) {
      return;
    }
    if (unanswered > 0) {
      // Answers are still owed ahead of the late request: one cannot be sent out of turn.
      ctx.close();
      return;
    }
    refuse(
        HttpResponseStatus.REQUEST_TIMEOUT,
        ErrorCode.DEADLINE_EXCEEDED,
        "request",
        "request: not received whole within "
            + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos)
            + " ms (expected: a request's head and body within "
            + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos)
            + " ms of its first byte)");
  }

  /** Answers with an error and closes; writes through the whole pipeline (the encoder). */
  private void refuse(HttpResponseStatus status, ErrorCode code, String field, String message) {
    ctx.channel().config().setAutoRead(false);
    FullHttpResponse r = Exchange.response(status, JsonBodies.error(code, field, message), -1);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}

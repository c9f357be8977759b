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
 * <p>The timeouts cost no timer operation per request: events only note the time, and one check per
 * connection runs every half of the shorter timeout (so a request times out 1 to 1.5 times its
 * timeout after its first byte, an idle connection within half a request timeout of its idle
 * timeout). An event stream has no check.
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

  /** When the first byte of the request being received arrived ({@code nanoTime}); 0: none. */
  private long receivingSince;

  /** When the connection last had nothing to answer ({@code nanoTime}). */
  private long idleSince;

  private ScheduledFuture<?> check;

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
    idleSince = System.nanoTime();
    long period = Math.max(1, Math.min(requestTimeoutNanos, idleTimeoutNanos) / 2);
    check = ctx.executor().scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stopChecking();
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
    if (!streaming && receivingSince == 0) {
      receivingSince = System.nanoTime();
    }
    ctx.fireChannelRead(msg);
  }

  /** A request arrived whole (or was refused while arriving): it is now waiting for its answer. */
  void received() {
    receivingSince = 0;
    unanswered++;
  }

  /** One request was answered; the connection is idle once none is left. */
  void answered() {
    unanswered = Math.max(0, unanswered - 1);
    if (unanswered == 0) {
      idleSince = System.nanoTime();
    }
  }

  /** The connection became an event stream: it is never idle and takes no more requests. */
  void streaming() {
    streaming = true;
    receivingSince = 0;
    stopChecking();
  }

  private void check() {
    if (streaming || !open) {
      return;
    }
    long now = System.nanoTime();
    if (receivingSince != 0 && now - receivingSince >= requestTimeoutNanos) {
      requestTimedOut();
    } else if (receivingSince == 0 && unanswered == 0 && now - idleSince >= idleTimeoutNanos) {
      stopChecking();
      ctx.close();
    }
  }

  private void requestTimedOut() {
    stopChecking();
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

  private void stopChecking() {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }

  /** Answers with an error and closes; writes through the whole pipeline (the encoder). */
  private void refuse(HttpResponseStatus status, ErrorCode code, String field, String message) {
    ctx.channel().config().setAutoRead(false);
    FullHttpResponse r = Exchange.response(status, JsonBodies.error(code, field, message), -1);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status.code() == 429) {
      Exchange.retryAfter(r);
    }
    ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }
}

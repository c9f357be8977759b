package dev.cairn.loadgen.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link ReadPlan} with a lean Netty HTTP/1.1 client, the way wrk does: one keep-alive
 * connection per worker, all served by a small event-loop group ({@code ioThreads}, 1 or 2), and
 * each worker sends its next request from the event loop as soon as the last byte of the previous
 * response arrived (closed loop). Responses are streamed through {@link HttpClientCodec}: the
 * worker only checks the status and counts body bytes, it never aggregates or parses them. A plan
 * with gzip inflates each answer ({@link HttpContentDecompressor}) before its bytes are counted.
 */
final class NettyReader {

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private NettyReader() {}

  /**
   * Runs {@code plan} on a new event-loop group of {@code ioThreads} threads, shut down before it
   * returns. Returns once every worker has stopped or the plan's bound has passed.
   *
   * @throws IOException when a connection cannot be opened
   */
  static ReadResult run(ReadPlan plan, int ioThreads) throws IOException, InterruptedException {
    return run(plan, ioThreads, null);
  }

  /** Like {@link #run(ReadPlan, int)}, over TLS with {@code tls} unless it is null. */
  static ReadResult run(ReadPlan plan, int ioThreads, SslContext tls)
      throws IOException, InterruptedException {
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
    }
    Latency latency = new Latency();
    CountDownLatch done = new CountDownLatch(plan.connections());
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            ioThreads, RunContext.daemonThreads("loadgen-w3-netty"), NioIoHandler.newFactory());
    List<Channel> channels = new ArrayList<>();
    List<Worker> workers = new ArrayList<>();
    try {
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
      for (int i = 0; i < plan.connections(); i++) {
        URI uri = plan.uri(i);
        String host = uri.getHost().replace("[", "").replace("]", "");
        String target =
            uri.getRawQuery() == null
                ? uri.getRawPath()
                : uri.getRawPath() + "?" + uri.getRawQuery();
        Worker worker = new Worker(plan, target, uri.getRawAuthority(), latency, done);
        bootstrap.handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                if (tls != null) {
                  ch.pipeline().addLast(tls.newHandler(ch.alloc(), host, uri.getPort()));
                }
                ch.pipeline().addLast(new HttpClientCodec());
                if (plan.gzip()) {
                  ch.pipeline()
                      .addLast(worker.wireEncoding())
                      .addLast(new HttpContentDecompressor());
                }
                ch.pipeline()
                    .addLast(
                        new ReadTimeoutHandler(
                            plan.requestTimeout().toMillis(), TimeUnit.MILLISECONDS))
                    .addLast(worker);
              }
            });
        ChannelFuture connected = bootstrap.connect(host, uri.getPort());
        if (!connected.await(CONNECT_TIMEOUT_MILLIS + 1_000L) || !connected.isSuccess()) {
          connected.channel().close();
          throw new IOException(
              "connect " + uri.getRawAuthority() + ": " + connected.cause(), connected.cause());
        }
        channels.add(connected.channel());
        workers.add(worker);
      }
      long begin = System.nanoTime();
      long deadline = begin + plan.duration().toNanos();
      for (int i = 0; i < channels.size(); i++) {
        Worker worker = workers.get(i);
        channels.get(i).eventLoop().execute(() -> worker.start(deadline));
      }
      done.await(plan.bound().toNanos(), TimeUnit.NANOSECONDS);
      long end = System.nanoTime();
      // A worker still running is stuck on a request: closing its channel counts the error.
      channels.forEach(Channel::close);
      done.await(CONNECT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      long ok = 0;
      long errors = 0;
      for (Worker worker : workers) {
        ok += worker.ok;
        errors += worker.errors;
      }
      return new ReadResult(ok, errors, end - begin, latency);
    } finally {
      channels.forEach(Channel::close);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }

  /**
   * One closed-loop worker on one connection. Its fields are confined to the channel's event loop;
   * {@code ok} and {@code errors} are read by the caller after {@code done} counted down.
   */
  private static final class Worker extends ChannelInboundHandlerAdapter {

    private final ReadPlan plan;
    private final String target;
    private final HttpHeaders headers = new DefaultHttpHeaders();
    private final Latency latency;
    private final CountDownLatch done;

    private ChannelHandlerContext ctx;
    private long deadlineNanos;
    private long reads;
    private long sentNanos;
    private boolean outstanding;
    private boolean finished;
    private int status;
    private boolean keepAlive;
    private long bodyBytes;
    // Set by wireEncoding() on the same event loop, before the answer reaches this worker.
    private boolean gzipped;
    long ok;
    long errors;

    Worker(ReadPlan plan, String target, String authority, Latency latency, CountDownLatch done) {
      this.plan = plan;
      this.target = target;
      this.latency = latency;
      this.done = done;
      headers.set(HttpHeaderNames.HOST, authority);
      if (plan.token() != null) {
        headers.set("X-Cairn-Token", plan.token());
      }
      if (plan.gzip()) {
        headers.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.GZIP);
      }
    }

    /** Notes whether each answer came gzipped, before the decompressor takes the header away. */
    ChannelInboundHandlerAdapter wireEncoding() {
      return new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          if (msg instanceof HttpResponse response) {
            gzipped =
                HttpHeaderValues.GZIP.contentEqualsIgnoreCase(
                    response.headers().get(HttpHeaderNames.CONTENT_ENCODING));
          }
          ctx.fireChannelRead(msg);
        }
      };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    /** Sends the first request; runs on the event loop. */
    void start(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
      if (!finished) {
        send();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (!outstanding) {
          return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
          fail();
          return;
        }
        if (msg instanceof HttpResponse response) {
          status = response.status().code();
          keepAlive = HttpUtil.isKeepAlive(response);
        }
        if (msg instanceof HttpContent content) {
          bodyBytes += content.content().readableBytes();
        }
        if (msg instanceof LastHttpContent) {
          completed();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail();
    }

    private void send() {
      outstanding = true;
      status = 0;
      keepAlive = false;
      bodyBytes = 0;
      gzipped = false;
      reads++;
      sentNanos = System.nanoTime();
      ctx.writeAndFlush(
              new DefaultFullHttpRequest(
                  HttpVersion.HTTP_1_1,
                  HttpMethod.GET,
                  target,
                  Unpooled.EMPTY_BUFFER,
                  headers,
                  EmptyHttpHeaders.INSTANCE))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private void completed() {
      outstanding = false;
      // A response that closes the connection ends this worker's loop: it counts as an error.
      if (status == 200 && bodyBytes == plan.bodyBytes() && keepAlive && gzipped == plan.gzip()) {
        latency.recordNanos(System.nanoTime() - sentNanos);
        ok++;
      } else {
        errors++;
      }
      if (!keepAlive) {
        finish();
      } else if (System.nanoTime() < deadlineNanos && reads < plan.maxReadsPerConnection()) {
        send();
      } else {
        finish();
      }
    }

    /**
     * Counts an error and ends the worker, unless it has ended already (then a close is normal).
     */
    private void fail() {
      if (finished) {
        return;
      }
      outstanding = false;
      errors++;
      finish();
    }

    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      ctx.close();
      done.countDown();
    }
  }
}

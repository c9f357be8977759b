package dev.cairn.server.internal.dns;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.Listener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;

/**
 * The DNS listener: UDP and TCP on the same port, both answered by one {@link DnsZone}. Built on
 * Netty's DNS codec (names, questions and records); see {@code docs/dns.md} for the names served.
 *
 * <p>UDP answers fit 512 bytes, or the EDNS0 payload size the query advertises (at most {@value
 * DnsResponseWriter#MAX_UDP_BYTES}); what does not fit sets the TC flag, and the client asks again
 * over TCP. TCP connections may carry several queries, answered in order, and are closed after
 * {@value #TCP_IDLE_SECONDS} s without one. Malformed queries get FORMERR, unknown opcodes NOTIMP;
 * nothing a client sends stops the listener. With a {@link DnsRateLimit}, answers over UDP are
 * limited per client address (and kept within 1232 bytes), against reflection attacks. Thread-safe.
 */
public final class DnsListener implements Listener {

  /** Seconds a TCP connection may stay silent before it is closed (RFC 7766 §6.2.3). */
  static final int TCP_IDLE_SECONDS = 10;

  private static final int EPHEMERAL_ATTEMPTS = 8;

  private final EventLoopGroup group;
  private final Channel udp;
  private final Channel tcp;
  private final ChannelGroup connections;
  private final InetSocketAddress address;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DnsListener(EventLoopGroup group, Channel udp, Channel tcp, ChannelGroup connections) {
    this.group = group;
    this.udp = udp;
    this.tcp = tcp;
    this.connections = connections;
    this.address = (InetSocketAddress) udp.localAddress();
  }

  /**
   * Binds UDP and TCP on {@code bind} (port 0: a free port that both protocols can take) and serves
   * {@code domain} (lower case, e.g. {@code cairn}) from {@code registry} with records that live
   * {@code ttlSeconds}.
   *
   * @throws IOException when the port cannot be bound for both protocols
   */
  public static DnsListener start(
      Registry registry, InetSocketAddress bind, String domain, long ttlSeconds)
      throws IOException {
    return start(registry, bind, domain, ttlSeconds, DnsMetrics.NONE);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, String, long)}, reporting to {@code metrics}.
   */
  public static DnsListener start(
      Registry registry, InetSocketAddress bind, String domain, long ttlSeconds, DnsMetrics metrics)
      throws IOException {
    return start(registry, bind, domain, ttlSeconds, metrics, (namespace, service) -> true);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, String, long, DnsMetrics)}, answering only for
   * the services {@code mayRead} allows (others are {@code REFUSED}).
   */
  public static DnsListener start(
      Registry registry,
      InetSocketAddress bind,
      String domain,
      long ttlSeconds,
      DnsMetrics metrics,
      java.util.function.BiPredicate<String, String> mayRead)
      throws IOException {
    return start(registry, bind, domain, ttlSeconds, metrics, mayRead, null);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, String, long, DnsMetrics, BiPredicate)},
   * limiting the answers over UDP per client address with {@code rateLimit} (null: no limit).
   */
  public static DnsListener start(
      Registry registry,
      InetSocketAddress bind,
      String domain,
      long ttlSeconds,
      DnsMetrics metrics,
      java.util.function.BiPredicate<String, String> mayRead,
      DnsRateLimit rateLimit)
      throws IOException {
    requireNonNull(bind, "bind");
    requireNonNull(metrics, "metrics");
    Answerer zone =
        new Answerer(
            new DnsZone(
                registry, domain, ttlSeconds, DnsNameServer.addresses(bind.getAddress()), mayRead),
            metrics,
            rateLimit);
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("cairn-dns", true), NioIoHandler.newFactory());
    ChannelGroup connections = new DefaultChannelGroup("cairn-dns", GlobalEventExecutor.INSTANCE);
    try {
      int attempts = bind.getPort() == 0 ? EPHEMERAL_ATTEMPTS : 1;
      for (int i = 1; ; i++) {
        Channel udp = bindUdp(group, zone, bind);
        InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
        try {
          Channel tcp =
              bindTcp(
                  group,
                  zone,
                  connections,
                  new InetSocketAddress(bind.getAddress(), bound.getPort()));
          return new DnsListener(group, udp, tcp, connections);
        } catch (IOException e) {
          udp.close().awaitUninterruptibly();
          if (i >= attempts) {
            throw e;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
      throw e;
    }
  }

  @Override
  public String protocol() {
    return "dns";
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void beginShutdown() {
    tcp.close().awaitUninterruptibly();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    udp.close().awaitUninterruptibly();
    tcp.close().awaitUninterruptibly();
    connections.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private static Channel bindUdp(EventLoopGroup group, Answerer zone, InetSocketAddress bind)
      throws IOException {
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(new UdpHandler(zone));
    return bind(b.bind(bind), "UDP", bind);
  }

  private static Channel bindTcp(
      EventLoopGroup group, Answerer zone, ChannelGroup connections, InetSocketAddress bind)
      throws IOException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    ch.pipeline()
                        .addLast(new ReadTimeoutHandler(TCP_IDLE_SECONDS))
                        .addLast(new LengthFieldBasedFrameDecoder(65537, 0, 2, 0, 2))
                        .addLast(new LengthFieldPrepender(2))
                        .addLast(new TcpHandler(zone));
                  }
                });
    return bind(b.bind(bind), "TCP", bind);
  }

  private static Channel bind(
      io.netty.channel.ChannelFuture future, String protocol, InetSocketAddress bind)
      throws IOException {
    future.awaitUninterruptibly();
    if (!future.isSuccess()) {
      Throwable cause = future.cause();
      throw new IOException(
          "cannot bind DNS over " + protocol + " to " + bind + ": " + cause.getMessage(), cause);
    }
    return future.channel();
  }

  /** Answers one datagram with one datagram; runs on the listener's event loop. */
  @ChannelHandler.Sharable
  private static final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Answerer zone;

    UdpHandler(Answerer zone) {
      this.zone = zone;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      long start = System.nanoTime();
      DnsRequest request = DnsRequest.read(packet.content());
      if (request == null) {
        zone.metrics.answered("udp", "DROPPED", System.nanoTime() - start);
        return;
      }
      int limit = DnsResponseWriter.udpLimit(request);
      DnsRateLimit rate = zone.rateLimit;
      if (rate != null) {
        DnsRateLimit.Verdict verdict = rate.check(packet.sender().getAddress());
        if (verdict != DnsRateLimit.Verdict.ANSWER) {
          if (verdict == DnsRateLimit.Verdict.SLIP) {
            ctx.writeAndFlush(
                new DatagramPacket(
                    DnsResponseWriter.truncated(ctx.alloc(), request), packet.sender()));
          }
          zone.metrics.answered(
              "udp",
              verdict == DnsRateLimit.Verdict.SLIP ? "RATE_LIMITED_TC" : "RATE_LIMITED_DROPPED",
              System.nanoTime() - start);
          return;
        }
        limit = rate.udpLimit(limit);
      }
      DnsAnswer answer = zone.answer(request);
      ByteBuf reply = DnsResponseWriter.write(ctx.alloc(), request, answer, limit);
      ctx.writeAndFlush(new DatagramPacket(reply, packet.sender()));
      zone.metrics.answered("udp", rcodeName(answer.code()), System.nanoTime() - start);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A failed send (an ICMP unreachable reported late) concerns one client only: keep serving.
    }
  }

  /**
   * Answers the length-prefixed queries of one TCP connection in order; stops reading while the
   * client does not take its answers.
   */
  private static final class TcpHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private final Answerer zone;

    TcpHandler(Answerer zone) {
      this.zone = zone;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      long start = System.nanoTime();
      DnsRequest request = DnsRequest.read(frame);
      if (request == null) {
        zone.metrics.answered("tcp", "DROPPED", System.nanoTime() - start);
        ctx.close();
        return;
      }
      DnsAnswer answer = zone.answer(request);
      ByteBuf reply =
          DnsResponseWriter.write(ctx.alloc(), request, answer, DnsResponseWriter.MAX_TCP_BYTES);
      ctx.writeAndFlush(reply);
      zone.metrics.answered("tcp", rcodeName(answer.code()), System.nanoTime() - start);
      if (!ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A frame over 65535 bytes cannot be, a reset or the idle timeout: the connection ends.
      ctx.close();
    }
  }

  private static final String[] RCODE_NAMES = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"
  };

  /** The mnemonic of {@code code} (RFC 1035 §4.1.1), without allocating for the usual ones. */
  static String rcodeName(io.netty.handler.codec.dns.DnsResponseCode code) {
    int c = code.intValue();
    return c < RCODE_NAMES.length ? RCODE_NAMES[c] : "RCODE" + c;
  }

  /** The zone, the metrics and the UDP rate limit, shared by both protocols' handlers. */
  private static final class Answerer {
    final DnsZone zone;
    final DnsMetrics metrics;
    final DnsRateLimit rateLimit; // null: none; used on the one event-loop thread

    Answerer(DnsZone zone, DnsMetrics metrics, DnsRateLimit rateLimit) {
      this.zone = zone;
      this.metrics = metrics;
      this.rateLimit = rateLimit;
    }

    DnsAnswer answer(DnsRequest request) {
      return request.error() != null
          ? DnsAnswer.of(request.error(), false)
          : zone.answer(request.question());
    }
  }
}

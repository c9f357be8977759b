package dev.cairn.server.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The Netty transport of the server's TCP listeners (gRPC, HTTP): Netty's native epoll transport
 * where it loads (Linux on x86-64), the JDK's NIO elsewhere (decision 0117). Both carry the same
 * protocols with the same options; epoll does the same work with fewer copies and locks per read
 * and write.
 */
public final class NettyTransport {

  private static final boolean EPOLL = Epoll.isAvailable();

  private NettyTransport() {}

  /**
   * A group of {@code threads} event loops of this transport, their threads made by {@code
   * factory}.
   */
  public static EventLoopGroup group(int threads, ThreadFactory factory) {
    IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, factory, io);
  }

  /** The listening channel type to use with {@link #group} loops. */
  public static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}

package dev.cairn.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class NettyTransportTest {

  @Test
  @EnabledOnOs(OS.LINUX)
  @EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
  void linuxOnX8664UsesTheNativeEpollTransport() {
    assertThat(Epoll.unavailabilityCause()).isNull();
    assertThat(NettyTransport.serverChannel()).isEqualTo(EpollServerSocketChannel.class);
  }

  @Test
  void itsLoopsAndChannelAcceptAConnection() throws Exception {
    EventLoopGroup group =
        NettyTransport.group(1, new DefaultThreadFactory("transport-test", true));
    CountDownLatch accepted = new CountDownLatch(1);
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NettyTransport.serverChannel())
              .childHandler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      accepted.countDown();
                    }
                  })
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      try (Socket client = new Socket("127.0.0.1", port)) {
        assertThat(accepted.await(5, TimeUnit.SECONDS)).isTrue();
      }
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
    }
  }
}
